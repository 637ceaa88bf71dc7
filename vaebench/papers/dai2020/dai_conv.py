"""Dai, Wang & Wipf 2020, Sec. 6: the convolutional and residual families of Fig. 1 (middle,
bottom) and Fig. 2, one parameterised class each.

`dai_conv` (Fig. 1 middle, Fig. 2): at each of `scales` spatial scales, `layers_per_scale`
3×3 convolutions each followed by ReLU, then 2×2 max pooling in the encoder; the decoder mirrors
it with a stride-2 transposed convolution per scale ("1 to 5 convolution layers followed by ReLU
... 2×2 max pooling ... a transposed convolution layer to upscale").
`dai_resnet` (Fig. 1 bottom): the same skeleton whose scales hold `blocks_per_scale` residual
blocks of `convs_per_block` convolutions ("1, 2, and 4 residual blocks within each spatial scale.
Inside each block, we apply 2 to 5 convolution layers").
Channel widths, the latent size and the dense heads are not in the paper (its supplementary is not
available); the defaults are recorded in benchmarks/dai2020.yaml.
"""

import math

import torch
from torch import nn


def _conv_relu(channels_in: int, channels_out: int) -> list[nn.Module]:
    return [nn.Conv2d(channels_in, channels_out, 3, padding=1), nn.ReLU()]


class ResidualBlock(nn.Module):
    """x + f(x), f = `depth` × (ReLU, 3×3 conv): pre-activation, so the skip is an identity."""

    def __init__(self, channels: int, depth: int):
        super().__init__()
        layers = []
        for _ in range(depth):
            layers += [nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _scale_body(channels: int, layers_per_scale: int, blocks_per_scale: int,
                convs_per_block: int) -> list[nn.Module]:
    """What one spatial scale holds at constant width: plain conv layers, or residual blocks."""
    if blocks_per_scale:
        return [ResidualBlock(channels, convs_per_block) for _ in range(blocks_per_scale)]
    layers = []
    for _ in range(layers_per_scale):
        layers += _conv_relu(channels, channels)
    return layers


class DaiConvNet(nn.Module):
    """Encoder: stem conv → per scale (body at width c_s, max-pool, widen) → dense (μ, log σ²);
    decoder: dense → per scale (transposed conv ×2, body) → 3×3 conv to the data."""

    def __init__(self, data_shape: tuple[int, int, int], scales: int = 3,
                 layers_per_scale: int = 2, blocks_per_scale: int = 0, convs_per_block: int = 2,
                 base_channels: int = 32, max_channels: int = 128, latent_dim: int = 64,
                 params_per_dim: int = 1):
        super().__init__()
        channels_in, height, width = data_shape
        if height % 2**scales or width % 2**scales:
            raise KeyError(f"{scales} scales need height and width divisible by {2**scales}, "
                           f"got {height}x{width}")
        widths = [min(base_channels * 2**s, max_channels) for s in range(scales + 1)]
        body = dict(layers_per_scale=layers_per_scale, blocks_per_scale=blocks_per_scale,
                    convs_per_block=convs_per_block)
        encoder = [nn.Conv2d(channels_in, widths[0], 3, padding=1)]
        for s in range(scales):
            encoder += _scale_body(widths[s], **body)
            encoder += [nn.MaxPool2d(2), nn.Conv2d(widths[s], widths[s + 1], 1)]
        self.encoder = nn.Sequential(*encoder, nn.Flatten())
        self.bottom = (widths[scales], height // 2**scales, width // 2**scales)
        flat = math.prod(self.bottom)
        self.to_mu, self.to_logvar = nn.Linear(flat, latent_dim), nn.Linear(flat, latent_dim)
        decoder = []
        for s in reversed(range(scales)):
            decoder += [nn.ConvTranspose2d(widths[s + 1], widths[s], 2, stride=2), nn.ReLU()]
            decoder += _scale_body(widths[s], **body)
        self.from_latent = nn.Linear(latent_dim, flat)
        self.decoder = nn.Sequential(*decoder,
                                     nn.Conv2d(widths[0], channels_in * params_per_dim, 3,
                                               padding=1))
        self.data_shape, self.latent_dim = tuple(data_shape), latent_dim

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.from_latent(z)).view(-1, *self.bottom)
        return self.decoder(h)


def dai_conv(data_shape, layers_per_scale: int, scales: int = 3, **options) -> DaiConvNet:
    if layers_per_scale < 1:
        raise KeyError(f"layers_per_scale must be >= 1, got {layers_per_scale}")
    return DaiConvNet(data_shape, scales=scales, layers_per_scale=layers_per_scale,
                      blocks_per_scale=0, **options)


def dai_resnet(data_shape, blocks_per_scale: int, convs_per_block: int, scales: int = 3,
               **options) -> DaiConvNet:
    if blocks_per_scale < 1 or convs_per_block < 1:
        raise KeyError(f"blocks_per_scale and convs_per_block must be >= 1, got "
                       f"{blocks_per_scale}, {convs_per_block}")
    return DaiConvNet(data_shape, scales=scales, blocks_per_scale=blocks_per_scale,
                      convs_per_block=convs_per_block, **options)
