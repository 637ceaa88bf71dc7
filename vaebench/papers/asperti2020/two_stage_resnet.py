"""The two-stage VAE of Dai & Wipf (2019) as Asperti & Trentin (2020) use it: the first stage is
the "Resnet" of their Figure 1, the second a dense VAE on the first stage's latent codes.

`two_stage_resnet` (stage 1), as in the authors' code (reference_code_facts.md §1.2, §2.2):
encoder: 3×3 conv to `base_dim` channels; `num_scale` scale blocks of `blocks_per_scale`
residual blocks, a stride-2 3×3 conv doubling the channels between scales; global average pool
(the code's reduce_mean; Figure 1 says "flattened"); one fully-connected residual block of
`fc_dim`; dense heads for μ and log σ. Decoder: dense to 2×2×dims[0], then per scale a stride-2
transposed conv halving the channels and a scale block, up to the image size; 3×3 conv to the
image channels; sigmoid. A residual block is `depth_per_block` × (BN, ReLU, 3×3 conv) plus a 3×3
conv shortcut (never an identity). BatchNorm uses the code's decay 0.999 (PyTorch momentum
0.001) and eps 1e-5.

`two_stage_dense` (stage 2): `second_depth` × Dense(`second_dim`, ReLU), then the input is
concatenated to the hidden vector before the output heads, in the encoder and the decoder; no BN.

Stride-2 convs pad symmetrically (TF's 'same' pads bottom/right only: a half-pixel shift,
recorded in benchmarks/asperti2020.yaml).

`l2_groups()` names the conv kernels an L2 regulariser can be put on (Keras' kernel_regularizer:
kernels, not biases), for the training option `l2_reg: {group: coefficient}` (Asperti &
Trentin's CelebA models 2 and 3 and Table 4): encoder_downsample (the stride-2 convs),
encoder_scale (the convs of the encoder's scale blocks), decoder_upsample (the stride-2
transposed convs), decoder_scale (the convs of the decoder's scale blocks).
"""

import math

import torch
from torch import nn

BN_MOMENTUM = 0.001  # TF moving-average decay 0.999


def init_like_tf(module: nn.Module) -> None:
    """TF layers' defaults, as in the authors' code: Glorot-uniform kernels, zero biases."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)


class ResBlock(nn.Module):
    """`depth` × (BN → ReLU → 3×3 conv) plus a 3×3 conv shortcut."""

    def __init__(self, channels_in: int, channels_out: int, depth: int = 2):
        super().__init__()
        layers, width = [], channels_in
        for _ in range(depth):
            layers += [nn.BatchNorm2d(width, eps=1e-5, momentum=BN_MOMENTUM), nn.ReLU(),
                       nn.Conv2d(width, channels_out, 3, padding=1)]
            width = channels_out
        self.body = nn.Sequential(*layers)
        self.shortcut = nn.Conv2d(channels_in, channels_out, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class FCResBlock(nn.Module):
    """`depth` × (ReLU → Dense) plus a dense shortcut (the code's res_fc_block)."""

    def __init__(self, width_in: int, width_out: int, depth: int = 2):
        super().__init__()
        layers, width = [], width_in
        for _ in range(depth):
            layers += [nn.ReLU(), nn.Linear(width, width_out)]
            width = width_out
        self.body = nn.Sequential(*layers)
        self.shortcut = nn.Linear(width_in, width_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


def scale_block(channels_in: int, channels_out: int, blocks: int, depth: int) -> nn.Sequential:
    return nn.Sequential(*[ResBlock(channels_in if i == 0 else channels_out, channels_out, depth)
                           for i in range(blocks)])


def decoder_widths(side: int, base_dim: int) -> list[int]:
    """Channels per decoder scale, from 2×2 up to side×side (the code's `dims`, reversed)."""
    if side < 4 or side & (side - 1):
        raise KeyError(f"two_stage_resnet needs a square power-of-two image side >= 4, got {side}")
    widths = [min(base_dim * 2**i, 1024) for i in range(int(math.log2(side)))]
    return list(reversed(widths))


class TwoStageResNet(nn.Module):
    """First stage: x → (μ, log σ²); z → sigmoid image in [0, 1] (the Gaussian mean)."""

    def __init__(self, data_shape: tuple[int, int, int], latent_dim: int = 64, num_scale: int = 3,
                 blocks_per_scale: int = 1, depth_per_block: int = 2, base_dim: int = 32,
                 fc_dim: int = 512, params_per_dim: int = 1):
        super().__init__()
        if params_per_dim != 1:
            raise KeyError("two_stage_resnet outputs one mean per pixel (scalar-γ likelihoods)")
        channels, height, width = data_shape
        if height != width:
            raise KeyError(f"two_stage_resnet needs square images, got {height}x{width}")
        self.data_shape, self.latent_dim = tuple(data_shape), latent_dim
        self.encoder = self._encoder(channels, num_scale, blocks_per_scale, depth_per_block,
                                     base_dim)
        top = base_dim * 2 ** (num_scale - 1)
        self.fc = FCResBlock(top, fc_dim, depth_per_block)
        self.to_mu = nn.Linear(fc_dim, latent_dim)
        self.to_logsd = nn.Linear(fc_dim, latent_dim)
        self.widths = decoder_widths(height, base_dim)
        self.from_z = nn.Linear(latent_dim, 4 * self.widths[0])
        self.decoder = self._decoder(channels, blocks_per_scale, depth_per_block)
        init_like_tf(self)

    @staticmethod
    def _encoder(channels, num_scale, blocks, depth, base_dim) -> nn.Sequential:
        layers, dim = [nn.Conv2d(channels, base_dim, 3, padding=1)], base_dim
        for i in range(num_scale):
            layers.append(scale_block(dim, dim, blocks, depth))
            if i != num_scale - 1:
                layers.append(nn.Conv2d(dim, 2 * dim, 3, stride=2, padding=1))
                dim *= 2
        return nn.Sequential(*layers)

    def _decoder(self, channels, blocks, depth) -> nn.Sequential:
        layers = []
        for wide, narrow in zip(self.widths[:-1], self.widths[1:], strict=True):
            layers += [nn.ConvTranspose2d(wide, narrow, 3, stride=2, padding=1, output_padding=1),
                       scale_block(narrow, narrow, blocks, depth)]
        layers += [nn.Conv2d(self.widths[-1], channels, 3, padding=1), nn.Sigmoid()]
        return nn.Sequential(*layers)

    def l2_groups(self) -> dict[str, list[nn.Parameter]]:
        """Conv kernels by role: what `l2_reg` in the training config can regularise."""
        def kernels(layers, kind):
            return [m.weight for layer in layers for m in layer.modules() if isinstance(m, kind)]

        down = [m for m in self.encoder if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
        up = [m for m in self.decoder if isinstance(m, nn.ConvTranspose2d)]
        return {"encoder_downsample": kernels(down, nn.Conv2d),
                "encoder_scale": kernels([m for m in self.encoder if isinstance(m, nn.Sequential)],
                                         nn.Conv2d),
                "decoder_upsample": kernels(up, nn.ConvTranspose2d),
                "decoder_scale": kernels([m for m in self.decoder if isinstance(m, nn.Sequential)],
                                         nn.Conv2d)}

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.fc(self.encoder(x).mean(dim=(2, 3)))
        # The code's head is log σ; log σ² = 2 log σ keeps its parameterisation exactly.
        return self.to_mu(h), 2 * self.to_logsd(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.from_z(z).view(-1, self.widths[0], 2, 2)
        return self.decoder(h)


class SkipMLP(nn.Module):
    """`depth` × Dense(width, ReLU), then concat([input, hidden]) (Dai & Wipf's second stage)."""

    def __init__(self, fan_in: int, width: int, depth: int):
        super().__init__()
        layers, size = [], fan_in
        for _ in range(depth):
            layers += [nn.Linear(size, width), nn.ReLU()]
            size = width
        self.body = nn.Sequential(*layers)
        self.out_dim = fan_in + width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.body(x)], dim=1)


class SecondStageVAE(nn.Module):
    """Second stage: z → (μ_u, log σ_u²); u → ẑ. The latent size of u equals that of z."""

    def __init__(self, data_shape: tuple[int], latent_dim: int | None = None,
                 second_dim: int = 1024, second_depth: int = 3, params_per_dim: int = 1):
        super().__init__()
        if len(data_shape) != 1 or params_per_dim != 1:
            raise KeyError(f"two_stage_dense reads latent codes (a vector), got {data_shape}")
        code_dim = data_shape[0]
        self.data_shape, self.latent_dim = tuple(data_shape), latent_dim or code_dim
        self.encoder = SkipMLP(code_dim, second_dim, second_depth)
        self.to_mu = nn.Linear(self.encoder.out_dim, self.latent_dim)
        self.to_logsd = nn.Linear(self.encoder.out_dim, self.latent_dim)
        self.decoder = SkipMLP(self.latent_dim, second_dim, second_depth)
        self.to_z = nn.Linear(self.decoder.out_dim, code_dim)
        init_like_tf(self)

    def encode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(z)
        return self.to_mu(h), 2 * self.to_logsd(h)

    def decode(self, u: torch.Tensor) -> torch.Tensor:
        return self.to_z(self.decoder(u))
