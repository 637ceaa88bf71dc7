"""Dai, Wang & Wipf 2020, Fig. 1 (middle, bottom): the convolutional and residual depth sweeps.

figure1_middle: training reconstruction error of conv AEs / VAEs against layers per scale, one
curve per number of spatial scales, on CIFAR-100. figure1_bottom: ResNet AEs over blocks per scale
and convolutions per block; each dataset's error is divided by that of its shallowest net (same
seed), then averaged over datasets. Both are checked as the paper's orderings.
"""

from pathlib import Path

import pandas as pd

from vaebench import atomic, plots
from vaebench.artifacts.dai2020.builders import reconstruction_errors
from vaebench.eval.verdict import row
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


def _ordering(keys, metric, reported, holds: bool, converged: bool, scale, source) -> dict:
    return row(keys, metric, reported, [float(holds)], compare="equal", scale=scale,
               converged=converged, source=source)


def rises_when_deep(errors: pd.Series) -> bool:
    """The curve's last (deepest) point is above its minimum: the error has begun to increase."""
    return len(errors) >= 2 and errors.iloc[-1] > errors.min()


# ---------------------------------------------------------------- Fig. 1 (middle)


def figure1_middle(spec: dict, name: str, scale: str, runs: list[Path], out: Path) -> None:
    art = spec["artifacts"][name]
    table = sweep_table(runs)
    atomic.write_csv(out.with_name(f"{name}_runs.csv"), table)
    rows = []
    for (variant, scales, layers), group in table.groupby(["variant", "scales",
                                                            "layers_per_scale"]):
        keys = {"variant": variant, "scales": scales, "layers_per_scale": layers}
        rows.append(row(keys, "recon_error", None, group.mse_mu.tolist(), scale=scale,
                        converged=bool(group.converged.all()), source=art["source"]))
    rows += middle_claims(table, art["reported"], scale)
    frame = pd.DataFrame(rows)
    atomic.write_csv(out, frame)
    plot_middle(table, frame, scale, out.with_suffix(".png"))


def middle_claims(table: pd.DataFrame, reported: dict, scale: str) -> list[dict]:
    means = table.groupby(["variant", "scales", "layers_per_scale"]).mse_mu.mean()
    rows = []
    for scales in sorted(table.scales.unique()):
        ae = means.loc[("ae", scales)]
        picked = table[(table.variant == "ae") & (table.scales == scales)]
        rows.append(_ordering({"variant": "ae", "scales": scales, "layers_per_scale": "all"},
                              "ae_rises_when_deep", reported["ae_rises_when_deep"],
                              rises_when_deep(ae), bool(picked.converged.all()), scale,
                              reported["ae_rises_when_deep_source"]))
        if "vae" in table.variant.values:
            vae = means.loc[("vae", scales)]
            both = table[table.scales == scales]
            rows.append(_ordering({"variant": "vae", "scales": scales, "layers_per_scale": "all"},
                                  "vae_above_ae_every_depth", reported["vae_above_ae"],
                                  bool((vae > ae.reindex(vae.index)).all()),
                                  bool(both.converged.all()), scale,
                                  reported["vae_above_ae_source"]))
    return rows


def plot_middle(table, frame, scale, path) -> None:
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
    plots.save(fig, path)


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


def figure1_bottom(spec: dict, name: str, scale: str, runs: list[Path], out: Path) -> None:
    art = spec["artifacts"][name]
    table = normalised_errors(sweep_table(runs), art["reference_arch"])
    atomic.write_csv(out.with_name(f"{name}_runs.csv"), table)
    datasets = ", ".join(sorted(table.dataset.unique()))
    rows = []
    for (blocks, convs), group in table.groupby(["blocks_per_scale", "convs_per_block"]):
        keys = {"blocks_per_scale": blocks, "convs_per_block": convs}
        per_seed = group.groupby("seed").normalised.mean()  # the average over datasets
        rows.append(row(keys, "normalised_recon_error", None, per_seed.tolist(), scale=scale,
                        converged=bool(group.converged.all()),
                        source=f"{art['source']}; averaged over {datasets}"))
    rows += bottom_claims(table, art["reported"], scale)
    left_out = data_present.missing_datasets(spec, name, scale)
    rows += [row({"blocks_per_scale": "all", "convs_per_block": "all"}, f"left_out_{dataset}",
                 None, [], scale=scale, converged=False, source=reason)
             for dataset, reason in left_out.items()]
    frame = pd.DataFrame(rows)
    atomic.write_csv(out, frame)
    if left_out:
        datasets += f" (left out, not here: {', '.join(left_out)})"
    plot_bottom(table, frame, scale, datasets, out.with_suffix(".png"))


def bottom_claims(table: pd.DataFrame, reported: dict, scale: str) -> list[dict]:
    means = table.groupby(["blocks_per_scale", "convs_per_block"]).normalised.mean()
    converged = bool(table.converged.all())
    deeper = [rises_when_deep(means.loc[blocks]) for blocks in sorted(table.blocks_per_scale
                                                                       .unique())]
    by_convs = means.unstack("blocks_per_scale")
    more = [(r.dropna().iloc[-1] > r.dropna().iloc[0]) for _, r in by_convs.iterrows()
            if r.notna().sum() >= 2]
    return [
        _ordering({"blocks_per_scale": "each", "convs_per_block": "all"},
                  "deeper_blocks_raise_error", reported["deeper_blocks_raise_error"],
                  sum(deeper) > len(deeper) / 2, converged, scale,
                  reported["deeper_blocks_raise_error_source"]),
        _ordering({"blocks_per_scale": "all", "convs_per_block": "each"},
                  "more_blocks_raise_error", reported["more_blocks_raise_error"],
                  bool(more) and sum(more) > len(more) / 2, converged, scale,
                  reported["more_blocks_raise_error_source"]),
    ]


def plot_bottom(table, frame, scale, datasets, path) -> None:
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
    plots.save(fig, path)


BUILDERS = {"figure1_middle": figure1_middle, "figure1_bottom": figure1_bottom}
