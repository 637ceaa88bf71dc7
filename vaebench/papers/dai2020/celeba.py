"""Dai, Wang & Wipf 2020, Fig. 2: histograms of the VAE's σ_z on CelebA for 2, 4 and 5
convolution layers per spatial scale, with each net's reconstruction error.

The paper's claim (Sec. 6, Fig. 2 caption): as depth increases the reconstruction error grows and
more σ_z values are near 1 (impending posterior collapse). Both are checked as orderings over the
depths; "near 1" is a threshold stated in the YAML (`near_one`).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from vaebench import plots
from vaebench.artifacts.common import claim
from vaebench.artifacts.context import BuildContext, Built
from vaebench.data import datasets as data
from vaebench.eval.verdict import rising, row
from vaebench.train import runs as run_files
from vaebench.train.latent_stats import posterior_moments

HIST_BINS = np.linspace(0.0, 1.5, 61)  # σ_z above 1.5 (rare) falls into the last bin


@torch.no_grad()
def sigma_and_error(run: Path, n_images: int) -> tuple[torch.Tensor, float]:
    """σ_z of every latent of the first `n_images` training images the run saw, and
    (1/nd) Σ ||x − μ_x(μ_z(x))||² on the same images (the deterministic error of Fig. 1)."""
    from vaebench import device as device_policy

    device = str(device_policy.resolve())  # the configured device, as training's
    model, likelihood, cfg = run_files.load_model(run, device)
    images, _ = data.load(cfg.dataset, "train", cfg.data_root, False, cfg.standin_size)
    images = images[:cfg.train_subset][:n_images].to(device)
    mu, logvar = posterior_moments(model, images, cfg.eval_batch_size)
    squared = 0.0
    for start in range(0, len(images), cfg.eval_batch_size):
        x = data.to_float(images[start:start + cfg.eval_batch_size])
        x_hat = likelihood.mean(model.decode(mu[start:start + cfg.eval_batch_size]))
        squared += float(((x_hat - x) ** 2).sum())
    return torch.exp(0.5 * logvar).flatten().cpu(), squared / images.numel()


def run_table(runs: list[Path], n_images: int, near_one: float) -> tuple[pd.DataFrame, dict]:
    """One row per run (depth, seed, error, σ_z summaries), and each run's σ_z histogram."""
    rows, histograms = [], {}
    for run in runs:
        cfg = run_files.config(run)
        sigma, error = sigma_and_error(run, n_images)
        depth = int(cfg.arch["layers_per_scale"])
        stats = run_files.latent_stats(run)
        rows.append({"dataset": cfg.dataset, "layers_per_scale": depth, "seed": cfg.seed,
                     "recon_error": error,
                     "sigma_near_one_fraction": float((sigma >= near_one).float().mean()),
                     "mean_sigma": float(sigma.mean()),
                     "inactive_dims": int(stats["inactive_sigma2"].sum()),
                     "latent_dim": len(stats), "converged": bool(run_files.done(run)["converged"])})
        histograms[(depth, cfg.seed)] = np.histogram(sigma.clamp(max=HIST_BINS[-1]).numpy(),
                                                     HIST_BINS)[0]
    return pd.DataFrame(rows).sort_values(["layers_per_scale", "seed"]), histograms


def histogram_frame(histograms: dict) -> pd.DataFrame:
    return pd.DataFrame([{"layers_per_scale": depth, "seed": seed, "bin_low": low,
                          "bin_high": high, "count": int(count)}
                         for (depth, seed), counts in sorted(histograms.items())
                         for low, high, count in zip(HIST_BINS[:-1], HIST_BINS[1:], counts,
                                                     strict=True)])


def increases(table: pd.DataFrame, column: str):
    """Rising with depth, as the caption reads ("as depth increases"): a trend over the
    depths, tested on the slope of every run's value on its depth (verdict.rising), not a
    chain of pairwise gaps; None with a single depth."""
    depths = sorted(table.layers_per_scale.unique())
    per_depth = [table.loc[table.layers_per_scale == depth, column].tolist() for depth in depths]
    if len(per_depth) < 2:
        return None
    return rising([float(depth) for depth in depths], per_depth)


def claim_rows(table: pd.DataFrame, reported: dict, scale: str) -> list[dict]:
    """The caption's two orderings, on the per-depth means over seeds."""
    converged = bool(table.converged.all())
    return [claim({"layers_per_scale": "all"}, metric, reported[metric],
                  increases(table, column), converged=converged, scale=scale,
                  source=reported[f"{metric}_source"])
            for metric, column in (("error_grows_with_depth", "recon_error"),
                                   ("more_sigma_near_one_with_depth", "sigma_near_one_fraction"))]


def figure2(ctx: BuildContext) -> Built:
    """Per depth the errors and σ_z summaries, and the caption's orderings; side tables `runs`
    (one row per run) and `histograms` (each run's σ_z histogram)."""
    table, histograms = run_table(list(ctx.runs), ctx.settings["eval_images"],
                                  ctx.art["near_one"])
    rows = []
    for depth, group in table.groupby("layers_per_scale"):
        keys = {"layers_per_scale": depth}
        common = ctx.judged(bool(group.converged.all()))
        for metric in ("recon_error", "sigma_near_one_fraction", "mean_sigma", "inactive_dims"):
            rows.append(row(keys, metric, None, group[metric].tolist(),
                            source=ctx.art["source"], **common))
    frame = pd.DataFrame(rows + claim_rows(table, ctx.reported, ctx.scale))
    return Built(frame, plot_figure2(ctx, table, histograms, frame),
                 {"runs": table, "histograms": histogram_frame(histograms)})


def plot_figure2(ctx: BuildContext, table, histograms, frame):
    near_one, scale = ctx.art["near_one"], ctx.scale
    depths = sorted(table.layers_per_scale.unique())
    fig, axes = plots.figure(len(depths), 1, figsize=(7, 2.4 * len(depths)), sharex=True,
                             squeeze=False)
    centres = (HIST_BINS[:-1] + HIST_BINS[1:]) / 2
    for ax, depth in zip(axes[:, 0], depths, strict=True):
        counts = sum(c for (d, _), c in histograms.items() if d == depth)
        ax.bar(centres, counts / counts.sum(), width=HIST_BINS[1] - HIST_BINS[0],
               label="replicated: σ_z of every latent, all runs")
        ax.axvline(near_one, color="grey", linestyle=":", linewidth=0.8,
                   label=f"σ_z = {near_one:g} (the paper's 'near one')")
        picked = table[table.layers_per_scale == depth]
        ax.set_title(f"{depth} conv layers per scale: recon error {picked.recon_error.mean():.4f},"
                     f" {picked.sigma_near_one_fraction.mean():.0%} of σ_z ≥ {near_one}",
                     fontsize=9)
        ax.set_ylabel("fraction")
    axes[-1, 0].set_xlabel("σ_z (every latent of every image)")
    axes[0, 0].legend(fontsize=7)
    claims = frame[frame.layers_per_scale == "all"]
    verdicts = "; ".join(f"{r.metric}: {r.verdict}" for r in claims.itertuples())
    plots.title(fig, f"Dai et al. Fig. 2, VAE σ_z on {', '.join(sorted(table.dataset.unique()))} "
                     f"({scale})\n{verdicts}")
    return fig
