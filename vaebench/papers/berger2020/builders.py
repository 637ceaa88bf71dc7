"""Berger & Sebag 2020, "Variational Auto-Encoder: not all failures are equal".

figure2: the heat map of Eq. (8), log p(x) over R/σ × r/σ for D = 2, computed by quadrature, with
the arg-max r/σ for each R/σ drawn on it; beside it, for several D, the R/σ at which r = 0 stops
being the maximum, against the paper's "≈ √2" for D = 2 and Theorem 1's bound R/σ ≤ √(D − 1).

The trained artifacts on the 2-D data (noisy_curve): figure3 (the data), table1 (ELBO of fixed,
learned-scalar and learned-vector σ, evaluated on fresh points), figure4/6/7 (reconstructions and
generations), figure8/9/10 (losses and σ along training), schedule (F-VAE driven by LS-VAE's σ);
table2 (MNIST, bits per pixel; its CelebA rows are table2_celeba, in berger2020_celeba) and
theorem1 (Theorem 1 checked by training on hyperspheres).
Evaluation helpers are in vaebench.papers.berger2020.evaluation.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from vaebench import plots
from vaebench.artifacts.common import claim, every, image_grid
from vaebench.artifacts.context import BuildContext, Built
from vaebench.data import datasets as data
from vaebench.eval.verdict import decide, ordering, paired_ordering, row
from vaebench.papers.berger2020 import evaluation, hypersphere
from vaebench.train import runs as run_files


def figure2(ctx: BuildContext) -> Built:
    """The transitions per D, and the D = 2 heat map's arg-max r/σ (side table `argmax`)."""
    grid = ctx.art["scales"][ctx.scale]
    frame = pd.DataFrame(transition_rows(ctx))
    big_r = np.linspace(0, grid["R_max"], grid["n_R"])
    small_r = np.linspace(0, grid["r_max"], grid["n_r"])
    argmax = hypersphere.argmax_radius(big_r, 2, grid["r_max"], grid["n_r"])
    return Built(frame, plot_figure2(big_r, small_r, argmax, frame), {
        "argmax": pd.DataFrame({"R_over_sigma": big_r, "argmax_r_over_sigma": argmax})})


def transition_rows(ctx: BuildContext) -> list[dict]:
    """Per D: the numerical transition vs the paper's value (D = 2) and vs Theorem 1's bound."""
    reported, grid = ctx.reported, ctx.art["scales"][ctx.scale]
    rows = []
    for dim in ctx.art["dims"]:
        transition = hypersphere.transition_radius(dim, tol=grid["bisection_tol"])
        keys = {"D": dim}
        common = ctx.judged(True)  # analytic: nothing to converge
        paper_value = reported["transition"].get(dim)
        rows.append(row(keys, "transition_R_over_sigma", paper_value, [transition],
                        tolerance=ctx.tolerance["transition"],
                        source=reported["transition_source"] if paper_value else "", **common))
        rows.append(row(keys, "transition_vs_theorem1_bound", reported["theorem1_bound"][dim],
                        [transition], compare="at_least", tolerance=0.0,
                        source=reported["theorem1_source"], **common))
        rows.append(row(keys, "small_r_expansion_sqrt_D", None, [math.sqrt(dim)],
                        source="our derivation: f ≈ ρ²(P²/D − 1)/2 near r = 0", **common))
    return rows


def plot_figure2(big_r, small_r, argmax, frame):
    fig, (ax_map, ax_table) = plots.figure(1, 2, figsize=(12, 4.8),
                                           gridspec_kw={"width_ratios": [1.3, 1]})
    heat = hypersphere.heatmap(big_r, small_r, 2)
    image = ax_map.imshow(np.maximum(heat, -20), origin="lower", aspect="auto", cmap="magma",
                          extent=(big_r[0], big_r[-1], small_r[0], small_r[-1]))
    fig.colorbar(image, ax=ax_map, label="log p(x) − max over r (clipped at −20)")
    ax_map.plot(big_r, argmax, "c-", lw=1.5, label="arg-max r/σ")
    ax_map.plot(big_r, big_r, "w:", lw=1, label="r = R")
    ax_map.axvline(math.sqrt(2), color="w", ls="--", lw=1, label="R/σ = √2 (paper)")
    ax_map.set(xlabel="R/σ", ylabel="r/σ", title="Berger & Sebag Fig. 2: Eq. (8), D = 2",
               ylim=(small_r[0], small_r[-1]))
    ax_map.legend(loc="upper left", fontsize=8)
    by_d = frame.pivot(index="D", columns="metric", values="replicated")
    verdicts = frame.pivot(index="D", columns="metric", values="verdict")
    dims = by_d.index.to_numpy()
    ax_table.plot(dims, by_d["transition_R_over_sigma"], "o-", label="numerical transition")
    ax_table.plot(dims, np.sqrt(dims), "k--", lw=1, label="√D (small-r expansion)")
    ax_table.plot(dims, np.sqrt(dims - 1), "r:", lw=1.5, label="Theorem 1 bound √(D−1)")
    for dim in dims:
        verdict = verdicts.loc[dim, "transition_vs_theorem1_bound"]
        ax_table.annotate(verdict, (dim, math.sqrt(dim - 1)), textcoords="offset points",
                          xytext=(4, -12), fontsize=7)
    ax_table.set(xlabel="D", ylabel="R/σ where r = 0 stops being the maximum",
                 title="Where the VAE stops collapsing to the centre")
    ax_table.legend(fontsize=8)
    return fig


# ---- shared by the trained artifacts -------------------------------------------------------

CURVE_LABELS = {"ls_vae": "LS-VAE", "lv_vae": "LV-VAE", "f_star": "F*-VAE",
                "f_sched": "F-VAE, LS schedule"}


def _setting(run: Path) -> tuple[str, str]:
    """(label, σ) of a run for the tables: F-VAE rows carry their σ, the others their kind."""
    cfg = run_files.config(run)
    experiment = Path(run).parent.name
    if experiment.startswith("f_sigma"):
        return "F-VAE", f"{cfg.likelihood_args['sigma']:g}"
    sigma = cfg.likelihood_args.get("sigma")
    return CURVE_LABELS.get(experiment, experiment), (f"{sigma:.3g}" if sigma else "learned")


def _best(values: dict[str, list[float]], best: str, lower_is_better: bool) -> tuple[bool, bool]:
    """(`best` beats every other entry, decided), per-run values compared with ordering."""
    return every([ordering(values[best], v) if lower_is_better else ordering(v, values[best])
                   for e, v in values.items() if e != best])


def not_comparable(cell: dict, reason: str | None) -> dict:
    """A row the paper's number cannot judge: its reason becomes an input of the verdict
    (verdict.decide), so it reads not-comparable; the reported and replicated values stay, so
    a reader sees both. A row without a paper number stays n/a; no reason changes nothing."""
    if not reason:
        return cell
    marked = {**cell, "not_comparable": reason}
    marked["verdict"], marked["why"] = decide(marked)
    return marked


def _title(frame: pd.DataFrame, text: str) -> str:
    """The figure's title with its scale; the verdict, counted over the artifact's claims once
    the table is final, is the note under the figure (artifacts.figure_note)."""
    return f"{text} ({frame.scale.iloc[0]})"


def _evaluate(groups: dict, n: int) -> dict[str, list[dict]]:
    torch.set_num_threads(1)  # artifact jobs share the cores with training jobs
    return {e: [evaluation.run_elbo(run, n) for run in group] for e, group in groups.items()}


def _mean(values) -> float:
    return float(np.mean(values))


# ---- figure3: the data ------------------------------------------------------------------------

def figure3(ctx: BuildContext) -> Built:
    art, reported = ctx.art, ctx.reported
    args = art["dataset_args"]
    gen = torch.Generator().manual_seed(0)
    points = data.sample(art["dataset"], art["scales"][ctx.scale]["n_points"], gen, args)
    region = ((points[:, 0].clamp(-1, 1) + 1) * 1.5).long().clamp(max=2)
    distance = evaluation.curve_distance(points, args["amplitude"], args["frequency"])
    # median |normal component| / 0.674 estimates an isotropic noise std; the median ignores
    # the few points whose noisy x crosses into the neighbouring region
    rms = [distance[region == k].median().item() / 0.6745 for k in range(3)]
    common = ctx.judged(True)  # sampled data: nothing to converge
    rows = [row({"region": label}, "noise_std_estimate", None, [value],
                source="measured on the sampler's points", **common)
            for label, value in zip(reported["regions"], rms, strict=True)]
    rows.append(claim({"region": "all"}, "noise_order_moderate_small_large",
                      reported["noise_order"], bool(rms[1] < rms[0] < rms[2]),
                      source=reported["noise_order_source"], **common))
    frame = pd.DataFrame(rows)
    return Built(frame, plot_figure3(points, region, rms, frame, reported["regions"]))


def plot_figure3(points, region, rms, frame, regions):
    fig, ax = plots.figure(figsize=(7, 4))
    colours = np.array(["tab:blue", "tab:green", "tab:red"])[region.numpy()]
    ax.scatter(points[:, 0], points[:, 1], s=2, c=colours)
    for k, label in enumerate(regions):
        ax.scatter([], [], c=["tab:blue", "tab:green", "tab:red"][k],
                   label=f"{label} noise (std ≈ {rms[k]:.3f})")
    ax.set(xlabel="x₁", ylabel="x₂", aspect="equal",
           title=_title(frame, "Berger & Sebag Fig. 3: 2-D data on a 1-D curve"))
    ax.legend(fontsize=8, loc="lower right")
    return fig


# ---- table1: ELBOs --------------------------------------------------------------------------

def table1(ctx: BuildContext) -> Built:
    reported, tol, groups = ctx.reported, ctx.tolerance, ctx.groups
    evals = _evaluate(groups, ctx.settings["eval_points"])
    elbo = {e: [v["elbo_paper"] for v in values] for e, values in evals.items()}
    rows = absolute_elbo_rows(ctx, elbo, with_experiment=True)
    ls_sigma = [run_files.metrics(run)["sigma"].iloc[-1] for run in groups["ls_vae"]]
    rows.append(row({"setting": "LS-VAE", "sigma": "learned", "experiment": "ls_vae"},
                    "learned_sigma", reported["ls_sigma"], ls_sigma, tolerance=tol["ls_sigma"],
                    source=reported["ls_sigma_source"],
                    **ctx.judged(run_files.all_converged(groups["ls_vae"]))))
    rows += table1_claims(ctx, elbo)
    frame = pd.DataFrame(rows)
    return Built(frame, plot_table1(frame))


def absolute_elbo_rows(ctx: BuildContext, elbo: dict[str, list[float]],
                       with_experiment: bool) -> list[dict]:
    """Per experiment of the context its ELBO beside Table 1's row (table1's `reported`: the
    experiment's own row, or the one `paper_row` names), under Table 1's label (`setting`);
    not-comparable with table1's `not_comparable.elbo` reason (the curve's scale decides
    absolute values)."""
    table1_art = ctx.spec["artifacts"]["table1"]
    reported, tol = table1_art["reported"], table1_art["tolerance"]
    reason = table1_art.get("not_comparable", {}).get("elbo")
    rows = []
    for experiment, group in ctx.groups.items():
        label, sigma = _setting(group[0])
        paper_row = reported.get("paper_row", {}).get(experiment)
        mean_std = reported["elbo"].get(paper_row or experiment)
        sources = [reported["source"]] if mean_std else []
        if experiment in reported.get("setting", {}):
            label = reported["setting"][experiment]
            sources.append(reported["setting_source"])
        if paper_row and mean_std:
            sources.append(reported["paper_row_source"])
        keys = {"setting": label, "sigma": sigma}
        if with_experiment:
            keys["experiment"] = experiment
        cell = row(keys, "elbo", mean_std[0] if mean_std else None, elbo[experiment],
                   tolerance=tol["elbo_paper_stds"] * mean_std[1] if mean_std else 0.0,
                   source="; ".join(sources), **ctx.judged(run_files.all_converged(group)))
        rows.append(not_comparable(cell, reason))
    return rows


def table1_claims(ctx: BuildContext, elbo: dict[str, list[float]]) -> list[dict]:
    """Table 1's orderings, each on the per-run ELBOs and decided only beyond the seed noise."""
    fixed = {e: v for e, v in elbo.items() if e.startswith("f_sigma")}
    keys = {"setting": "claim", "sigma": "", "experiment": ""}
    return [
        ctx.claim(keys, "LV > LS", "lv_above_ls", ordering(elbo["ls_vae"], elbo["lv_vae"])),
        ctx.claim(keys, "LS > every fixed sigma", "ls_above_every_fixed",
                  every([ordering(v, elbo["ls_vae"]) for v in fixed.values()])),
        ctx.claim(keys, "best fixed sigma is 0.1", "best_fixed_is_0p1",
                  _best(fixed, "f_sigma_0p1", lower_is_better=False)),
        ctx.claim(keys, "F* < LS", "f_star_below_ls", ordering(elbo["f_star"], elbo["ls_vae"])),
        ctx.claim(keys, "F* < F-VAE sigma=0.1", "f_star_below_f_0p1",
                  ordering(elbo["f_star"], elbo["f_sigma_0p1"])),
    ]


def plot_table1(frame: pd.DataFrame):
    cells = frame[frame.metric == "elbo"].reset_index(drop=True)
    claims = frame[frame.setting == "claim"]
    fig, ax = plots.figure(figsize=(10, 4.8))
    positions = np.arange(len(cells))
    ax.errorbar(positions, cells.replicated, yerr=cells["std"].fillna(0), fmt="o", capsize=3,
                label=f"replicated (mean ± sd, {int(cells.n_runs.max())} runs)")
    has = cells.reported.notna()
    ax.plot(positions[has], cells.reported[has], "kx", ms=9, label="paper, Table 1 (10 runs)")
    for i, cell in cells.iterrows():
        ax.annotate(cell.verdict, (i, cell.replicated), textcoords="offset points",
                    xytext=(6, -4), fontsize=7, color=plots.VERDICT_COLOURS[cell.verdict])
    ax.set_xticks(positions, [f"{s}\nσ={g}" for s, g in zip(cells.setting, cells.sigma,
                                                               strict=True)], fontsize=8)
    ax.set(xlabel="model and its decoder σ", ylabel="ELBO (nats, paper's convention: no ½log2π)")
    # symlog only when a short run's ELBO lies far outside Table 1's range; linear otherwise
    plots.symlog_if_wide(ax, [*cells.replicated, *cells.reported[has]], linthresh=2)
    text = "\n".join(f"{c.metric}: {c.verdict}" for c in claims.itertuples())
    ax.text(1.01, 0.0, f"claims:\n{text}", transform=ax.transAxes, fontsize=8, va="bottom")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(_title(frame, "Berger & Sebag Table 1: ELBO on fresh 2-D points"))
    return fig


# ---- figure4 / figure6 / figure7: reconstructions and generations ---------------------------

def scatter_figure(ctx: BuildContext) -> Built:
    torch.set_num_threads(1)
    scattered = {e: [evaluation.scatter_run(run, **ctx.settings) for run in group]
                 for e, group in ctx.groups.items()}
    rows = []
    for experiment, group in ctx.groups.items():
        label, sigma = _setting(group[0])
        keys = {"setting": label, "sigma": sigma, "experiment": experiment}
        common = ctx.judged(run_files.all_converged(group))
        for metric, key in (("recon_rms", "recon_rms"), ("gen_energy_distance", "gen_energy")):
            rows.append(row(keys, metric, None, [r[key] for r in scattered[experiment]],
                            source="our measure", **common))
    energy = {e: [r["gen_energy"] for r in rs] for e, rs in scattered.items()}
    recon = {e: [r["recon_rms"] for r in rs] for e, rs in scattered.items()}
    rows += SCATTER_CLAIMS[ctx.name](ctx, energy, recon)
    frame = pd.DataFrame(rows)
    return Built(frame, plot_scatter(ctx, frame, scattered))


def _fixed(values: dict) -> dict:
    return {e: v for e, v in values.items() if e.startswith("f_sigma")}


# Each takes the context (its `reported`, its runs) and per-run energy distances and RMS
# reconstruction errors per experiment (lower is better for both); every ordering is decided
# beyond seed noise.

def _figure4_claims(ctx: BuildContext, energy: dict, recon: dict) -> list[dict]:
    keys = {"setting": "claim", "sigma": "", "experiment": ""}
    return [
        ctx.claim(keys, "F-VAE generates best at sigma=0.1", "f_best_at_0p1",
                  _best(_fixed(energy), "f_sigma_0p1", lower_is_better=True)),
        ctx.claim(keys, "LV-VAE generates best of all", "lv_generates_best",
                  _best(energy, "lv_vae", lower_is_better=True)),
        ctx.claim(keys, "F* generates worse than F-VAE sigma=0.1", "f_star_worse_than_f_0p1",
                  ordering(energy["f_sigma_0p1"], energy["f_star"])),
    ]


def _figure6_claims(ctx: BuildContext, energy: dict, recon: dict) -> list[dict]:
    keys = {"setting": "claim", "sigma": "", "experiment": ""}
    return [
        ctx.claim(keys, "LS-VAE generates better than F*-VAE", "ls_better_than_f_star",
                  ordering(energy["ls_vae"], energy["f_star"])),
        ctx.claim(keys, "LV-VAE generates better than LS-VAE", "lv_better_than_ls",
                  ordering(energy["lv_vae"], energy["ls_vae"])),
    ]


def _figure7_claims(ctx: BuildContext, energy: dict, recon: dict) -> list[dict]:
    keys = {"setting": "claim", "sigma": "", "experiment": ""}
    by_sigma = sorted((run_files.config(run).likelihood_args["sigma"], Path(run).parent.name)
                      for run in ctx.runs)
    ordered = list(dict.fromkeys(e for _, e in sorted(by_sigma, reverse=True)))
    errors = [recon[e] for e in ordered]  # from the largest sigma to the smallest
    return [
        ctx.claim(keys, "reconstruction improves as sigma decreases",
                  "recon_improves_as_sigma_decreases",
                  every([ordering(smaller, larger)
                         for larger, smaller in zip(errors[:-1], errors[1:], strict=True)])),
        ctx.claim(keys, "generation best at sigma=0.1", "generation_best_at_0p1",
                  _best(_fixed(energy), "f_sigma_0p1", lower_is_better=True)),
    ]


SCATTER_CLAIMS = {"figure4": _figure4_claims, "figure6": _figure6_claims,
                  "figure7": _figure7_claims}


def plot_scatter(ctx: BuildContext, frame, scattered):
    """The paper's arrangement: one row per setting; left reconstructions over the data (blue
    data, orange reconstructions), right generated samples (green) and their means (orange)."""
    n = len(ctx.groups)
    fig, axes = plots.figure(n, 2, figsize=(9, 2.6 * n), sharex=True, sharey=True,
                             squeeze=False)
    for (experiment, group), (left, right) in zip(ctx.groups.items(), axes, strict=True):
        first = scattered[experiment][0]  # the first seed's run
        label, sigma = _setting(group[0])
        left.scatter(*first["data"].T, s=2, c="tab:blue", label="data")
        left.scatter(*first["recon"].T, s=2, c="tab:orange", label="reconstruction")
        right.scatter(*first["gen_sample"].T, s=2, c="tab:green", label="sample of p(x|z)")
        right.scatter(*first["gen_mean"].T, s=2, c="tab:orange", label="mean of p(x|z)")
        name = f"{label} σ={sigma}"
        left.set_ylabel(f"{name}\nsecond coordinate", fontsize=9)
        left.set_title(f"reconstruction RMS {first['recon_rms']:.3f}", fontsize=8)
        right.set_title(f"generation, energy distance {first['gen_energy']:.4f}", fontsize=8)
    for ax in axes.flat:
        ax.set(xlim=(-1.6, 1.6), ylim=(-1.1, 1.1))
    for ax in axes[-1]:  # the panels share their axes: the bottom row names the coordinate
        ax.set_xlabel("first coordinate of the 2-D point")
    axes[0, 0].legend(fontsize=7, markerscale=4, loc="lower right")
    axes[0, 1].legend(fontsize=7, markerscale=4, loc="lower right")
    claims = frame[frame.setting == "claim"]
    plots.title(fig, _title(frame, f"Berger & Sebag {ctx.art['source']}") + "\n"
                     + "\n".join(f"{c.metric}: {c.verdict}" for c in claims.itertuples()))
    return fig


# ---- figure8 / figure9 / figure10: training curves ------------------------------------------

def _curves(run: Path) -> pd.DataFrame:
    """Per-epoch losses in the paper's convention (reconstruction without D·½ log 2π)."""
    frame = run_files.metrics(run)
    dim = math.prod(data.data_shape(*_dataset(run)))
    return frame.assign(recon=frame.nll - evaluation.paper_constant(dim))


def _dataset(run: Path) -> tuple[str, dict]:
    cfg = run_files.config(run)
    return cfg.dataset, cfg.dataset_args


def curve_figure(ctx: BuildContext) -> Built:
    curves = {e: [_curves(run) for run in group] for e, group in ctx.groups.items()}
    frame = pd.DataFrame(CURVE_ROWS[ctx.name](ctx, curves))
    return Built(frame, plot_curves(ctx, frame, curves))


def final_means(curves: list[pd.DataFrame], column: str, fraction: float) -> list[float]:
    """Per run, the mean of `column` over the last `fraction` of its epochs."""
    return [evaluation.final_mean(curve[column], fraction) for curve in curves]


# Each takes the context (its runs by experiment, `reported`, `tolerance`, `final_fraction`)
# and each experiment's per-run curves (_curves).

def _loss_rows(ctx: BuildContext, curves: dict, experiment: str) -> list[dict]:
    reported, tol = ctx.reported, ctx.tolerance
    label, sigma = _setting(ctx.groups[experiment][0])
    keys = {"setting": label, "sigma": sigma}
    common = ctx.judged(run_files.all_converged(ctx.groups[experiment]))
    fraction = ctx.settings["final_fraction"]
    return [row(keys, f"{column}_final", reported[f"{column}_final"],
                final_means(curves[experiment], column, fraction),
                tolerance=tol[f"{column}_final"], source=reported["source"], **common)
            for column in ("recon", "kl")]


def _figure8_rows(ctx: BuildContext, curves: dict) -> list[dict]:
    return _loss_rows(ctx, curves, "f_sigma_0p043")


def _figure9_rows(ctx: BuildContext, curves: dict) -> list[dict]:
    rows = _loss_rows(ctx, curves, "ls_vae")
    ls, fixed = curves["ls_vae"], curves["f_sigma_0p043"]
    both = run_files.all_converged(ctx.groups["ls_vae"] + ctx.groups["f_sigma_0p043"])
    keys = {"setting": "claim", "sigma": ""}
    fraction = ctx.settings["final_fraction"]
    recon_gap = abs(_mean(final_means(ls, "recon", fraction))
                    - _mean(final_means(fixed, "recon", fraction)))
    return rows + [
        ctx.claim(keys, "final KL of LS-VAE < F-VAE sigma=0.043", "ls_kl_below_f",
                  ordering(final_means(ls, "kl", fraction), final_means(fixed, "kl", fraction)),
                  both),
        ctx.claim(keys, "same final reconstruction (|gap| <= tolerance)", "same_final_recon",
                  recon_gap <= ctx.tolerance["recon_final"], both),
        ctx.claim(keys, "LS-VAE starts with a smaller reconstruction loss", "ls_starts_lower",
                  ordering([c.recon.iloc[0] for c in ls], [c.recon.iloc[0] for c in fixed]),
                  both),
    ]


def _figure10_rows(ctx: BuildContext, curves: dict) -> list[dict]:
    reported, tol = ctx.reported, ctx.tolerance
    converged = run_files.all_converged(ctx.groups["ls_vae"])
    keys = {"setting": "LS-VAE", "sigma": "learned"}
    last_sigma = [c.sigma.iloc[-1] for c in curves["ls_vae"]]
    return [
        row(keys, "sigma_final", reported["sigma_final"], last_sigma,
            tolerance=tol["sigma_final"], source=reported["source"], **ctx.judged(converged)),
        # each run's final σ below sigma_drop times its initial one: paired over the runs
        ctx.claim({"setting": "claim", "sigma": ""}, "sigma decreases from its initial 1",
                  "sigma_decreases",
                  paired_ordering(last_sigma, [tol["sigma_drop"] * c.sigma.iloc[0]
                                               for c in curves["ls_vae"]]), converged),
    ]


CURVE_ROWS = {"figure8": _figure8_rows, "figure9": _figure9_rows, "figure10": _figure10_rows}


def plot_curves(ctx: BuildContext, frame, curves):
    art, main = ctx.art, ctx.art["experiments"][0]
    columns = [("sigma", "learned σ")] if ctx.name == "figure10" else [
        ("recon", "reconstruction loss −log p(x|z)"), ("kl", "latent loss KL")]
    fig, axes = plots.figure(1, len(columns), figsize=(5.5 * len(columns), 4), squeeze=False)
    for ax, (column, label) in zip(axes[0], columns, strict=True):
        for experiment, runs in curves.items():
            style = "-" if experiment == main else "--"
            colour = "tab:blue" if experiment == main else "tab:gray"
            for i, curve in enumerate(runs):
                ax.plot(curve.epoch, curve[column], style, color=colour, lw=1, alpha=0.8,
                        label=f"{CURVE_LABELS.get(experiment, experiment)}" if i == 0 else None)
        reported = art["reported"].get(f"{column}_final")
        if reported is not None:
            ax.axhline(reported, color="k", ls=":", lw=1, label=f"paper, final ≈ {reported:g}")
        if column == "recon":
            ax.set_yscale("symlog", linthresh=10)
        if column == "sigma":
            ax.set_yscale("log")
        ax.set(xlabel="epoch (100 steps of 100 fresh points)", ylabel=label)
        ax.legend(fontsize=8)
    plots.title(fig, _title(frame, f"Berger & Sebag {art['source']}: {art['title']}"))
    return fig


# ---- schedule: F-VAE driven by LS-VAE's σ ---------------------------------------------------

def schedule(ctx: BuildContext) -> Built:
    tol, groups = ctx.tolerance, ctx.groups
    evals = _evaluate(groups, ctx.settings["eval_points"])
    elbo = {e: [v["elbo_paper"] for v in values] for e, values in evals.items()}
    rows = absolute_elbo_rows(ctx, elbo, with_experiment=False)
    common = ctx.judged(run_files.all_converged(groups["ls_vae"] + groups["f_sched"]))
    gap = [s["elbo_paper"] - ls["elbo_paper"]
           for s, ls in zip(evals["f_sched"], evals["ls_vae"], strict=True)]
    kl_gap = [s["kl"] - ls["kl"] for s, ls in zip(evals["f_sched"], evals["ls_vae"], strict=True)]
    keys = {"setting": "scheduled minus LS-VAE (same seed)", "sigma": ""}
    reported = ctx.reported
    rows += [
        row(keys, "elbo_gap", reported["elbo_gap"], gap, tolerance=tol["elbo_gap"],
            source=reported["source"], **common),
        row(keys, "kl_gap", reported["kl_gap"], kl_gap, tolerance=tol["kl_gap"],
            source=reported["source"], **common),
        ctx.claim({"setting": "claim", "sigma": ""}, "scheduled F-VAE > F*-VAE",
                  "sched_above_f_star", ordering(elbo["f_star"], elbo["f_sched"])),
    ]
    frame = pd.DataFrame(rows)
    return Built(frame, plot_schedule(frame, groups))


def plot_schedule(frame, groups):
    fig, axes = plots.figure(1, 3, figsize=(15, 4))
    colours = {"ls_vae": "tab:blue", "f_sched": "tab:orange", "f_star": "tab:gray"}
    for experiment, group in groups.items():
        for i, run in enumerate(group):
            curve = _curves(run)
            label = CURVE_LABELS[experiment] if i == 0 else None
            axes[0].plot(curve.epoch, curve.recon, color=colours[experiment], lw=1, label=label)
            axes[1].plot(curve.epoch, curve.kl, color=colours[experiment], lw=1, label=label)
    axes[0].set(xlabel="epoch", ylabel="reconstruction loss", yscale="symlog")
    axes[1].set(xlabel="epoch", ylabel="latent loss KL")
    cells = frame[frame.metric == "elbo"].reset_index(drop=True)
    axes[2].errorbar(cells.index, cells.replicated, yerr=cells["std"].fillna(0), fmt="o",
                     capsize=3, label="replicated")
    has = cells.reported.notna()
    axes[2].plot(cells.index[has], cells.reported[has], "kx", ms=9, label="paper (Table 1)")
    axes[2].set_xticks(cells.index, cells.setting, fontsize=8)
    axes[2].set(ylabel="ELBO on fresh points (paper's convention)", xlabel="model")
    for ax in axes:
        ax.legend(fontsize=8)
    gap = frame[frame.metric == "elbo_gap"].iloc[0]
    plots.title(fig, _title(frame, f"Berger & Sebag App. A.2: F-VAE on LS-VAE's σ schedule; "
                                   f"ELBO gap {gap.replicated:+.3f} ({gap.verdict})"))
    return fig


# ---- table2: F-VAE (MSE) vs LV-VAE in bits per pixel (MNIST; CelebA in berger2020_celeba) ----

TABLE2_LABELS = {"f_vae": "F-VAE (MSE)", "lv_vae": "LV-VAE"}
MNIST_SETTINGS = {"f_vae": "mnist_f", "lv_vae": "mnist_lv"}  # Table 2 row -> experiment


@dataclass(frozen=True)
class Table2Part:
    """One data set's rows of Table 2: their keys, {Table 2 row: experiment}, the paper's bits
    per pixel per row and the tolerance on them."""
    keys: dict
    settings: dict[str, str]
    bpp: dict
    tolerance: float


def table2(ctx: BuildContext) -> Built:
    part = Table2Part({"dataset": "mnist"}, MNIST_SETTINGS, ctx.reported["bpp"]["mnist"],
                      ctx.tolerance["bpp_mnist"])
    groups, models, test = load_table2(ctx, part.settings,
                                       512 if ctx.scale == "smoke" else None)
    measured = measure_table2(models, part.settings, test)
    rows = table2_rows(ctx, part, groups, measured)
    rows += table2_claims(ctx, part.keys, measured)
    frame = pd.DataFrame(rows)
    return Built(frame, plot_table2(frame, models, test, ctx.settings["n_grid"],
                                    "Berger & Sebag Table 2 / Fig. 5, MNIST bits/pixel"))


def table2_claims(ctx: BuildContext, keys: dict, measured: dict) -> list[dict]:
    """Table 2's comparisons of LV-VAE with F-VAE on per-run values, each ordering decided only
    beyond the seed noise (one run a side is never decided)."""
    factor = ctx.tolerance["order_of_magnitude"]
    bpp, spread = measured["bpp"], measured["spread"]
    keys = {**keys, "setting": "claim"}
    return [
        ctx.claim(keys, "LV-VAE ELBO > F-VAE ELBO", "lv_above_f",
                  ordering(bpp["f_vae"], bpp["lv_vae"])),
        ctx.claim(keys, f"LV-VAE bits/pixel >= {factor:g} x F-VAE's (about an order of "
                        f"magnitude)", "order_of_magnitude",
                  order_of_magnitude_outcome(bpp["lv_vae"], bpp["f_vae"], factor)),
        ctx.claim(keys, "LV-VAE samples closer to their means than F-VAE's", "lv_samples_closer",
                  ordering(spread["lv_vae"], spread["f_vae"])),
    ]


def order_of_magnitude_above(lv_bpp: float, f_bpp: float, factor: float) -> bool:
    """LV-VAE's bits per pixel at least `factor` times F-VAE's; with F-VAE at or below zero a
    ratio means nothing, and a positive LV-VAE is then above by any factor."""
    if f_bpp <= 0:
        return lv_bpp > 0
    return lv_bpp >= factor * f_bpp


def order_of_magnitude_outcome(lv_bpp: list[float], f_bpp: list[float], factor: float):
    """LV-VAE's runs above `factor` x F-VAE's (above zero when F-VAE's mean is not positive: a
    ratio then means nothing): Welch's test, whose p-values the row keeps."""
    if _mean(f_bpp) > 0:
        return ordering([factor * v for v in f_bpp], lv_bpp)
    return ordering([0.0] * len(f_bpp), lv_bpp)


def load_table2(ctx: BuildContext, settings: dict[str, str], n_test: int | None):
    """(runs, models) per Table 2 row and the first n_test test images (None: all) of the data
    set the F-VAE run trained on; one CPU thread (artifact jobs share the cores)."""
    torch.set_num_threads(1)
    groups = {setting: ctx.groups[e] for setting, e in settings.items()}
    models = {setting: [run_files.load_model(run) for run in group]
              for setting, group in groups.items()}
    cfg = models["f_vae"][0][2]
    images, _ = data.load(cfg.dataset, "test", cfg.data_root, False, cfg.standin_size)
    return groups, models, data.to_float(images[:n_test])


def measure_table2(models: dict, settings: dict[str, str], test: torch.Tensor,
                   eval_batch: int = 4096) -> dict[str, dict[str, list[float]]]:
    """Per measure, per row, one value per run: the paper-convention ELBO in bits per data
    dimension on the test images, and how far samples of p(x|z) lie from their means."""
    measured = {"bpp": {}, "spread": {}}
    for setting in settings:
        elbos = [evaluation.evaluate_elbo(m, lik, test, seed=cfg.seed, batch=eval_batch)
                 for m, lik, cfg in models[setting]]
        measured["bpp"][setting] = [evaluation.bits_per_dim(v["elbo_paper"], v["data_dim"])
                                    for v in elbos]
        measured["spread"][setting] = [_sample_spread(m, lik, cfg.seed)
                                       for m, lik, cfg in models[setting]]
    return measured


def table2_rows(ctx: BuildContext, part: Table2Part, groups: dict, measured: dict
                ) -> list[dict]:
    """Per Table 2 row of `part`: bits per pixel beside the paper's (not-comparable where the
    artifact's `not_comparable` names the setting, with its reason), and the sample spread
    (ours); `groups`: the runs per row."""
    reasons = ctx.art.get("not_comparable", {})
    rows = []
    for setting in part.settings:
        common = ctx.judged(run_files.all_converged(groups[setting]))
        cells = {**part.keys, "setting": setting}
        rows.append(not_comparable(row(cells, "elbo_bits_per_pixel", part.bpp[setting],
                                       measured["bpp"][setting], tolerance=part.tolerance,
                                       source=ctx.reported["source"], **common),
                                   reasons.get(setting)))
        rows.append(row(cells, "mean_abs_sample_minus_mean", None, measured["spread"][setting],
                        source="our measure of Fig. 5(c, d), 13, 14, 17, 18", **common))
    return rows


@torch.no_grad()
def _sample_spread(model, likelihood, seed: int, n: int = 256) -> float:
    """Mean |sample − mean| per pixel of p(x|z), z ~ N(0, I): how noisy samples look."""
    means, samples = evaluation.generate(model, likelihood, n, seed)
    return (samples - means).abs().mean().item()


@torch.no_grad()
def plot_table2(frame, models, test, n_grid, title):
    """Test images, then per Table 2 row (of `models`) its reconstructions and generations
    (means and samples)."""
    panels = [("test images", test)]
    for setting in models:
        model, likelihood, cfg = models[setting][0]
        label = TABLE2_LABELS[setting]
        panels.append((f"{label}: reconstruction (mean of p(x|z))",
                       evaluation.reconstruct(model, likelihood, test[:n_grid], cfg.seed)))
        means, samples = evaluation.generate(model, likelihood, n_grid, cfg.seed)
        panels += [(f"{label}: generation, means", means),
                   (f"{label}: generation, samples", samples)]
    fig, axes = plots.figure(len(panels), 1,
                             figsize=(max(n_grid * 0.6, 6.0), 1.0 * len(panels) + 1.2))
    for ax, (panel_title, images) in zip(axes, panels, strict=True):
        ax.imshow(image_grid(images[:n_grid], n_grid), vmin=0, vmax=1)
        ax.set_title(panel_title, fontsize=8)
        ax.axis("off")
    cells = frame[frame.metric == "elbo_bits_per_pixel"]
    text = ", ".join(f"{c.setting} {c.replicated:.2f} (paper {c.reported:g})"
                     for c in cells.itertuples())
    plots.title(fig, _title(frame, f"{title}\n{text}"))
    return fig


# ---- theorem1: collapse above σ = R/√(D−1), by training ---------------------------------------

def theorem1(ctx: BuildContext) -> Built:
    """Each (D, sigma) cell's runs (experiments theorem1_d<D>_above / _below, trained by their
    own jobs): the generator's mean radius over R, and whether it collapsed to the centre."""
    n_gen = ctx.settings["n_gen"]
    torch.set_num_threads(1)
    rows, clouds, cells = [], {}, sphere_cells(list(ctx.runs))
    for (dim, sigma, radius), cell in cells.items():
        factor = round(sigma * math.sqrt(dim - 1) / radius, 4)  # sigma over Theorem 1's bound
        ratios = []
        for run in cell:
            model, likelihood, cfg = run_files.load_model(run)
            means, _ = evaluation.generate(model, likelihood, n_gen, cfg.seed)
            ratios.append(means.norm(dim=1).mean().item() / radius)
            clouds.setdefault((dim, factor), means)
        converged = run_files.all_converged(cell)
        predicted = eq8_radius(radius / sigma, dim) * sigma / radius
        keys = {"D": dim, "sigma_over_bound": factor, "sigma": round(sigma, 5),
                "eq8_r_over_R": round(predicted, 4)}
        rows.append(row(keys, "generator_radius_over_R", None, ratios,
                        source=ctx.reported["source"], **ctx.judged(converged)))
        rows.append(collapse_row(ctx, keys, factor, ratios, converged))
    frame = pd.DataFrame(rows)
    return Built(frame, plot_theorem1(frame, clouds, next(iter(cells))[2]))


def sphere_cells(runs: list[Path]) -> dict[tuple, list[Path]]:
    """{(D, sigma, R): runs} in the order the experiments are listed."""
    cells: dict[tuple, list[Path]] = {}
    for run in runs:
        cfg = run_files.config(run)
        key = (int(cfg.dataset_args["dim"]), float(cfg.likelihood_args["sigma"]),
               float(cfg.dataset_args["radius"]))
        cells.setdefault(key, []).append(run)
    return cells


def collapse_row(ctx: BuildContext, keys: dict, factor: float, ratios: list[float],
                 converged: bool) -> dict:
    """Whether the generator collapsed to the centre (the runs' mean |μ(z)|/R below the
    tolerance, a one-sample test over the runs), against the YAML's word for this side of
    Theorem 1's bound (factor: σ over the bound)."""
    side = "collapsed_above_bound" if factor >= 1 else "collapsed_below_bound"
    bound = float(ctx.tolerance["collapsed_below"])
    return ctx.claim(keys, "collapsed_to_centre", side,
                     paired_ordering(ratios, [bound] * len(ratios)), converged)


def eq8_radius(big_r_over_sigma: float, dim: int) -> float:
    """The r/σ that maximises Eq. (8) at this R/σ (the ideal VAE's decoder radius)."""
    r_max = 2 * big_r_over_sigma + 2
    return float(hypersphere.argmax_radius(np.array([big_r_over_sigma]), dim, r_max, 400)[0])


def plot_theorem1(frame, clouds, radius):
    fig, (ax_r, ax_2d) = plots.figure(1, 2, figsize=(11, 4.5))
    radii = frame[frame.metric == "generator_radius_over_R"]
    for factor, cells in radii.groupby("sigma_over_bound"):
        side = "above" if factor >= 1 else "below"
        ax_r.errorbar(cells.D, cells.replicated, yerr=cells["std"].fillna(0), fmt="o-",
                      capsize=3, label=f"trained, σ = {factor:g} × R/√(D−1) ({side} the bound)")
        ax_r.plot(cells.D, cells.eq8_r_over_R, "x:", color="gray",
                  label="Eq. (8) optimum" if factor >= 1 else None)
    ax_r.axhline(1, color="k", lw=0.8, ls="--", label="data radius R")
    ax_r.set(xlabel="D", ylabel="mean |μ(z)| / R over z ~ N(0, I)", ylim=(-0.05, 1.2))
    ax_r.legend(fontsize=7)
    theta = np.linspace(0, 2 * np.pi, 200)
    ax_2d.plot(radius * np.cos(theta), radius * np.sin(theta), "k-", lw=0.8, label="data S₁(R)")
    for (dim, factor), means in clouds.items():
        if dim == 2:
            ax_2d.scatter(*means[:500].T, s=3, label=f"decoder means, σ = {factor:g} × bound")
    ax_2d.set(aspect="equal", title="D = 2", xlabel="x₁", ylabel="x₂")
    ax_2d.legend(fontsize=7, markerscale=3)
    plots.title(fig, _title(frame, "Berger & Sebag Theorem 1 by training: collapse above "
                                   "σ = R/√(D−1)"))
    return fig
