"""Asperti & Trentin 2020 on CelebA: Table 3, Table 4, Fig. 3 and the resize appendix's model half.

table3: models 1-4 x (learned, computed γ); the first stage keeps snapshots, a second stage is
trained on each kept snapshot's codes (as Table 1), and each pair is evaluated like Table 2.
The paper's observations 1-4 are checked as orderings.
table4: the KL x4 model, evaluated once per latent-normalisation row (the same runs and random
draws: only the GEN-2 codes differ), the variance of the second stage's generated codes, and the
claim that normalising them improves GEN-2.
figure3: GEN-2 faces of Table 4's best run (read from table4_runs.csv), with how much
high-frequency energy they keep beside real faces.
appendix_resize: the two-stage VAE per resize mode: FIDs against that mode's own test images,
per-image reconstruction mse (mean, max, min), and mean/max mse along the first stage's training.
"""

from dataclasses import replace
from pathlib import Path

import pandas as pd
import torch

from vaebench import device as device_policy
from vaebench import plots
from vaebench.artifacts.common import claim, every, image_grid
from vaebench.artifacts.context import BuildContext, Built
from vaebench.errors import UserError
from vaebench.eval.verdict import close, ordering, paired_ordering, read_artifact_csv, row
from vaebench.papers.asperti2020.celeba import high_frequency_fraction
from vaebench.papers.asperti2020.two_stage import (
    FIDS,
    METRICS,
    both_converged,
    evaluation,
    fid_protocol,
    plot_fids,
    reported_value,
    run_index,
    tolerance_for,
    with_fid_protocol,
)
from vaebench.papers.asperti2020.two_stage_eval import (
    generated_code_variance,
    reconstruction_errors,
    two_stage_samples,
)
from vaebench.spec import specs
from vaebench.train import runs as run_files
from vaebench.train.runs import snapshot_name

# ---------------------------------------------------------------- table 3


def evaluate_table3(ctx: BuildContext) -> pd.DataFrame:
    """One row per (model, γ, checkpoint, seed)."""
    spec, scale = ctx.spec, ctx.scale
    art, runs = specs.artifact(spec, ctx.name), evaluation(ctx)
    listed = specs.artifact_experiments(spec, ctx.name, scale)
    rows = []
    for parts in art["variants"].values():
        if parts["stage1"] not in listed:
            continue
        for checkpoint, experiment in enumerate(parts["stage2"], start=1):
            if experiment not in listed:
                continue
            for seed in specs.seeds(spec, experiment, scale):
                stage1, stage2 = runs.pair(parts["stage1"], experiment, seed)
                epoch = int(run_files.config(stage2).dataset_args["codes_epoch"])
                metrics = runs.of(stage1, stage2, stage1_checkpoint=snapshot_name(epoch))
                rows.append({"model": int(parts["model"]), "gamma": parts["gamma"],
                             "checkpoint": checkpoint,
                             "epochs": f"{epoch}/{run_files.done(stage2)['epochs']}",
                             "seed": seed, **metrics,
                             "converged": both_converged(stage1, stage2)})
    return pd.DataFrame(rows)


def table3_rows(table: pd.DataFrame, art: dict, scale: str) -> list[dict]:
    reported = {(int(r["model"]), r["gamma"], int(r["checkpoint"])): r
                for r in art["reported"]["rows"]}
    rows = []
    for (model, gamma, checkpoint), runs in table.groupby(["model", "gamma", "checkpoint"]):
        line = reported.get((int(model), gamma, int(checkpoint)), {})
        keys = {"model": int(model), "gamma": gamma, "checkpoint": int(checkpoint),
                "epochs": runs.epochs.iloc[0],
                "paper_epochs": art["checkpoints"].get(int(checkpoint), "")}
        rows += [row(keys, metric, reported_value(line, metric), runs[metric].tolist(),
                     tolerance=tolerance_for(metric, art["tolerance"]), scale=scale,
                     converged=bool(runs.converged.all()),
                     source=f"{art['reported']['source']}, model {model}, "
                            f"{art['checkpoints'].get(int(checkpoint), '')}, {gamma} gamma"
                     if line else "")
                 for metric in METRICS]
    return rows


def table3_claims(table: pd.DataFrame, art: dict, scale: str) -> list[dict]:
    """The paper's observations 1-4 under Table 3, each a test over the runs: computed against
    learned gamma paired on (model, checkpoint, seed); the REC's change from the first to the
    last checkpoint against the plateau band, with the mse falling (paired per series); the
    variance law below its bound (one-sample); model 2 against model 1 paired on (gamma,
    checkpoint, seed)."""
    bands, reported = art["claim_bands"], art["reported"]
    holds = {f"computed_better_{fid}": matched(table, "gamma", "computed", "learned", fid)
             for fid in FIDS}
    holds["fids_stop_improving_while_mse_falls"] = plateau_while_mse_falls(
        table, float(bands["plateau_fid"]))
    law = table.variance_law.tolist()
    holds["variance_law_far_below_one"] = paired_ordering(
        law, [float(bands["variance_law_below"])] * len(law))  # one-sample t against the bound
    holds["l2_improves_gen2"] = matched(table, "model", 2, 1, "GEN-2")
    converged = bool(table.converged.all())
    keys = {"model": "all", "gamma": "", "checkpoint": "", "epochs": "", "paper_epochs": ""}
    return [claim(keys, metric, reported[metric], outcome, converged=converged, scale=scale,
                  source=reported["claims_source"]) for metric, outcome in holds.items()]


def matched(table: pd.DataFrame, factor: str, lower, higher, metric: str):
    """metric at factor == lower below metric at factor == higher, runs matched on every other
    key (model / gamma, checkpoint, seed): the paired test; None when no run has both."""
    keys = [k for k in ("model", "gamma", "checkpoint", "seed") if k != factor]
    pairs = table.pivot_table(index=keys, columns=factor, values=metric)
    if lower not in pairs.columns or higher not in pairs.columns:
        return None
    pairs = pairs[[lower, higher]].dropna()
    return paired_ordering(pairs[lower].tolist(), pairs[higher].tolist()) if len(pairs) else None


def plateau_while_mse_falls(table: pd.DataFrame, plateau_fid: float):
    """Per (model, gamma, seed) series with several checkpoints: the REC falls by less than
    `plateau_fid` from the first to the last checkpoint (one-sample against the band) and the
    mse falls (paired); both must hold. None with one checkpoint."""
    ordered = table.sort_values("checkpoint").groupby(["model", "gamma", "seed"])
    first, last = ordered.first(), ordered.last()
    several = ordered.checkpoint.nunique() > 1
    if not several.any():
        return None
    first, last = first[several], last[several]
    rec_change = (last.REC - first.REC).tolist()
    return every([paired_ordering([-plateau_fid] * len(rec_change), rec_change),
                  paired_ordering(last.mse.tolist(), first.mse.tolist())])


def table3(ctx: BuildContext) -> Built:
    """Per (model, γ, checkpoint) the two-stage metrics, and observations 1-4; side table
    `runs`."""
    art, scale = specs.artifact(ctx.spec, ctx.name), ctx.scale
    table = evaluate_table3(ctx)
    frame = pd.DataFrame(table3_rows(table, art, scale) + table3_claims(table, art, scale))
    frame = with_fid_protocol(ctx, frame)
    return Built(frame, plot_table3(frame, art, scale), {"runs": table})


def plot_table3(frame: pd.DataFrame, art: dict, scale: str):
    """Per model: REC and GEN-2 by checkpoint, learned (blue) vs computed (orange) γ, replicated
    solid and reported dashed."""
    reported = pd.DataFrame(art["reported"]["rows"])
    models = sorted({int(v["model"]) for v in art["variants"].values()})
    ncols = min(2, len(models))
    nrows = -(-len(models) // ncols)
    fig, axes = plots.figure(nrows, ncols, figsize=(4.5 * ncols, 3.4 * nrows + 0.8),
                             squeeze=False)
    cells = frame[frame.model != "all"].astype({"model": int, "checkpoint": int})
    for ax, model in zip(axes.flat, models, strict=False):
        for colour, gamma in (("C0", "learned"), ("C1", "computed")):
            for style, metric in (("o", "REC"), ("s", "GEN-2")):
                part = cells[(cells.model == model) & (cells.gamma == gamma)
                             & (cells.metric == metric)].sort_values("checkpoint")
                ax.plot(part.checkpoint, part.replicated.astype(float), f"{style}-",
                        color=colour, label=f"{metric} {gamma}")
                paper = reported[(reported.model == model) & (reported.gamma == gamma)]
                ax.plot(paper.checkpoint, paper[metric], f"{style}--", color=colour, alpha=0.5)
        ax.set(title=f"model {model}", ylabel=plots.fid_label(cells),
               xlabel="checkpoint (paper: 40/120, 80/210, 120/300 epochs)")
        ax.set_xticks([1, 2, 3])
    axes.flat[0].legend(fontsize=6)
    claims = [f"{r.metric}: {r.verdict}" for r in frame[frame.model == "all"].itertuples()]
    lines = ["; ".join(claims[i:i + 3]) for i in range(0, len(claims), 3)]
    plots.title(fig, "\n".join([f"Asperti & Trentin Table 3, CelebA ({scale}); solid: replicated, "
                                f"dashed: reported"] + lines))
    return fig


# ---------------------------------------------------------------- table 4


def evaluate_table4(ctx: BuildContext) -> pd.DataFrame:
    """One row per (normalisation row, seed); every row of a seed sees the same random draws."""
    art, runs = specs.artifact(ctx.spec, ctx.name), evaluation(ctx)
    rows, fids = [], {}  # the rows share REC (and GEN-1) images: one FID each
    for seed in specs.seeds(ctx.spec, art["stage1"], ctx.scale):
        stage1, stage2 = runs.pair(art["stage1"], art["stage2"], seed)
        variance = generated_code_variance(stage2, max(runs.options.n, 1000), runs.device, seed)
        for key, setting in art["normalisation_rows"].items():
            chosen = replace(runs.options, latent_normalisation=setting["latent_normalisation"])
            metrics = runs.of(stage1, stage2, options=chosen, fid_cache=fids)
            rows.append({"row": key, "model": setting["model"], "seed": seed, **metrics,
                         "gen2_latent_variance": variance,
                         "epochs_stage1": run_files.done(stage1)["epochs"],
                         "epochs_stage2": run_files.done(stage2)["epochs"],
                         "converged": both_converged(stage1, stage2)})
    return pd.DataFrame(rows)


def table4_rows(table: pd.DataFrame, art: dict, scale: str) -> list[dict]:
    reported = {r["row"]: r for r in art["reported"]["rows"] if "row" in r}
    rows = []
    for r in art["reported"]["rows"]:  # the paper's reference rows, reported only
        if "row" not in r:
            keys = {"model": r["model"], "row": "", "epochs": r["epochs"]}
            rows += [row(keys, metric, r[metric], [], scale=scale, converged=False,
                         tolerance=tolerance_for(metric, art["tolerance"]), source=r["source"])
                     for metric in FIDS if metric in r]
    for key, setting in art["normalisation_rows"].items():
        runs = table[table.row == key]
        line = reported.get(key, {})
        keys = {"model": setting["model"], "row": key,
                "epochs": f"{runs.epochs_stage1.iloc[0]}/{runs.epochs_stage2.iloc[0]}"}
        rows += [row(keys, metric, reported_value(line, metric), runs[metric].tolist(),
                     tolerance=tolerance_for(metric, art["tolerance"]), scale=scale,
                     converged=bool(runs.converged.all()), source=line.get("source", ""))
                 for metric in FIDS + ["mse", "variance_law", "variance_law_code"]]
    first = table[table.row == next(iter(art["normalisation_rows"]))]
    rep = art["reported"]
    rows.append(row({"model": "second stage, generated codes", "row": "", "epochs": ""},
                    "gen2_latent_variance", rep["gen2_latent_variance"],
                    first.gen2_latent_variance.tolist(),
                    tolerance=float(art["tolerance"]["gen2_latent_variance"]), scale=scale,
                    converged=bool(first.converged.all()),
                    source=rep["gen2_latent_variance_source"]))
    rows.append(claim({"model": "with vs without normalisation", "row": "", "epochs": ""},
                      "normalisation_improves_gen2", rep["normalisation_improves_gen2"],
                      normalisation_test(table), converged=bool(table.converged.all()),
                      scale=scale, source=rep["claims_source"]))
    return rows


def normalisation_test(table: pd.DataFrame):
    """GEN-2 with normalisation below GEN-2 without, seed by seed: both rows evaluate the same
    runs on the same random draws, so the paired test removes the seeds' own spread."""
    gen2 = table.pivot_table(index="seed", columns="row", values="GEN-2").dropna()
    return paired_ordering(gen2["with"].tolist(), gen2["without"].tolist())


def table4(ctx: BuildContext) -> Built:
    """Per normalisation row the two-stage metrics, the generated codes' variance and the
    normalisation claim; side table `runs` (figure3 reads it)."""
    art = specs.artifact(ctx.spec, ctx.name)
    table = evaluate_table4(ctx)
    frame = with_fid_protocol(ctx, pd.DataFrame(table4_rows(table, art, ctx.scale)))
    improves = frame[frame.metric == "normalisation_improves_gen2"].iloc[0]
    return Built(frame, plot_fids(frame, f"Asperti & Trentin Table 4, CelebA ({ctx.scale}); "
                                         f"GEN-2 with normalisation < without: "
                                         f"{improves.verdict}"), {"runs": table})


# ---------------------------------------------------------------- figure 3


def best_seed(table4_runs: pd.DataFrame, row_key: str) -> tuple[int, pd.Series]:
    runs = table4_runs[table4_runs.row == row_key]
    if runs.empty:
        raise UserError(f"table4_runs.csv has no '{row_key}' rows; rebuild table4")
    best = runs.loc[runs["GEN-2"].idxmin()]
    return int(best.seed), best


def figure3(ctx: BuildContext) -> Built:
    """GEN-2 faces of table4's best run (read from table4_runs.csv), and their high-frequency
    energy beside the test images'."""
    art, scale = specs.artifact(ctx.spec, ctx.name), ctx.scale
    table4_csv = ctx.beside("table4.csv")
    if set(read_artifact_csv(table4_csv).scale) != {scale}:
        raise UserError(f"{table4_csv} was built at another scale than {scale}; rebuild table4")
    seed, best = best_seed(pd.read_csv(ctx.beside("table4_runs.csv")), art["row"])
    settings = art["scales"][scale]
    normalisation_rows = specs.artifact(ctx.spec, "table4")["normalisation_rows"]
    _, options, columns = fid_protocol(ctx)
    options = replace(options, n=settings["n_measured"], latent_normalisation=normalisation_rows[
        art["row"]]["latent_normalisation"])
    index = run_index(list(ctx.runs))
    samples = two_stage_samples(index[(art["stage1"], seed)], index[(art["stage2"], seed)],
                                options, str(device_policy.resolve()))
    faces, real = samples["GEN-2"].cpu(), samples["images"].cpu()
    high_fake, high_real = high_frequency_fraction(faces), high_frequency_fraction(real)
    keys = {"run": f"{art['stage1']}/{art['stage2']} seed {seed}", "row": art["row"]}
    source = f"{art['source']}; our measure"
    rows = [row(keys, "GEN-2", None, [float(best["GEN-2"])], scale=scale,
                converged=bool(best.converged), source="table4_runs.csv"),
            row(keys, "high_frequency_energy_fraction_samples", None, high_fake.tolist(),
                scale=scale, converged=bool(best.converged), source=source),
            row(keys, "high_frequency_energy_fraction_test_images", None, high_real.tolist(),
                scale=scale, converged=True, source=source),
            row(keys, "high_frequency_energy_ratio_samples_to_test", None,
                [float(high_fake.mean() / high_real.mean().clamp_min(1e-12))], scale=scale,
                converged=bool(best.converged), source=source),
            row(keys, "n_shown", None, [settings["n_shown"]], scale=scale, converged=True,
                source=source)]
    frame = pd.DataFrame(rows).assign(**columns)
    return Built(frame, plot_faces(faces[:settings["n_shown"]],
                                   f"Asperti & Trentin Fig. 3: GEN-2 faces ({scale}), seed "
                                   f"{seed}, GEN-2 FID {float(best['GEN-2']):.1f}"))


def plot_faces(faces: torch.Tensor, title: str):
    side = max(1, int(len(faces) ** 0.5))
    grid = image_grid(faces, nrow=side, padding=1, pad_value=0.0)
    fig, ax = plots.figure(figsize=(0.9 * side + 1, 0.9 * side + 1.2))
    ax.imshow(grid, interpolation="nearest")
    ax.axis("off")
    plots.title(fig, title)
    return fig


# ---------------------------------------------------------------- resize appendix


def snapshots(run: Path) -> list[int]:
    return sorted(int(p.stem.removeprefix("epoch")) for p in (run / "snapshots").glob("epoch*.pt"))


def fid_reference_per_mode(ctx: BuildContext) -> dict[str, str]:
    """Each resize mode's FID reference (that mode's own test images)."""
    return dict(zip(ctx.art["modes"], specs.fid_references(ctx.spec, ctx.name, ctx.scale),
                    strict=True))


def evaluate_resize(ctx: BuildContext):
    """(one row per (mode, seed) at the end; one row per (mode, seed, snapshot epoch))."""
    art, runs = specs.artifact(ctx.spec, ctx.name), evaluation(ctx)
    references = fid_reference_per_mode(ctx)
    final, along = [], []
    for mode, parts in art["modes"].items():
        for seed in specs.seeds(ctx.spec, parts["stage1"], ctx.scale):
            stage1, stage2 = runs.pair(parts["stage1"], parts["stage2"], seed)
            converged = both_converged(stage1, stage2)
            metrics = runs.of(stage1, stage2, reference=Path(references[mode]))
            final.append({"mode": mode, "seed": seed, **metrics, "converged": converged,
                          "fid_reference": references[mode]})
            for epoch in snapshots(stage1):
                errors = reconstruction_errors(stage1, runs.options, runs.device,
                                               snapshot_name(epoch))
                along.append({"mode": mode, "seed": seed, "epoch": epoch,
                              "mse": float(errors.mean()), "mse_max": float(errors.max()),
                              "mse_min": float(errors.min()),
                              "converged": bool(run_files.done(stage1)["converged"])})
    return pd.DataFrame(final), pd.DataFrame(along)


def max_mse_falls(along: pd.DataFrame) -> pd.DataFrame:
    """Per seed, the relative fall of the mean and of the max per-image mse over the second half
    of the kept snapshots (middle snapshot to last); empty with fewer than 3 snapshots."""
    falls = []
    for seed, runs in along.groupby("seed"):
        curve = runs.groupby("epoch")[["mse", "mse_max"]].mean().sort_index()
        if len(curve) < 3:
            continue
        middle, last = curve.iloc[len(curve) // 2], curve.iloc[-1]
        falls.append({"seed": seed, "mean": (middle.mse - last.mse) / middle.mse,
                      "max": (middle.mse_max - last.mse_max) / middle.mse_max})
    return pd.DataFrame(falls, columns=["seed", "mean", "max"])


def max_stabilises(along: pd.DataFrame, ratio: float):
    """The max mse "stabilises" while the mean keeps falling: seed by seed, the max's relative
    fall over the second half of training is below `ratio` times the mean's (paired test over
    the seeds); None with fewer than 3 snapshots."""
    falls = max_mse_falls(along)
    if falls.empty:
        return None
    return paired_ordering(falls["max"].tolist(), (ratio * falls["mean"]).tolist())


def resize_claims(final: pd.DataFrame, along: pd.DataFrame, art: dict, scale: str) -> list:
    """Nearest's REC worst (Welch against each other mode, both must hold); bilinear and bicubic
    within the band on GEN-1 and GEN-2 (TOST, both); the max mse stabilising (paired)."""
    tolerance, reported = art["tolerance"], art["reported"]
    by_mode = {mode: runs for mode, runs in final.groupby("mode")}
    rec = {mode: runs.REC.tolist() for mode, runs in by_mode.items()}
    band = float(tolerance["little_difference_fid"])
    holds = {"nearest_worst_rec": every([ordering(rec[other], rec["nearest"])
                                         for other in ("bilinear", "bicubic")]),
             "bilinear_bicubic_gen_close": every([
                 close(by_mode["bilinear"][fid].tolist(), by_mode["bicubic"][fid].tolist(), band)
                 for fid in ("GEN-1", "GEN-2")]),
             "nearest_max_mse_stabilises": max_stabilises(along[along["mode"] == "nearest"],
                                                          tolerance["stabilises_ratio"])}
    keys = {"mode": "all", "epoch": ""}
    converged = bool(final.converged.all())
    return [claim(keys, metric, reported[metric], outcome, converged=converged, scale=scale,
                  source=reported["source"]) for metric, outcome in holds.items()]


def resize_rows(final: pd.DataFrame, along: pd.DataFrame, art: dict, scale: str) -> list:
    source = f"{art['source']}; the paper reports no numbers"
    rows = []
    for mode in art["modes"]:
        runs = final[final["mode"] == mode]
        rows += [row({"mode": mode, "epoch": "final"}, metric, None, runs[metric].tolist(),
                     scale=scale, converged=bool(runs.converged.all()), source=source)
                 for metric in FIDS + ["mse", "mse_max", "mse_min", "variance_law",
                                       "variance_law_code"]]
        for epoch, part in along[along["mode"] == mode].groupby("epoch") if len(along) else []:
            rows += [row({"mode": mode, "epoch": int(epoch)}, metric, None, part[metric].tolist(),
                         scale=scale, converged=bool(part.converged.all()), source=source)
                     for metric in ("mse", "mse_max", "mse_min")]
    return rows + resize_claims(final, along, art, scale)


def appendix_resize(ctx: BuildContext) -> Built:
    """The two-stage VAE per resize mode; side tables `runs` (per mode and seed, at the end)
    and `along_training` (per snapshot)."""
    art, scale = specs.artifact(ctx.spec, ctx.name), ctx.scale
    final, along = evaluate_resize(ctx)
    columns = fid_protocol(ctx)[2]
    frame = pd.DataFrame(resize_rows(final, along, art, scale))
    frame = frame.assign(**{k: v for k, v in columns.items() if k != "fid_reference"})
    frame["fid_reference"] = frame["mode"].map(fid_reference_per_mode(ctx)).fillna("")
    return Built(frame, plot_resize(final, along, frame, scale),
                 {"runs": final, "along_training": along})


def plot_resize(final, along, frame, scale):
    modes = [m for m in ("nearest", "bilinear", "bicubic") if m in set(final["mode"])]
    fig, (left, right) = plots.figure(1, 2, figsize=(10, 4))
    means = final.groupby("mode")[FIDS].mean().reindex(modes)
    width = 0.8 / len(modes)
    for i, mode in enumerate(modes):
        left.bar([j + i * width for j in range(len(FIDS))], means.loc[mode], width,
                 label=mode, color=f"C{i}")
    left.set_xticks([j + 0.4 - width / 2 for j in range(len(FIDS))], FIDS)
    left.set(ylabel="FID (each mode against its own test images)",
             xlabel="reconstructions (REC), first-stage (GEN-1) and second-stage (GEN-2) samples")
    left.legend(fontsize=7)
    for i, mode in enumerate(modes):
        curve = along[along["mode"] == mode].groupby("epoch")[["mse", "mse_max"]].mean() \
            if len(along) else pd.DataFrame(columns=["mse", "mse_max"])
        right.plot(curve.index, curve.mse, "o-", color=f"C{i}", label=f"{mode} mean")
        right.plot(curve.index, curve.mse_max, "s--", color=f"C{i}", label=f"{mode} max")
    right.set(xlabel="epoch of the first stage", ylabel="per-image reconstruction mse",
              yscale="log")
    right.legend(fontsize=6)
    claims = frame[frame["mode"] == "all"]
    plots.title(fig, f"Asperti & Trentin appendix: resize mode and the two-stage VAE ({scale})\n"
                     + "; ".join(f"{r.metric}: {r.verdict}" for r in claims.itertuples()))
    return fig
