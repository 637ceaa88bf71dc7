"""The convolutional VAE of Asperti 2019, Fig. 4 (Sec. 3.1), for 28x28 images.

The paper lists the encoder only, as Keras output shapes and parameter counts; the decoder is
"symmetric, upsampling via transposed convolutions". Kernel, stride and padding are derived from
the listed shapes and counts (benchmarks/asperti2019.yaml, choices):

    28x28x1 -> 14x14x16  conv 3x3 s2 p1            160 params, then BN, ReLU
            -> 14x14x32  conv 3x3 s1 p1           4640
            ->  7x7x32   conv 3x3 s2 p1           9248, then BN, ReLU
            ->  4x4x32   conv 3x3 s2 p1           9248
            ->  4x4x32   conv 3x3 s1 p1           9248, then BN, ReLU
            ->  2x2x32   conv 2x2 s2              4128 (the table says 3x3; 4128 = 2*2*32*32+32)
            ->  2x2x32   conv 2x2 s1 'same'       4128 (Keras pads an even kernel right/bottom)
            ->  1x1x32   conv 2x2 s2              4128, then BN, ReLU (BN, ReLU listed before it)
            ->  1x1x16   conv 1x1 (μ) and conv 1x1 (log σ²), 528 params each

The listing has no activation between the two convolutions of a block, nor after the last 2x2
convolution; both are kept as listed. The decoder mirrors the blocks (a stride-2 transposed
convolution up, then a size-keeping 3x3 one, then BN and ReLU; a 3x3 stands in for the 2x2 'same'
convolution, whose transposed form cannot keep the size with symmetric padding) and ends in
logits for the likelihood.
"""

import torch
from torch import nn


def conv(cin: int, cout: int, kernel: int, stride: int, padding: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding)


def same_2x2(channels: int) -> nn.Sequential:
    """Keras 'same' for an even kernel: one row/column of zeros right and bottom."""
    return nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), conv(channels, channels, 2, 1, 0))


def bn_relu(channels: int) -> list[nn.Module]:
    return [nn.BatchNorm2d(channels), nn.ReLU()]


def up(cin: int, cout: int, kernel: int, stride: int, padding: int = 0,
       output_padding: int = 0) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, kernel, stride=stride, padding=padding,
                              output_padding=output_padding)


class ConvAspertiVAE(nn.Module):
    """Encoder of Fig. 4; decoder its mirror image with transposed convolutions."""

    def __init__(self, data_shape: tuple[int, int, int], latent_dim: int = 16,
                 channels: int = 32, params_per_dim: int = 1):
        super().__init__()
        image_channels, height, width = data_shape
        if (height, width) != (28, 28):
            raise KeyError(f"conv_asperti expects 28x28 images, got {height}x{width}")
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        c = channels
        self.encoder = nn.Sequential(
            conv(image_channels, 16, 3, 2, 1), *bn_relu(16),          # 14x14x16
            conv(16, c, 3, 1, 1), conv(c, c, 3, 2, 1), *bn_relu(c),   # 14 -> 7
            conv(c, c, 3, 2, 1), conv(c, c, 3, 1, 1), *bn_relu(c),    # 7 -> 4
            conv(c, c, 2, 2, 0), same_2x2(c), *bn_relu(c),             # 4 -> 2
            conv(c, c, 2, 2, 0),                                      # 2 -> 1
        )
        self.to_mu = nn.Conv2d(c, latent_dim, 1)
        self.to_logvar = nn.Conv2d(c, latent_dim, 1)
        self.decoder = nn.Sequential(
            up(latent_dim, c, 2, 2), up(c, c, 3, 1, 1), *bn_relu(c),  # 1 -> 2
            up(c, c, 2, 2), up(c, c, 3, 1, 1), *bn_relu(c),           # 2 -> 4
            up(c, c, 3, 2, 1), up(c, c, 3, 1, 1), *bn_relu(c),        # 4 -> 7
            up(c, c, 3, 2, 1, 1), up(c, 16, 3, 1, 1), *bn_relu(16),   # 7 -> 14
            up(16, image_channels * params_per_dim, 3, 2, 1, 1),      # 14 -> 28 (logits)
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.to_mu(h).flatten(1), self.to_logvar(h).flatten(1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z[:, :, None, None])
