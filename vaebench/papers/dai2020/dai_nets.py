"""Dai, Wang & Wipf 2020, Sec. 6: encoder/decoder families whose depth is the experiment's variable.

One parameterised class per family, never one class per depth: `dai_fc` is Fig. 1 (top), a
fully-connected encoder and a mirrored decoder with `depth` hidden layers of `width` units each
followed by ReLU ("1, 2, 4, 6, 8 and 10 hidden layers ... 512-dimensional"). The AE of the paper
is this network trained with objective `ae` (z = μ_z, no KL); the VAE adds the log σ² head.
"""

from vaebench.models.dense import DenseVAE


class DaiFC(DenseVAE):
    """x → `depth` × (Linear(width) + act) → (μ_z, log σ_z²); z → `depth` × (Linear(width) + act)
    → Linear to the data (and the likelihood's extra per-pixel parameters, if any): the dense VAE
    with `depth` equal hidden layers of `width` units."""

    def __init__(self, data_shape: tuple[int, ...], depth: int, width: int = 512,
                 latent_dim: int = 64, activation: str = "relu", params_per_dim: int = 1):
        if not isinstance(depth, int) or depth < 1 or not isinstance(width, int) or width < 1:
            raise KeyError(f"depth and width must be positive integers, got depth={depth!r}, "
                           f"width={width!r}")
        super().__init__(data_shape, [width] * depth, latent_dim, activation, params_per_dim)
