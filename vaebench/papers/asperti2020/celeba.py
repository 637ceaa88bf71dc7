"""Asperti & Trentin 2020, Fig. 7 (appendix): the same CelebA face crops resized to 64x64 by
nearest, bilinear and bicubic resampling, side by side, and what each mode does to the images.

The caption's claims: nearest produces staircase effects (jaggies), bilinear is particularly
smooth, bicubic is slightly sharper. Measured on the prepared data sets (one cache per mode, the
same images in the same order): the share of spectral energy at high spatial frequency per mode,
and the mean absolute pixel difference between each pair of modes. The model half of the
appendix (MSE and REC/GEN FID of the two-stage VAE per mode) lives with the two-stage VAE.
"""

from itertools import combinations

import pandas as pd
import torch

from vaebench import plots
from vaebench.artifacts.common import claim
from vaebench.artifacts.context import BuildContext, Built
from vaebench.data import datasets as data
from vaebench.data.celeba import VARIANTS
from vaebench.eval.verdict import row

HIGH_FREQUENCY = 0.25  # cycles per pixel: the upper half of the band below Nyquist (0.5)


def mode_of(dataset: str) -> str:
    """'celeba_nearest' or 'standin_celeba_nearest' -> 'nearest'."""
    return VARIANTS[dataset.removeprefix(data.STANDIN_PREFIX)][1]


def load_modes(datasets: list[str], n_images: int, standin_size: int) -> dict[str, torch.Tensor]:
    """The first n test images of each mode's data set, as float grey levels in [0, 255]."""
    images = {}
    for dataset in datasets:
        test, _ = data.load(dataset, "test", standin_size=standin_size)
        images[mode_of(dataset)] = test[:n_images]
    sizes = {len(batch) for batch in images.values()}
    if len(sizes) != 1:
        raise ValueError(f"the resize modes' test sets differ in size: {sizes}")
    return images


def high_frequency_fraction(images: torch.Tensor) -> torch.Tensor:
    """Per image: the share of the (mean-removed, luminance) power spectrum above
    HIGH_FREQUENCY cycles per pixel in radial frequency."""
    grey = images.float().mean(dim=1)
    grey = grey - grey.mean(dim=(1, 2), keepdim=True)
    power = torch.fft.rfft2(grey).abs() ** 2
    fy = torch.fft.fftfreq(grey.shape[1])[:, None]
    fx = torch.fft.rfftfreq(grey.shape[2])[None, :]
    high = (fy**2 + fx**2).sqrt() > HIGH_FREQUENCY
    return power[:, high].sum(dim=1) / power.flatten(1).sum(dim=1).clamp_min(1e-12)


def measure(images: dict[str, torch.Tensor]) -> tuple[dict, dict]:
    """(per mode: high-frequency fractions per image; per pair: mean |a - b| per image)."""
    high = {mode: high_frequency_fraction(batch) for mode, batch in images.items()}
    differences = {(a, b): (images[a].float() - images[b].float()).abs().mean(dim=(1, 2, 3))
                   for a, b in combinations(sorted(images), 2)}
    return high, differences


def table_rows(ctx: BuildContext, high: dict, differences: dict) -> list[dict]:
    reported, scale, source = ctx.reported, ctx.scale, ctx.art["source"]
    rows = [row({"mode": mode, "compared_with": ""}, "high_frequency_energy_fraction", None,
                values.tolist(), scale=scale, converged=True, source=f"{source}; our measure")
            for mode, values in high.items()]
    rows += [row({"mode": a, "compared_with": b}, "mean_abs_pixel_difference", None,
                 values.tolist(), scale=scale, converged=True, source=f"{source}; our measure")
             for (a, b), values in differences.items()]
    mean = {mode: float(values.mean()) for mode, values in high.items()}
    claims = (("nearest_has_most_high_frequency", mean["nearest"] > max(mean["bilinear"],
                                                                         mean["bicubic"])),
              ("bicubic_sharper_than_bilinear", mean["bicubic"] > mean["bilinear"]))
    # a claim about the data itself: no training, so nothing to converge
    rows += [claim({"mode": "all", "compared_with": ""}, metric, reported[metric],
                   bool(holds), scale=scale, converged=True, source=reported["source"])
             for metric, holds in claims]
    return rows


def figure7(ctx: BuildContext) -> Built:
    art, scale = ctx.art, ctx.scale
    settings = art["scales"][scale]
    datasets = art["data"][scale] if isinstance(art["data"], dict) else art["data"]
    images = load_modes(datasets, settings["n_images"], settings.get("standin_size", 256))
    high, differences = measure(images)
    frame = pd.DataFrame(table_rows(ctx, high, differences))
    return Built(frame, plot_figure7(images, settings["n_shown"], frame, scale))


def plot_figure7(images: dict, n_shown: int, frame, scale):
    """One row per mode, the same faces in each column; a 2x zoom on the last column's face."""
    modes = [m for m in ("nearest", "bilinear", "bicubic") if m in images]
    fig, axes = plots.figure(len(modes), n_shown + 1, figsize=(1.6 * (n_shown + 1),
                                                              1.8 * len(modes)), squeeze=False)
    for r, mode in enumerate(modes):
        fraction = frame[(frame["mode"] == mode)
                         & (frame.metric == "high_frequency_energy_fraction")].replicated.iloc[0]
        for c in range(n_shown + 1):
            face = images[mode][min(c, n_shown - 1)].permute(1, 2, 0).numpy()
            if c == n_shown:  # zoom on the centre, where jaggies show on the eyes and nose
                face = face[16:48, 16:48]
            axes[r, c].imshow(face, interpolation="nearest")
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(f"{mode}\nHF {fraction:.4f}", fontsize=8)
    axes[0, n_shown].set_title("zoom", fontsize=8)
    claims = frame[frame["mode"] == "all"]
    verdicts = "; ".join(f"{r.metric}: {r.verdict}" for r in claims.itertuples())
    plots.title(fig, f"Asperti & Trentin Fig. 7: 128x128 face crops resized to 64x64 ({scale})\n"
                     f"{verdicts}")
    return fig
