"""Sampled datasets: synthetic distributions that give a fresh float batch at every step.

Each entry is `name -> (shape(**args), sample(n, generator, **args))`; `sample` returns a float
tensor [n, *shape] on the CPU, drawn from `generator` only (its state is checkpointed, so a
resumed run draws the same batches as an uninterrupted one). Parameters come from the training
config's `dataset_args` and are recorded with every run.
"""

import torch

from vaebench.errors import UserError

SAMPLERS: dict[str, tuple] = {}


def register(name: str, shape, sample) -> None:
    SAMPLERS[name] = (shape, sample)


def shape(name: str, args: dict | None) -> tuple[int, ...]:
    try:
        return tuple(SAMPLERS[name][0](**(args or {})))
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
