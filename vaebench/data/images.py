"""Image tensors at the bottom of the package: uint8 to float, and generated stand-in images.

A leaf (it imports only torch), so that the data registry, the CelebA reader and the latent
statistics can all use it without importing each other.
"""

import torch


def standin(shape: tuple[int, int, int], n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Generated images of the given shape: blurred random strokes, ten 'classes' of stroke count.

    Not a substitute for the real data: it only lets the plumbing (shapes, dtypes, training, FID)
    run where the real dataset is absent. Rows built on it are marked not comparable.
    """
    channels, height, width = shape
    gen = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (n,), generator=gen)
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width),
                            indexing="ij")
    centres = torch.rand(n, 3, 2, generator=gen) * 1.2 - 0.6
    widths = 0.15 + 0.25 * torch.rand(n, 3, 1, 1, generator=gen)
    blobs = torch.exp(-((xx - centres[..., 0, None, None]) ** 2
                        + (yy - centres[..., 1, None, None]) ** 2) / widths**2)
    active = (torch.arange(3)[None, :] <= labels[:, None] % 3).float()[..., None, None]
    image = (blobs * active).amax(dim=1, keepdim=True)
    tint = 0.5 + 0.5 * torch.rand(n, channels, 1, 1, generator=gen)
    images = (image * tint).clamp(0, 1).mul(255).round().to(torch.uint8)
    return images, labels


def to_float(batch: torch.Tensor) -> torch.Tensor:
    """uint8 images to float in [0, 1] on the batch's device; float data passes through."""
    return batch.float().div_(255.0) if batch.dtype == torch.uint8 else batch.float()
