"""Dataset registry: image datasets are uint8 tensors [N, C, H, W] that live on the training device;
sampled datasets (synthetic distributions, e.g. points on a hypersphere) draw a fresh float batch
at every step, the large-sample regime of Berger & Sebag.

Datasets that fit in memory are loaded once, moved to the device whole and batched by index, so the
training loop does no per-sample Python work. Sources, in order: the data root (config `data_root`,
env `VAEBENCH_DATA`), then torchvision's download when the caller allows it.
`standin_<name>` datasets are generated images of the same shape, for `smoke` runs and tests on
machines without the real data.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vaebench import samplers
from vaebench.errors import UserError

DEFAULT_DATA_ROOT = "data"


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    shape: tuple[int, int, int]  # C, H, W
    folder: str  # torchvision's folder name under the data root
    files: dict[str, tuple[str, str]]  # split -> (images file, labels file) in <folder>/raw


# IDX files as torchvision lays them out (uncompressed, under <root>/<folder>/raw).
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

REGISTRY = {
    "mnist": DatasetInfo("mnist", (1, 28, 28), "MNIST", _IDX_FILES),
    "fashion_mnist": DatasetInfo("fashion_mnist", (1, 28, 28), "FashionMNIST", _IDX_FILES),
}
STANDIN_PREFIX = "standin_"


def is_sampled(name: str) -> bool:
    return name in samplers.SAMPLERS


def data_shape(name: str, args: dict | None = None) -> tuple[int, ...]:
    """Shape of one example: (C, H, W) for images, sampler-defined otherwise."""
    if is_sampled(name):
        return samplers.shape(name, args)
    return dataset_info(name).shape


def sample(name: str, n: int, generator: torch.Generator, args: dict | None = None):
    """A fresh float batch of a sampled dataset (on the CPU; generator state is checkpointed)."""
    return samplers.SAMPLERS[name][1](n, generator, **(args or {}))


def resolve_data_root(configured: str | None = None) -> Path:
    """The data root: explicit value, else $VAEBENCH_DATA, else ./data."""
    return Path(configured or os.environ.get("VAEBENCH_DATA") or DEFAULT_DATA_ROOT)


def known_datasets() -> list[str]:
    return (sorted(REGISTRY) + [STANDIN_PREFIX + name for name in sorted(REGISTRY)]
            + sorted(samplers.SAMPLERS))


def dataset_info(name: str) -> DatasetInfo:
    base = name.removeprefix(STANDIN_PREFIX)
    if base not in REGISTRY:
        raise UserError(f"unknown dataset '{name}'; known: {', '.join(known_datasets())}")
    return REGISTRY[base]


def is_available(name: str, root: str | Path | None = None) -> bool:
    """Whether the dataset can be had without downloading."""
    if is_sampled(name):
        return True
    info = dataset_info(name)  # raises for an unknown name
    if name.startswith(STANDIN_PREFIX):
        return True
    raw = resolve_data_root(root) / info.folder / "raw"
    return all((raw / f).exists() for pair in info.files.values() for f in pair)


def load(name: str, split: str = "train", root: str | Path | None = None,
         download: bool = False, standin_size: int = 2048) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (uint8 [N, C, H, W]) and labels (int64 [N]) of one split, on the CPU."""
    if split not in ("train", "test"):
        raise UserError(f"unknown split '{split}' for dataset '{name}'; use 'train' or 'test'")
    info = dataset_info(name)
    if name.startswith(STANDIN_PREFIX):
        return standin(info.shape, standin_size, seed=0 if split == "train" else 1)
    raw = resolve_data_root(root) / info.folder / "raw"
    if not is_available(name, root):
        if not download:
            raise UserError(
                f"dataset '{name}' not found: looked for {raw}/{info.files[split][0]}; set "
                f"data_root (config) or VAEBENCH_DATA to a folder holding {info.folder}/raw, "
                f"or pass --download / download=true to fetch it with torchvision")
        _download(info, resolve_data_root(root))
    images_file, labels_file = info.files[split]
    images = read_idx(raw / images_file, expected_ndim=3)
    labels = read_idx(raw / labels_file, expected_ndim=1)
    if len(images) != len(labels):
        raise UserError(f"dataset '{name}': {images_file} has {len(images)} images but "
                        f"{labels_file} has {len(labels)} labels; re-download the dataset")
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def read_idx(path: Path, expected_ndim: int) -> np.ndarray:
    """Read an uncompressed IDX file, checking its header against its size (catches truncation)."""
    blob = path.read_bytes()
    if len(blob) < 4 or blob[0] != 0 or blob[1] != 0 or blob[2] != 0x08:
        raise UserError(f"{path} is not an IDX uint8 file (bad magic number); re-download it")
    ndim = blob[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(blob[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = header + int(np.prod(dims))
    if ndim != expected_ndim or len(blob) != expected:
        raise UserError(f"{path} is corrupt: {len(blob)} bytes, header says {expected} "
                        f"({'x'.join(map(str, dims))}); re-download it")
    # copy: torch refuses to wrap the read-only buffer of `bytes` without a warning
    return np.frombuffer(blob, dtype=np.uint8, offset=header).reshape(dims).copy()


def _download(info: DatasetInfo, root: Path) -> None:
    import torchvision.datasets as tvd

    cls = {"mnist": tvd.MNIST, "fashion_mnist": tvd.FashionMNIST}[info.name]
    try:
        for train in (True, False):
            cls(root=str(root), train=train, download=True)
    except Exception as exc:  # network errors come in many types; the user needs one line
        raise UserError(f"could not download dataset '{info.name}' into {root} "
                        f"({type(exc).__name__}: {exc}); copy it there by hand") from None


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
