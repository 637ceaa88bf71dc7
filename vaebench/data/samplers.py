"""Sampled datasets: synthetic distributions that give a fresh float batch at every step.

Each entry is `name -> (shape(**args), sample(n, generator, **args))`; `sample` returns a float
tensor [n, *shape] on the CPU, drawn from `generator` only (its state is checkpointed, so a
resumed run draws the same batches as an uninterrupted one). Parameters come from the training
config's `dataset_args` and are recorded with every run.
"""

import importlib

import torch

from vaebench.errors import UserError

SAMPLERS: dict[str, tuple] = {}


def register(name: str, shape, sample) -> None:
    SAMPLERS[name] = (shape, sample)


def shape(name: str, args: dict | None) -> tuple[int, ...]:
    try:
        return tuple(entry(name)[0](**(args or {})))
    except TypeError as exc:
        raise UserError(f"dataset '{name}': bad dataset_args {args} ({exc})") from None


def hypersphere_sample(n: int, generator: torch.Generator, dim: int, radius: float):
    """Uniform points on S_{dim-1}(radius): normalised Gaussians (Berger & Sebag, Theorem 1)."""
    g = torch.randn(n, dim, generator=generator)
    return radius * g / g.norm(dim=1, keepdim=True)


def hypersphere_shape(dim: int, radius: float) -> tuple[int]:
    if dim < 2 or not radius > 0:
        raise UserError(f"hypersphere needs dim >= 2 and radius > 0, got dim={dim}, "
                        f"radius={radius}")
    return (dim,)


register("hypersphere", hypersphere_shape, hypersphere_sample)


def noisy_curve_shape(amplitude: float = 0.5, frequency: float = 1.5,
                      noise: tuple = (0.04, 0.01, 0.1)) -> tuple[int]:
    if len(noise) != 3 or min(noise) < 0 or not amplitude >= 0:
        raise UserError(f"noisy_curve needs three noise levels >= 0 and amplitude >= 0, got "
                        f"noise={noise}, amplitude={amplitude}")
    return (2,)


def noisy_curve_sample(n: int, generator: torch.Generator, amplitude: float = 0.5,
                       frequency: float = 1.5, noise: tuple = (0.04, 0.01, 0.1)):
    """Berger & Sebag's artificial 2-D data (Fig. 3): a 1-D curve y = a·sin(f·π·x), x ~ U[-1, 1],
    with isotropic Gaussian noise whose std depends on the third of the curve the point is on
    (left, middle, right: `noise`, e.g. moderate, small, large)."""
    x = torch.rand(n, generator=generator) * 2 - 1
    region = ((x + 1) * 1.5).long().clamp(max=2)  # 0, 1, 2 for the three thirds
    on_curve = torch.stack([x, amplitude * torch.sin(frequency * torch.pi * x)], dim=1)
    std = torch.tensor([float(s) for s in noise])[region]
    return on_curve + std[:, None] * torch.randn(n, 2, generator=generator)


register("noisy_curve", noisy_curve_shape, noisy_curve_sample)


# A two-stage VAE's second stage samples the codes of a trained first stage. That sampler reads
# runs (vaebench.train.latent_codes, a layer above data), so the registry
# names its module instead of importing it: the module registers itself when first asked for.
PLUGINS = {"latent_codes": "vaebench.train.latent_codes"}


def names() -> list[str]:
    """Every sampled dataset, those of the plugins included."""
    return sorted({*SAMPLERS, *PLUGINS})


def entry(name: str) -> tuple:
    """(shape, sample) of a sampled dataset, importing its plugin module on first use."""
    if name not in SAMPLERS and name in PLUGINS:
        importlib.import_module(PLUGINS[name])
    return SAMPLERS[name]
