"""Dai, Wang & Wipf 2020, Fig. 1 (middle, bottom): the convolutional and residual depth sweeps.

figure1_middle: training reconstruction error of conv AEs / VAEs against layers per scale, one
curve per number of spatial scales, on CIFAR-100. figure1_bottom: ResNet AEs over blocks per scale
and convolutions per block; each dataset's error is divided by that of its shallowest net (same
seed), then averaged over datasets. Both are checked as the paper's orderings.
"""

from pathlib import Path

import pandas as pd

from vaebench import plots
from vaebench.artifacts.common import claim, every
from vaebench.artifacts.context import BuildContext, Built
from vaebench.eval.verdict import ordering, row
from vaebench.papers.dai2020.builders import most, reconstruction_errors, rises_at_the_deepest
from vaebench.spec import data_present
from vaebench.train import runs as run_files


def sweep_table(runs: list[Path]) -> pd.DataFrame:
    """One row per run: dataset, objective, architecture values, seed, errors, convergence."""
    rows = []
    for run in runs:
        cfg = run_files.config(run)
        mse_mu, mse_sample = reconstruction_errors(run)
        rows.append({"dataset": cfg.dataset, "variant": cfg.objective, "seed": cfg.seed,
                     **cfg.arch, "mse_mu": mse_mu, "mse_sample": mse_sample,
                     "converged": bool(run_files.done(run)["converged"])})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- Fig. 1 (middle)


def figure1_middle(ctx: BuildContext) -> Built:
    """The conv sweep's errors and orderings; side table `runs` (one row per run)."""
    table = sweep_table(list(ctx.runs))
    rows = []
    for (variant, scales, layers), group in table.groupby(["variant", "scales",
                                                            "layers_per_scale"]):
        keys = {"variant": variant, "scales": scales, "layers_per_scale": layers}
        rows.append(row(keys, "recon_error", None, group.mse_mu.tolist(),
                        source=ctx.art["source"], **ctx.judged(bool(group.converged.all()))))
    rows += middle_claims(table, ctx.reported, ctx.scale)
    frame = pd.DataFrame(rows)
    return Built(frame, plot_middle(table, frame, ctx.scale), {"runs": table})


def middle_claims(table: pd.DataFrame, reported: dict, scale: str) -> list[dict]:
    """Per number of scales: the AE's error rising at the deepest layer count, and the VAE's
    above the AE's at every layer count (Welch's tests over the seeds)."""
    rows = []
    for scales in sorted(table.scales.unique()):
        at = table[table.scales == scales]
        layers = sorted(at.layers_per_scale.unique())

        def errors(variant, depth, at=at):
            picked = at[(at.variant == variant) & (at.layers_per_scale == depth)]
            return picked.mse_mu.tolist()
        picked = at[at.variant == "ae"]
        rows.append(claim({"variant": "ae", "scales": scales, "layers_per_scale": "all"},
                          "ae_rises_when_deep", reported["ae_rises_when_deep"],
                          rises_at_the_deepest([errors("ae", d) for d in layers]),
                          converged=bool(picked.converged.all()), scale=scale,
                          source=reported["ae_rises_when_deep_source"]))
        if "vae" in table.variant.values:
            both = [d for d in layers if errors("vae", d) and errors("ae", d)]
            rows.append(claim({"variant": "vae", "scales": scales, "layers_per_scale": "all"},
                              "vae_above_ae_every_depth", reported["vae_above_ae"],
                              every([ordering(errors("ae", d), errors("vae", d)) for d in both]),
                              converged=bool(at.converged.all()), scale=scale,
                              source=reported["vae_above_ae_source"]))
    return rows


def plot_middle(table, frame, scale):
    fig, ax = plots.figure(figsize=(8, 5))
    for (variant, scales), group in table.groupby(["variant", "scales"]):
        curve = group.groupby("layers_per_scale").mse_mu
        ax.errorbar(curve.mean().index, curve.mean(), yerr=curve.std().fillna(0), capsize=3,
                    marker="o", linestyle="-" if variant == "ae" else "--",
                    label=f"{variant.upper()}, {scales} scales")
    ax.set(xlabel="convolution layers per spatial scale", yscale="log",
           ylabel="training reconstruction error (1/nd) Σ‖x − x̂‖²")
    ax.legend(fontsize=8)
    _footer(ax, table)
    claims = frame[frame.metric.isin(["ae_rises_when_deep", "vae_above_ae_every_depth"])]
    verdicts = "; ".join(f"{r.metric} ({r.scales} scales): {r.verdict}"
                         for r in claims.itertuples())
    ax.set_title(f"Dai et al. Fig. 1 (middle), {', '.join(table.dataset.unique())} ({scale})\n"
                 f"{verdicts}", fontsize=9)
    return fig


def _footer(ax, table) -> None:
    not_converged = int((~table.converged).sum())
    ax.text(0.01, 0.01, f"{not_converged} of {len(table)} runs had not plateaued",
            transform=ax.transAxes, fontsize=7, va="bottom")


# ---------------------------------------------------------------- Fig. 1 (bottom)


def normalised_errors(table: pd.DataFrame, reference: dict) -> pd.DataFrame:
    """Each run's error divided by its dataset's (and seed's) shallowest net's error."""
    is_reference = (table.blocks_per_scale == reference["blocks_per_scale"]) & (
        table.convs_per_block == reference["convs_per_block"])
    base = table[is_reference].set_index(["dataset", "seed"]).mse_mu
    normalised = table.copy()
    normalised["normalised"] = [r.mse_mu / base.loc[(r.dataset, r.seed)]
                                for r in table.itertuples()]
    return normalised


def figure1_bottom(ctx: BuildContext) -> Built:
    """The residual sweep's normalised errors and orderings, and a row per data set left out;
    side table `runs` (one row per run)."""
    table = normalised_errors(sweep_table(list(ctx.runs)), ctx.art["reference_arch"])
    datasets = ", ".join(sorted(table.dataset.unique()))
    rows = []
    for (blocks, convs), group in table.groupby(["blocks_per_scale", "convs_per_block"]):
        keys = {"blocks_per_scale": blocks, "convs_per_block": convs}
        per_seed = group.groupby("seed").normalised.mean()  # the average over datasets
        rows.append(row(keys, "normalised_recon_error", None, per_seed.tolist(),
                        source=f"{ctx.art['source']}; averaged over {datasets}",
                        **ctx.judged(bool(group.converged.all()))))
    rows += bottom_claims(table, ctx.reported, ctx.scale)
    left_out = data_present.missing_datasets(ctx.spec, ctx.name, ctx.scale)
    rows += [row({"blocks_per_scale": "all", "convs_per_block": "all"}, f"left_out_{dataset}",
                 None, [], source=reason, **ctx.judged(False))
             for dataset, reason in left_out.items()]
    frame = pd.DataFrame(rows)
    if left_out:
        datasets += f" (left out, not here: {', '.join(left_out)})"
    return Built(frame, plot_bottom(table, frame, ctx.scale, datasets), {"runs": table})


def bottom_claims(table: pd.DataFrame, reported: dict, scale: str) -> list[dict]:
    """On the normalised errors (every data set and seed a run): for most block counts the error
    rising at the most convolutions per block, and for most convolution counts the most blocks'
    error above the fewest's (Welch's tests; `most` over the curves)."""
    converged = bool(table.converged.all())

    def runs(blocks, convs):
        picked = table[(table.blocks_per_scale == blocks) & (table.convs_per_block == convs)]
        return picked.normalised.tolist()
    blocks_counts = sorted(table.blocks_per_scale.unique())
    convs_counts = sorted(table.convs_per_block.unique())
    deeper = [rises_at_the_deepest(curve) for curve in
              ([runs(b, c) for c in convs_counts if runs(b, c)] for b in blocks_counts)]
    more = [ordering(curve[0], curve[-1]) for curve in
            ([runs(b, c) for b in blocks_counts if runs(b, c)] for c in convs_counts)
            if len(curve) >= 2]
    deeper = [outcome for outcome in deeper if outcome is not None]
    return [
        claim({"blocks_per_scale": "each", "convs_per_block": "all"},
              "deeper_blocks_raise_error", reported["deeper_blocks_raise_error"],
              most(deeper) if deeper else None, converged=converged, scale=scale,
              source=reported["deeper_blocks_raise_error_source"]),
        claim({"blocks_per_scale": "all", "convs_per_block": "each"},
              "more_blocks_raise_error", reported["more_blocks_raise_error"],
              most(more) if more else None, converged=converged, scale=scale,
              source=reported["more_blocks_raise_error_source"]),
    ]


def plot_bottom(table, frame, scale, datasets):
    fig, ax = plots.figure(figsize=(8, 5))
    for blocks, group in table.groupby("blocks_per_scale"):
        curve = group.groupby(["convs_per_block", "seed"]).normalised.mean().groupby(level=0)
        ax.errorbar(curve.mean().index, curve.mean(), yerr=curve.std().fillna(0), capsize=3,
                    marker="o", label=f"{blocks} residual block(s) per scale")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set(xlabel="convolutions per residual block",
           ylabel="reconstruction error / shallowest net's (mean over datasets)")
    ax.legend(fontsize=8)
    _footer(ax, table)
    verdicts = "; ".join(f"{r.metric}: {r.verdict}" for r in frame.itertuples()
                         if r.metric.endswith("raise_error"))
    ax.set_title(f"Dai et al. Fig. 1 (bottom), ResNet AEs on {datasets} ({scale})\n{verdicts}",
                 fontsize=9)
    return fig
