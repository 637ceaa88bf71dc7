"""Berger & Sebag's sampled datasets: points on a hypersphere (Theorem 1) and the noisy curve
of Fig. 3, each a `vaebench.data.samplers.Sampler` registered in this package's `__init__`.
"""

import torch

from vaebench.data.samplers import Sampler
from vaebench.errors import UserError


def hypersphere_sample(n: int, generator: torch.Generator, dim: int, radius: float):
    """Uniform points on S_{dim-1}(radius): normalised Gaussians (Berger & Sebag, Theorem 1)."""
    g = torch.randn(n, dim, generator=generator)
    return radius * g / g.norm(dim=1, keepdim=True)


def hypersphere_shape(dim: int, radius: float) -> tuple[int]:
    if dim < 2 or not radius > 0:
        raise UserError(f"hypersphere needs dim >= 2 and radius > 0, got dim={dim}, "
                        f"radius={radius}")
    return (dim,)


HYPERSPHERE = Sampler(hypersphere_shape, hypersphere_sample)


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


NOISY_CURVE = Sampler(noisy_curve_shape, noisy_curve_sample)

