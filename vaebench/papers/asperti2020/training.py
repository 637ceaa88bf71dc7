"""Asperti & Trentin 2020, Table 1 and Fig. 2: the computed-γ two-stage VAE along training.

The first stage keeps snapshots of its weights (keep_checkpoints_every); a second stage is trained
on each snapshot's codes (experiments s2_snap<i>, dataset_args.codes_epoch). Each (snapshot,
second stage) pair is evaluated like Table 2; rows give mean ± std over seeds per epoch, and the
paper's readings (the FIDs fall; GEN-2 ends below GEN-1) are checked as orderings.
"""


import pandas as pd

from vaebench import plots
from vaebench.artifacts.common import claim
from vaebench.artifacts.context import BuildContext, Built
from vaebench.errors import UserError
from vaebench.eval.verdict import Ordering, every, ordering, read_artifact_csv, rising, row
from vaebench.papers.asperti2020.two_stage import (
    FIDS,
    METRICS,
    evaluation,
    reported_value,
    tolerance_for,
    with_fid_protocol,
)
from vaebench.spec import specs
from vaebench.train import runs as run_files
from vaebench.train.runs import snapshot_name


def evaluate_snapshots(ctx: BuildContext) -> pd.DataFrame:
    """One row per (epoch, seed): the snapshot after `epoch` with its own second stage."""
    art, runs = specs.artifact(ctx.spec, ctx.name), evaluation(ctx)
    rows = []
    for experiment in specs.artifact_experiments(ctx.spec, ctx.name, ctx.scale):
        if experiment == art["stage1"]:
            continue
        for seed in specs.seeds(ctx.spec, experiment, ctx.scale):
            stage1, stage2 = runs.pair(art["stage1"], experiment, seed)
            epoch = int(run_files.config(stage2).dataset_args["codes_epoch"])
            metrics = runs.of(stage1, stage2, stage1_checkpoint=snapshot_name(epoch))
            rows.append({"epochs": epoch, "seed": seed, **metrics,
                         "converged": bool(run_files.done(stage2)["converged"])})
    return pd.DataFrame(rows).sort_values(["epochs", "seed"], ignore_index=True)


def epoch_rows(table: pd.DataFrame, art: dict, scale: str) -> list[dict]:
    reported = {int(r["epochs"]): r for r in art["reported"]["rows"]}
    rows = []
    for epoch, runs in table.groupby("epochs"):
        line = reported.get(int(epoch), {})
        for metric in METRICS:
            tolerance = tolerance_for(metric, art["tolerance"])
            rows.append(row({"epochs": int(epoch)}, metric, reported_value(line, metric),
                            runs[metric].tolist(), tolerance=tolerance, scale=scale,
                            converged=bool(runs.converged.all()),
                            source=art["source"] if line else ""))
    return rows


def claims(table: pd.DataFrame, art: dict, scale: str) -> list[dict]:
    """Every FID falls along training (over two epochs Welch's test of last against first,
    over more the slope's test on every seed's value at every epoch: all three must fall); at
    the end GEN-2 below GEN-1 (Welch's test)."""
    epochs = sorted(table.epochs.unique())
    last = table[table.epochs == epochs[-1]]
    falls = [falling(table, fid, epochs) for fid in FIDS]
    outcomes = {"fids_fall_along_training": every(falls) if len(epochs) > 1 else None,
                "gen2_below_gen1_at_end": ordering(last["GEN-2"].tolist(),
                                                   last["GEN-1"].tolist())}
    reported = art["reported"]
    return [claim({"epochs": "all"}, name, reported[name], outcome,
                  converged=bool(table.converged.all()), scale=scale,
                  source=reported["claims_source"]) for name, outcome in outcomes.items()]


def falling(table: pd.DataFrame, fid: str, epochs: list) -> Ordering:
    """`fid` lower at later epochs: Welch's test for two epochs, the slope's beyond."""
    per_epoch = [table.loc[table.epochs == epoch, fid].tolist() for epoch in epochs]
    if len(epochs) == 2:
        return ordering(per_epoch[1], per_epoch[0])
    return rising([float(e) for e in epochs], [[-v for v in values] for values in per_epoch])


def table1(ctx: BuildContext) -> Built:
    """Per snapshot epoch the two-stage metrics, and the paper's readings; side table `runs`."""
    art = specs.artifact(ctx.spec, ctx.name)
    table = evaluate_snapshots(ctx)
    frame = pd.DataFrame(epoch_rows(table, art, ctx.scale) + claims(table, art, ctx.scale))
    frame = with_fid_protocol(ctx, frame)
    return Built(frame, plot_curves(ctx, frame, "Table 1"), {"runs": table})


def figure2(ctx: BuildContext) -> Built:
    """Table 1's rows as curves: read from table1.csv (`from_artifacts`), not re-evaluated."""
    table1_csv = ctx.beside("table1.csv")
    frame = read_artifact_csv(table1_csv)
    if set(frame.scale) != {ctx.scale}:
        raise UserError(f"{table1_csv} was built at scale "
                        f"{', '.join(map(str, set(frame.scale)))}, not {ctx.scale}; "
                        f"rebuild table1")
    return Built(frame, plot_curves(ctx, frame, "Fig. 2"))


def plot_curves(ctx: BuildContext, frame: pd.DataFrame, what: str):
    """Replicated FIDs with a ±std band, and Table 1's reported curves (dashed)."""
    scale = ctx.scale
    reported = pd.DataFrame(ctx.spec["artifacts"]["table1"]["reported"]["rows"])
    cells = frame[frame.epochs != "all"].astype({"epochs": int})
    fig, ax = plots.figure(figsize=(8, 4.8))
    for i, metric in enumerate(FIDS):
        part = cells[cells.metric == metric].sort_values("epochs")
        mean, std = part.replicated.astype(float), part["std"].astype(float).fillna(0)
        ax.plot(part.epochs, mean, "o-", color=f"C{i}",
                label=f"{metric} replicated (mean ± sd over seeds)")
        ax.fill_between(part.epochs, mean - std, mean + std, color=f"C{i}", alpha=0.2)
        extrapolated = cells[cells.metric == f"{metric}_inf"].sort_values("epochs")
        if len(extrapolated) and len(extrapolated) == len(part):
            ax.plot(extrapolated.epochs, extrapolated.replicated.astype(float), "x:",
                    color=f"C{i}", label=f"{metric} FID∞ (fit in 1/N)")
        ax.plot(reported.epochs, reported[metric], "--", color=f"C{i}",
                label=f"{metric} reported (Table 1)")
    ax.set(xlabel="epochs of the first stage (each snapshot with its own second stage)",
           ylabel=plots.fid_label(cells))
    plots.span_both(ax, cells.epochs, reported.epochs)  # quick's few epochs beside the paper's
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    verdicts = "; ".join(f"{r.metric}: {r.verdict}" for r in frame[frame.epochs == "all"]
                         .itertuples())
    plots.title(fig, f"Asperti & Trentin {what}, CIFAR-10 ({scale})\n{verdicts}")
    return fig
