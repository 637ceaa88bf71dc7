"""The JPEG round trip of the two-stage VAE code: CIFAR-10 written to .jpg and read back.

Dai & Wipf's and Asperti & Trentin's preprocessing saves every CIFAR-10 image (train and test) as
a JPEG and trains and evaluates on the decoded pixels (reference_code_facts.md §1.1, §2.1), which
changes the data and the FID it is compared with. `cifar10_jpeg` (data.datasets) is CIFAR-10
through this round trip; the quality is Pillow's default, which imageio's `imwrite` uses.
"""

import io

import numpy as np
import torch
from PIL import Image

PILLOW_DEFAULT_QUALITY = 75


def round_trip_one(image: np.ndarray, quality: int) -> np.ndarray:
    """One HWC uint8 image encoded as JPEG in memory and decoded again."""
    buffer = io.BytesIO()
    Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image).save(
        buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    decoded = np.asarray(Image.open(buffer))
    return decoded.reshape(image.shape)


def round_trip(images: torch.Tensor, quality: int = PILLOW_DEFAULT_QUALITY) -> torch.Tensor:
    """uint8 [N, C, H, W] images after a JPEG encode/decode (deterministic: libjpeg)."""
    hwc = images.permute(0, 2, 3, 1).contiguous().numpy()
    out = np.stack([round_trip_one(image, quality) for image in hwc]) if len(hwc) else hwc
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()
