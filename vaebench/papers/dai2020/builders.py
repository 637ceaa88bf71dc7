"""Dai, Wang & Wipf 2020, "The Usual Suspects? Reassessing Blame for VAE Posterior Collapse".

figure1_top: training reconstruction error vs depth of fully-connected AEs, VAEs and VAEs with KL
warm-start on Fashion-MNIST (one training run per variant, depth and seed), checked as the
paper's orderings. learned_gamma_vs_depth: from the same runs, the learned γ against the AE error
(Eq. 7, 9) and the inactive-variable count. proposition1 and proposition2 compute in the builder
(vaebench.papers.dai2020.propositions): no training runs.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from vaebench import plots
from vaebench.artifacts.common import claim, every, verdict_of
from vaebench.artifacts.context import BuildContext, Built
from vaebench.data import datasets as data
from vaebench.eval import fid_runs
from vaebench.eval.verdict import close, correlated, ordering, row
from vaebench.papers.dai2020 import propositions as props
from vaebench.spec import specs
from vaebench.train import runs as run_files
from vaebench.train.convergence import has_plateaued

# ---------------------------------------------------------------- trained runs


def experiment_key(experiment: str) -> tuple[str, int]:
    """'vae_warm_d6' -> ('vae_warm', 6): the spec names experiments <variant>_d<depth>."""
    variant, depth = experiment.rsplit("_d", 1)
    return variant, int(depth)


@torch.no_grad()
def reconstruction_errors(run: Path, batch_size: int = 2048) -> tuple[float, float]:
    """(1/nd) Σ ||x − μ_x(μ_z(x))||² and its one-sample E_q version, on the run's training
    images (the first train_subset of the training split)."""
    model, likelihood, cfg = run_files.load_model(run)
    images, _ = data.load(cfg.dataset, "train", cfg.data_root, False, cfg.standin_size)
    images = images[:cfg.train_subset]
    gen = torch.Generator().manual_seed(cfg.seed)
    det_sum = sample_sum = 0.0
    for start in range(0, len(images), batch_size):
        x = data.to_float(images[start:start + batch_size])
        mu, logvar = model.encode(x)
        det_sum += float(((likelihood.mean(model.decode(mu)) - x) ** 2).sum())
        if cfg.objective == "ae":
            continue
        z = mu + torch.randn(mu.shape, generator=gen) * torch.exp(0.5 * logvar)
        sample_sum += float(((likelihood.mean(model.decode(z)) - x) ** 2).sum())
    size = images[:1].numel() * len(images)
    det = det_sum / size
    return det, det if cfg.objective == "ae" else sample_sum / size


def run_table(runs: list[Path], late_window: float | None = None) -> pd.DataFrame:
    """One row per run: variant, depth, seed, both errors, learned γ (a variance), inactive count,
    whether training had plateaued (with `late_window`, also over that last share of epochs:
    a deep net can leave a plateau late)."""
    rows = []
    for run in runs:
        cfg = run_files.config(run)
        variant, depth = experiment_key(cfg.meta["experiment"])
        mse_mu, mse_sample = reconstruction_errors(run)
        sigma = run_files.metrics(run)["sigma"].iloc[-1]
        stats = run_files.latent_stats(run)
        rows.append({"variant": variant, "depth": depth, "seed": cfg.seed, "mse_mu": mse_mu,
                     "mse_sample": mse_sample,
                     "gamma": float(sigma) ** 2 if cfg.objective == "vae" else float("nan"),
                     "inactive": int(stats["inactive_sigma2"].sum())
                     if cfg.objective == "vae" else -1,
                     "converged": bool(run_files.done(run)["converged"])
                     and run_files.late_phase_settled(run, late_window)})
    return pd.DataFrame(rows)


def _values(table: pd.DataFrame, variant: str, depth: int, column: str) -> list[float]:
    picked = table[(table.variant == variant) & (table.depth == depth)]
    return picked[column].tolist()


def _converged(table: pd.DataFrame, variants, depths=None) -> bool:
    picked = table[table.variant.isin(variants)]
    if depths is not None:
        picked = picked[picked.depth.isin(depths)]
    return bool(picked.converged.all())


def figure1_top(ctx: BuildContext) -> Built:
    """The errors per (variant, depth) and the paper's orderings; side tables `runs` (one row
    per run) and `fid`."""
    reported, depths, scale = ctx.reported, ctx.art["depths"], ctx.scale
    table = run_table(list(ctx.runs), ctx.art.get("late_phase_window"))
    means = table.groupby(["variant", "depth"])[["mse_mu", "mse_sample"]].mean()
    rows = []
    for variant in ctx.art["variants"]:
        for depth in depths:
            keys = {"variant": variant, "depth": depth}
            common = ctx.judged(_converged(table, [variant], [depth]))
            for metric in ("mse_mu", "mse_sample"):
                rows.append(row(keys, f"recon_error_{metric}", None,
                                _values(table, variant, depth, metric),
                                source=ctx.art["source"], **common))
    fids = fid_table(ctx)
    rows += fid_rows(fids, table, reported, scale)
    rows += figure1_claims(means, depths, table, reported, scale)
    frame = pd.DataFrame(rows)
    return Built(frame, plot_figure1_top(ctx, table, frame, fids),
                 {"runs": table, "fid": fids})


def fid_table(ctx: BuildContext) -> pd.DataFrame:
    """FID of reconstructions (every variant) and of prior samples (VAEs: an AE has no prior) of
    the first seed of each (variant, depth): FID costs far more than training on a CPU."""
    scorer = fid_runs.RunFid(specs.fid_references(ctx.spec, ctx.name, ctx.scale)[0])
    first_seed = {}
    for run in ctx.runs:
        cfg = run_files.config(run)
        cell = experiment_key(cfg.meta["experiment"])
        if cell not in first_seed or cfg.seed < first_seed[cell][0]:
            first_seed[cell] = (cfg.seed, run)
    rows = []
    for i, ((variant, depth), (seed, run)) in enumerate(sorted(first_seed.items()), start=1):
        samples = scorer.of_samples(run) if variant != "ae" else float("nan")
        rows.append({"variant": variant, "depth": depth, "seed": seed,
                     "fid_reconstruction": scorer.of_reconstructions(run),
                     "fid_samples": samples, "fid_n": scorer.n,
                     "source": scorer.describe()})
        # progress in the job's log: on a CPU this pass takes minutes per cell
        print(f"FID {i}/{len(first_seed)} {variant} depth {depth}: reconstructions "
              f"{rows[-1]['fid_reconstruction']:.1f}, samples {samples:.1f}", file=sys.stderr,
              flush=True)
    return pd.DataFrame(rows)


def fid_rows(fids: pd.DataFrame, table: pd.DataFrame, reported: dict, scale: str) -> list[dict]:
    rows = []
    for cell in fids.itertuples():
        ok = _converged(table, [cell.variant], [cell.depth])
        for metric in ("fid_reconstruction", "fid_samples"):
            value = getattr(cell, metric)
            if not math.isnan(value):
                rows.append(row({"variant": cell.variant, "depth": cell.depth}, metric, None,
                                [value], scale=scale, converged=ok,
                                source=f"{reported['fid_source']}; {cell.source}"))
    return rows


def figure1_claims(means, depths, table, reported, scale) -> list[dict]:
    """The paper's orderings, on the deterministic error (and the E_q one for VAE > AE), each
    a one-sided Welch test over the seeds at α (`every` / `most` over the depths)."""
    ae = [_values(table, "ae", d, "mse_mu") for d in depths]
    rows = [claim({"variant": "ae", "depth": "all"}, "ae_falls_then_rises",
                  reported["ae_falls_then_rises"], falls_then_rises(ae),
                  converged=_converged(table, ["ae"]), scale=scale,
                  source=reported["ae_falls_then_rises_source"])]

    def above(variant, metric, other, other_metric="mse_mu"):
        """Per depth: (variant's error above other's, decided)."""
        return [ordering(_values(table, other, d, other_metric), _values(table, variant, d, metric))
                for d in depths]

    for depth, outcome in zip(depths, above("vae", "mse_mu", "ae"), strict=True):
        rows.append(claim({"variant": "vae", "depth": depth}, "vae_above_ae",
                          reported["vae_above_ae"], outcome,
                          converged=_converged(table, ["ae", "vae"], [depth]), scale=scale,
                          source=reported["vae_above_ae_source"]))
    for metric in ("mse_mu", "mse_sample"):
        rows.append(claim({"variant": "vae", "depth": "all"}, f"vae_above_ae_every_depth_{metric}",
                          reported["vae_above_ae"], every(above("vae", metric, "ae")),
                          converged=_converged(table, ["ae", "vae"]), scale=scale,
                          source=reported["vae_above_ae_source"]))
    helps = [ordering(_values(table, "vae_warm", d, "mse_mu"), _values(table, "vae", d, "mse_mu"))
             for d in depths]
    rows.append(claim({"variant": "vae_warm", "depth": "all"}, "warm_start_helps_most_depths",
                      reported["warm_start_helps"], most(helps),
                      converged=_converged(table, ["vae", "vae_warm"]), scale=scale,
                      source=reported["warm_start_source"]))
    rows.append(claim({"variant": "vae_warm", "depth": "all"}, "warm_start_still_above_ae",
                      reported["warm_start_still_above_ae"],
                      every(above("vae_warm", "mse_mu", "ae")),
                      converged=_converged(table, ["ae", "vae_warm"]), scale=scale,
                      source=reported["warm_start_source"]))
    return rows


def falls_then_rises(levels: list[list[float]]):
    """The error falls, then rises with depth: the interior level with the lowest mean has runs
    below the shallowest level's and below the deepest's (Welch's tests, both must hold). The
    level is picked by the data, so this reads the curve's shape rather than a contrast fixed in
    advance; a curve falling to its deepest level reads reversed. None with fewer than 3."""
    if len(levels) < 3:
        return None
    lowest = 1 + int(np.argmin([np.mean(v) for v in levels[1:-1]]))
    return every([ordering(levels[lowest], levels[0]), ordering(levels[lowest], levels[-1])])


def rises_at_the_deepest(levels: list[list[float]]):
    """The error has begun to rise at the deepest level: its runs above those of the shallower
    level with the lowest mean (Welch's test; reversed when the deepest is lower still). None
    with fewer than 2 levels."""
    if len(levels) < 2:
        return None
    lowest = int(np.argmin([np.mean(v) for v in levels[:-1]]))
    return ordering(levels[lowest], levels[-1])


def most(outcomes: list[tuple[bool, bool]]) -> tuple[bool, bool]:
    """(an ordering holds at most depths, decided): decided when the depths decided one way
    are a majority on their own."""
    for_it = sum(h and d for h, d in outcomes)
    against = sum(d and not h for h, d in outcomes)
    holds = sum(h for h, _ in outcomes) > len(outcomes) / 2
    if holds:
        return True, for_it > len(outcomes) / 2
    return False, against >= len(outcomes) / 2  # "not a majority" needs half decided against


def plot_figure1_top(ctx: BuildContext, table, frame, fids):
    art, scale = ctx.art, ctx.scale
    fig, (ax, ax_fid) = plots.figure(1, 2, figsize=(13, 5), width_ratios=[3, 2])
    plot_fid_panel(ax_fid, fids, art)
    for i, (variant, label) in enumerate(art["variants"].items()):
        grouped = table[table.variant == variant].groupby("depth")["mse_mu"]
        mean, std = grouped.mean(), grouped.std().fillna(0)
        ax.errorbar(mean.index, mean, yerr=std, marker="o", capsize=3, label=label, color=f"C{i}")
    n_seeds = table.groupby(["variant", "depth"]).size().max()
    ax.set(xlabel="hidden layers (512 units, ReLU) in encoder and in decoder",
           ylabel="training reconstruction error (1/nd) Σ‖x − x̂‖²", yscale="log",
           xticks=art["depths"])
    ax.legend(title=f"mean ± sd over {n_seeds} seeds", fontsize=8)
    not_converged = int((~table.converged).sum())
    ax.text(0.01, 0.01, f"{not_converged} of {len(table)} runs had not plateaued",
            transform=ax.transAxes, fontsize=7, va="bottom")
    verdicts = ", ".join(f"{short} {verdict_of(frame, metric)}" for short, metric in (
        ("AE falls-then-rises", "ae_falls_then_rises"),
        ("VAE>AE", "vae_above_ae_every_depth_mse_mu"),
        ("warm helps", "warm_start_helps_most_depths")))
    plots.title(fig, f"Dai et al. Fig. 1 (top), Fashion-MNIST ({scale})\n{verdicts}")
    return fig


def plot_fid_panel(ax, fids: pd.DataFrame, art: dict) -> None:
    """One colour per variant, as in the error panel: solid = reconstructions, dashed = samples."""
    for i, (variant, label) in enumerate(art["variants"].items()):
        cells = fids[fids.variant == variant].sort_values("depth")
        ax.plot(cells.depth, cells.fid_reconstruction, marker="o", color=f"C{i}",
                label=f"{label}: reconstructions")
        if cells.fid_samples.notna().any():
            ax.plot(cells.depth, cells.fid_samples, marker="s", linestyle="--", color=f"C{i}",
                    label=f"{label}: prior samples")
    ax.set(xlabel="hidden layers", ylabel="FID (lower is better)", xticks=art["depths"])
    n = f", N = {fids.fid_n.iloc[0]}" if len(fids) else ""
    ax.set_title(f"FID vs the test split (first seed of each cell{n})", fontsize=9)
    ax.legend(fontsize=7)


def learned_gamma_vs_depth(ctx: BuildContext) -> Built:
    """Learned γ against the AE error per depth, and collapse against γ; side table `runs`."""
    table = run_table(list(ctx.runs), ctx.art.get("late_phase_window"))
    rows = gamma_rows(table, ctx.art, ctx.scale)
    frame = pd.DataFrame(rows)
    return Built(frame, plot_learned_gamma(table, frame, ctx.scale), {"runs": table})


def gamma_rows(table: pd.DataFrame, art: dict, scale: str) -> list[dict]:
    """Per depth the runs' γ, AE error and inactive count, with the paper's two claims on γ
    tested over the runs; across depths, collapse against γ (Spearman's test)."""
    reported, tol = art["reported"], art.get("tolerance", {})

    def judged(converged):
        return {"scale": scale, "converged": converged}

    def paper_claim(keys, metric, outcome, converged):
        return claim(keys, metric, reported[metric], outcome,
                     source=reported[f"{metric}_source"], **judged(converged))
    rows = []
    for depth in art["depths"]:
        keys = {"depth": depth}
        vae = table[(table.variant == "vae") & (table.depth == depth)]
        ae_errors = _values(table, "ae", depth, "mse_mu")
        ok = _converged(table, ["ae", "vae"], [depth])
        rows.append(row(keys, "learned_gamma", None, vae.gamma.tolist(),
                        source="metrics.csv sigma², last epoch", **judged(ok)))
        rows.append(row(keys, "ae_recon_error", None, ae_errors,
                        source="figure1_top AE runs", **judged(ok)))
        rows.append(row(keys, "inactive_count", None, vae.inactive.tolist(),
                        source="latent_stats.csv, E[σ²] ≥ 0.8", **judged(ok)))
        # γ above the AE's error: Welch's test of the VAE runs' γ against the AE runs' error
        rows.append(paper_claim(keys, "gamma_at_least_ae_error",
                                ordering(ae_errors, vae.gamma.tolist()), ok))
        # γ equal to the stochastic error: the runs' ratio within the relative band of 1 (TOST
        # against the constant 1)
        ratios = (vae.gamma / vae.mse_sample).tolist()
        rows.append(paper_claim(keys, "gamma_equals_stochastic_error",
                                close(ratios, [1.0] * len(ratios),
                                      float(tol["gamma_equals_stochastic_error"])), ok))
    vae = table[table.variant == "vae"]
    vae_converged = _converged(table, ["vae"])
    rows.append(row({"depth": "all"}, "spearman_gamma_inactive", None,
                    [vae.gamma.rank().corr(vae.inactive.rank())], source="our measure",
                    **judged(vae_converged)))
    rows.append(paper_claim({"depth": "all"}, "collapse_grows_with_gamma",
                            correlated(vae.gamma.tolist(), vae.inactive.tolist()),
                            vae_converged))
    return rows


def plot_learned_gamma(table, frame, scale):
    fig, (ax_gamma, ax_count) = plots.figure(1, 2, figsize=(11, 4.5))
    for variant, column, label, style in (("vae", "gamma", "VAE learned γ (variance)", "o-"),
                                          ("vae", "mse_sample", "VAE error E_q (Eq. 9)", "s--"),
                                          ("ae", "mse_mu", "AE error (Eq. 7 bound)", "^-")):
        grouped = table[table.variant == variant].groupby("depth")[column]
        ax_gamma.errorbar(grouped.mean().index, grouped.mean(), yerr=grouped.std().fillna(0),
                          fmt=style, capsize=3, label=label)
    ax_gamma.set(xlabel="hidden layers", ylabel="per-pixel variance / squared error",
                 yscale="log", title="learned γ, VAE error E_q‖x − x̂‖² and AE error per pixel")
    ax_gamma.legend(fontsize=8)
    vae = table[table.variant == "vae"]
    scatter = ax_count.scatter(vae.gamma, vae.inactive, c=vae.depth, cmap="viridis")
    fig.colorbar(scatter, ax=ax_count, label="hidden layers")
    rho = frame.loc[frame.metric == "spearman_gamma_inactive", "replicated"].iloc[0]
    ax_count.set(xlabel="learned γ", ylabel="inactive latent variables (E[σ²] ≥ 0.8) of 64",
                 title=f"collapse vs γ, one point per run (Spearman ρ = {rho:.2f})")
    verdict = verdict_of(frame, "collapse_grows_with_gamma")
    plots.title(fig, f"Learned γ vs depth, fully-connected VAE on Fashion-MNIST ({scale}): "
                     f"collapse grows with γ — {verdict}")
    return fig


# ---------------------------------------------------------------- Proposition 1


def _plateaued(trace: torch.Tensor) -> list[bool]:
    """Per run (columns of trace), whether its exact energy had plateaued (the suite's rule)."""
    return [has_plateaued(trace[:, r].tolist(), 0.1, 0.02) for r in range(trace.shape[1])]


def _plateaued_noisy(trace: torch.Tensor, window: float = 0.1, rtol: float = 0.02) -> list[bool]:
    """A rule of its own for Monte-Carlo energies, not train.convergence's line fit (the two
    disagree on short or noisy traces, so this is no copy of has_plateaued): the mean of the last
    window differs from the mean of the window before by less than rtol of the total
    improvement, or by less than three standard errors (a trend that noise cannot tell from
    none)."""
    k = max(3, math.ceil(window * trace.shape[0]))
    if trace.shape[0] < 2 * k + 1:
        return [False] * trace.shape[1]
    last, previous = trace[-k:], trace[-2 * k:-k]
    change = (last.mean(0) - previous.mean(0)).abs()
    total = (trace[0] - last.mean(0)).abs()
    noise = 3 * torch.sqrt(last.var(0) / k + previous.var(0) / k)
    return (change <= torch.maximum(rtol * total, noise)).tolist()


def proposition1_alpha(art: dict, grid: dict, alpha: float) -> dict:
    """Everything Proposition 1 needs for one α: the collapsed point's gradient and Hessian, the
    perfect point's energy, a slice along the affine escape direction, and descents."""
    k = art["latent_dim"]
    x, w_true, b_true, z_true = props.proposition1_dataset(
        alpha, art["n_points"], art["data_dim"], k, art["data_seed"])
    collapsed = props.collapsed_point(x, k)
    gamma_bar = float(torch.exp(collapsed["log_gamma"]))
    floor = 1e-4 * gamma_bar
    e_collapsed = float(props.energy(collapsed, x, alpha))
    perfect = props.perfect_point(w_true, b_true, z_true, floor)
    ts = np.geomspace(1e-3, 1.0, grid["slice_points"])
    direction = props.escape_direction(x, k)
    slice_rise = [float(props.energy(props.along(collapsed, direction, t), x, alpha))
                  - e_collapsed for t in ts]
    gen = torch.Generator().manual_seed(art["data_seed"] + 1)
    n = grid["runs_per_init"]
    starts = [props.initialisations("near_collapse", x, k, n, grid["near_scale"], gen),
              props.initialisations("random", x, k, n, grid["random_scale"], gen)]
    start = {key: torch.cat([s[key] for s in starts]) for key in starts[0]}
    final, trace = props.descend(start, x, alpha, grid["steps"], grid["lr"], gamma_floor=floor)
    return {"alpha": alpha, "grad": props.gradient_norm(collapsed, x, alpha),
            "hessian_min": float(props.hessian_eigenvalues(collapsed, x, alpha).min()),
            "e_collapsed": e_collapsed, "e_perfect": float(props.energy(perfect, x, alpha)),
            "perfect_mse": float(props.reconstruction_mse(perfect, x, alpha)),
            "ts": ts, "slice": slice_rise, "inits": ["near_collapse"] * n + ["random"] * n,
            "outcomes": props.classify(final, x, alpha), "plateaued": _plateaued(trace),
            "final_energy": trace[-1].tolist(),
            "final_mse": (props.reconstruction_mse(final, x, alpha) / gamma_bar).tolist()}


def proposition1(ctx: BuildContext) -> Built:
    """Computed, no runs; side tables `runs` (each descent's end) and `slices` (the energy along
    the escape direction)."""
    grid = ctx.art["scales"][ctx.scale]
    torch.set_num_threads(1)  # a few hundred parameters: threads only add overhead
    per_alpha = [proposition1_alpha(ctx.art, grid, alpha) for alpha in grid["alphas"]]
    rows = [r for result in per_alpha for r in proposition1_rows(ctx.art, result, ctx.scale)]
    frame = pd.DataFrame(rows)
    descents = pd.DataFrame(
        [{"alpha": r["alpha"], "init": init, "outcome": outcome, "plateaued": ok,
          "final_energy": energy_value, "final_mse_over_gamma_bar": mse}
         for r in per_alpha for init, outcome, ok, energy_value, mse in zip(
             r["inits"], r["outcomes"], r["plateaued"], r["final_energy"], r["final_mse"],
             strict=True)])
    slices = pd.DataFrame([{"alpha": r["alpha"], "t": t, "energy_rise": e} for r in per_alpha
                           for t, e in zip(r["ts"], r["slice"], strict=True)])
    return Built(frame, plot_proposition1(per_alpha, frame, ctx.scale, grid["near_scale"]),
                 {"runs": descents, "slices": slices})


def proposition1_rows(art: dict, result: dict, scale: str) -> list[dict]:
    reported, tol = art["reported"], art["tolerance"]
    alpha = result["alpha"]
    keys = {"alpha": alpha, "init": ""}
    exact = {"scale": scale, "converged": True}  # evaluated at given points: nothing to converge
    near = [o for o, i in zip(result["outcomes"], result["inits"], strict=True)
            if i == "near_collapse"]
    near_ok = all(ok for ok, i in zip(result["plateaued"], result["inits"], strict=True)
                  if i == "near_collapse")
    is_local_min = (result["hessian_min"] >= -tol["hessian_min"] and result["slice"][0] > 0
                    and all(o == "collapsed" for o in near))
    expected = reported["collapsed_local_minimum_positive_alpha"] if alpha > 0 else \
        reported["collapsed_local_minimum_affine"]
    rows = [
        row(keys, "collapsed_gradient_norm", None, [result["grad"]], source="", **exact),
        claim(keys, "collapsed_is_stationary", reported["collapsed_stationary"],
              result["grad"] <= tol["gradient_norm"], source=reported["source"], **exact),
        row(keys, "collapsed_hessian_min_eigenvalue", None, [result["hessian_min"]], **exact),
        claim(keys, "collapsed_is_local_minimum", expected, is_local_min, converged=near_ok,
              scale=scale, source=reported["source"]),
        row(keys, "energy_collapsed", None, [result["e_collapsed"]], **exact),
        row(keys, "energy_perfect_at_gamma_floor", None, [result["e_perfect"]], **exact),
        claim(keys, "perfect_reconstruction_is_lower", reported["perfect_is_lower"],
              result["e_perfect"] < result["e_collapsed"] and result["perfect_mse"] < 1e-20,
              source=reported["source"], **exact),
    ]
    for init in ("near_collapse", "random"):
        picked = [(o, ok) for o, ok, i in zip(result["outcomes"], result["plateaued"],
                                              result["inits"], strict=True) if i == init]
        converged = all(ok for _, ok in picked)
        for outcome in ("collapsed", "perfect", "partial"):
            rows.append(row({"alpha": alpha, "init": init}, f"fraction_{outcome}", None,
                            [float(np.mean([o == outcome for o, _ in picked]))], scale=scale,
                            converged=converged, source="descent from this initialisation"))
    return rows


def plot_proposition1(results, frame, scale, near_scale):
    fig, (ax_slice, ax_bars) = plots.figure(1, 2, figsize=(12, 4.8))
    for r in results:  # divided by t²: the affine energy falls as t²(1 − λ₁/γ̄) near t = 0
        ax_slice.plot(r["ts"], np.asarray(r["slice"]) / r["ts"] ** 2, label=f"α = {r['alpha']:g}")
    ax_slice.axhline(0, color="k", lw=0.8)
    ax_slice.set(xscale="log", xlabel="t (step along the affine escape direction v)",
                 ylabel="[E(collapsed + t·v) − E(collapsed)] / t²",
                 title="Energy (5) leaving the collapsed point: falls for α = 0 (saddle),\n"
                       "rises first for α > 0 (local minimum)")
    ax_slice.legend(fontsize=8)
    colours = {"collapsed": "tab:red", "partial": "tab:orange", "perfect": "tab:green"}
    labels, positions = [], []
    for i, r in enumerate(results):
        for j, init in enumerate(("near_collapse", "random")):
            outcomes = [o for o, k in zip(r["outcomes"], r["inits"], strict=True) if k == init]
            bottom = 0.0
            x = i * 2.6 + j
            for outcome, colour in colours.items():
                share = np.mean([o == outcome for o in outcomes])
                ax_bars.bar(x, share, bottom=bottom, color=colour,
                            label=outcome if (i, j) == (0, 0) else None)
                bottom += share
            positions.append(x)
            labels.append(f"α={r['alpha']:g}\n{'near' if j == 0 else 'random'}")
    ax_bars.set_xticks(positions, labels, fontsize=7)
    ax_bars.set(ylabel="fraction of descents ending", ylim=(0, 1.15),
                xlabel=f"start: near = collapsed point + N(0, {near_scale:g}²) noise; "
                       "random = generic",
                title="Where gradient descent (Adam) ends")
    ax_bars.legend(fontsize=8, loc="upper center", ncol=3)
    claims = frame[frame.metric == "collapsed_is_local_minimum"]
    verdict = ", ".join(f"α={a:g} {v}" for a, v in zip(claims.alpha, claims.verdict,
                                                        strict=True))
    plots.title(fig, f"Dai et al. Prop. 1, soft-threshold decoder ({scale}): collapsed point a "
                     f"local minimum for α > 0, a saddle for α = 0\n{verdict}")
    return fig


# ---------------------------------------------------------------- Proposition 2


def proposition2(ctx: BuildContext) -> Built:
    """Computed, no runs; side table `sweep` (active dimensions per γ and decoder)."""
    art, scale = ctx.art, ctx.scale
    grid = art["scales"][scale]
    torch.set_num_threads(1)
    eigenvalues, k, gammas = art["eigenvalues"], art["latent_dim"], grid["gammas"]
    x = props.spectrum_dataset(eigenvalues, art["n_points"], art["data_seed"])
    start = props.gamma_sweep_start(x, k, gammas, art["data_seed"])
    affine, affine_trace = props.descend(start, x, 0.0, grid["steps"], grid["lr"],
                                         fixed=("log_gamma",))
    gen = torch.Generator().manual_seed(art["data_seed"] + 2)
    mlp, mlp_trace = props.descend(
        props.mlp_decoder_start(start, art["hidden"], art["data_seed"]), x, 0.0, grid["steps"],
        grid["lr"], fixed=("log_gamma",), data_term=props.mlp_sq_error(grid["mc_samples"]),
        generator=gen)
    sweep = pd.DataFrame({
        "gamma": gammas,
        "closed_form": [props.closed_form_active(eigenvalues, g, k) for g in gammas],
        "affine": props.active_dims(affine, art["kl_threshold"]).tolist(),
        "mlp": props.active_dims(mlp, art["kl_threshold"]).tolist(),
        "affine_plateaued": _plateaued(affine_trace),
        "mlp_plateaued": _plateaued_noisy(mlp_trace)})
    frame = pd.DataFrame(proposition2_rows(art, sweep, scale))
    return Built(frame, plot_proposition2(sweep, eigenvalues, frame, scale), {"sweep": sweep})


def proposition2_rows(art: dict, sweep: pd.DataFrame, scale: str) -> list[dict]:
    reported, tol = art["reported"], art["tolerance"]
    rows = []
    for r in sweep.itertuples():
        keys = {"gamma": r.gamma}
        rows.append(row({**keys, "decoder": "affine"}, "active_dims", r.closed_form, [r.affine],
                        tolerance=tol["active_dims"], scale=scale,
                        converged=bool(r.affine_plateaued),
                        source="closed form #{λ_i > γ} (Sec. 4), λ of this data set"))
        rows.append(row({**keys, "decoder": "mlp"}, "active_dims", None, [r.mlp], scale=scale,
                        converged=bool(r.mlp_plateaued), source="no closed form"))
    all_affine, all_mlp = bool(sweep.affine_plateaued.all()), bool(sweep.mlp_plateaued.all())
    top = max(art["eigenvalues"])
    beyond = sweep[sweep.gamma > top]
    keys = {"gamma": "all"}
    affine = {"converged": all_affine, "scale": scale, "source": reported["source"]}
    mlp = {**affine, "converged": all_mlp}
    rows += [
        claim({**keys, "decoder": "affine"}, "matches_closed_form",
              reported["affine_matches_closed_form"],
              bool((sweep.affine == sweep.closed_form).all()), **affine),
        claim({**keys, "decoder": "affine"}, "zero_active_at_finite_gamma",
              reported["zero_at_finite_gamma"], len(beyond) > 0 and (beyond.affine == 0).all(),
              **affine),
        claim({**keys, "decoder": "mlp"}, "zero_active_at_finite_gamma",
              reported["zero_at_finite_gamma"], bool((sweep.mlp == 0).any()), **mlp),
        claim({**keys, "decoder": "mlp"}, "non_increasing_in_gamma",
              reported["nonlinear_non_increasing"],
              bool((np.diff(sweep.sort_values("gamma").mlp.to_numpy()) <= 0).all()), **mlp),
    ]
    zero = sweep[sweep.mlp == 0].gamma
    rows.append(row({**keys, "decoder": "mlp"}, "smallest_gamma_with_zero_active", None,
                    [float(zero.min()) if len(zero) else math.nan], scale=scale,
                    converged=all_mlp, source="grid value"))
    return rows


def plot_proposition2(sweep, eigenvalues, frame, scale):
    fig, ax = plots.figure(figsize=(8, 4.8))
    for lam in eigenvalues:
        ax.axvline(lam, color="gray", lw=0.6, ls=":")
    fine = np.geomspace(sweep.gamma.min() / 2, sweep.gamma.max() * 2, 400)
    k = int(sweep.closed_form.max())
    ax.step(fine, [min(k, sum(lam > g for lam in eigenvalues)) for g in fine], where="post",
            color="k", lw=1, label="closed form: #{λ_i > γ} (affine)")
    ax.plot(sweep.gamma, sweep.affine, "o", ms=9, mfc="none", label="affine decoder, descent")
    ax.plot(sweep.gamma, sweep.mlp, "x", ms=8, label="ReLU MLP decoder, descent")
    match = frame[(frame.metric == "matches_closed_form")].verdict.iloc[0]
    zero = frame[(frame.metric == "zero_active_at_finite_gamma")
                 & (frame.decoder == "mlp")].verdict.iloc[0]
    ax.set(xscale="log", xlabel="fixed γ (decoder variance); dotted: eigenvalues of the data",
           ylabel="active latent dimensions (mean KL > threshold)",
           title=f"Dai et al. Prop. 2: thresholding in γ ({scale})\naffine = closed form: {match}; "
                 f"MLP reaches 0 at finite γ: {zero}")
    ax.set_yticks(range(int(sweep.closed_form.max()) + 1))
    ax.legend(fontsize=8)
    return fig
