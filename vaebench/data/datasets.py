"""Loading datasets: mnist, fashion_mnist, cifar10, cifar100, svhn (file formats in readers.py),
and the CelebA variants (face crop x resize mode, prepared once into a cache: celeba.py). Which
datasets there are, their shapes and files, and whether they are here: vaebench.data.catalog.

Image datasets are uint8 tensors [N, C, H, W] that live on the training device;
sampled datasets (synthetic distributions, e.g. points on a hypersphere) draw a fresh float batch
at every step, the large-sample regime of Berger & Sebag.

Datasets that fit in memory are loaded once, moved to the device whole and batched by index, so the
training loop does no per-sample Python work. Sources, in order: the data root (config `data_root`,
env `VAEBENCH_DATA`), then torchvision's download when the caller allows it.
`standin_<name>` datasets are generated images of the same shape, for `smoke` runs and tests on
machines without the real data.
"""

from functools import partial
from pathlib import Path

import torch

from vaebench.data import celeba, checksums, jpeg, readers, samplers
from vaebench.data.catalog import (  # noqa: F401  (vaebench.data.datasets's API)
    CIFAR10_CLASSES,
    DEFAULT_DATA_ROOT,
    DESCRIPTIONS,
    STANDIN_PREFIX,
    DatasetInfo,
    can_download,
    check_data_root,
    data_root_problem,
    dataset_info,
    download_unreachable,
    folder_to_read,
    has_files,
    image_folder,
    is_available,
    is_sampled,
    known_datasets,
    missing_reason,
    resolve_data_root,
)
from vaebench.data.images import standin, to_float  # noqa: F401  (vaebench.data.datasets's API)
from vaebench.errors import UserError

# how each file format of the catalog is read: (folder, files) -> (images, labels) as numpy
READERS = {"idx": readers.read_idx_pair,
           "cifar10": partial(readers.read_cifar, label_key="labels"),
           "cifar100": partial(readers.read_cifar, label_key="fine_labels"),
           "svhn": readers.read_svhn}


def _torchvision_download(info: DatasetInfo, root: Path) -> None:
    import torchvision.datasets as tvd

    class_name, split_kwarg = info.torchvision
    cls = getattr(tvd, class_name)
    for split in ("train", "test"):
        kwargs = {"train": split == "train"} if split_kwarg == "train" else {"split": split}
        cls(root=str(root), download=True, **kwargs)


def _jpeg_round_trip(info: DatasetInfo, images: torch.Tensor) -> torch.Tensor:
    return jpeg.round_trip(images) if info.jpeg_round_trip else images


def data_shape(name: str, args: dict | None = None) -> tuple[int, ...]:
    """Shape of one example: (C, H, W) for images, sampler-defined otherwise."""
    if is_sampled(name):
        return samplers.shape(name, args)
    return dataset_info(name).shape


def sample(name: str, n: int, generator: torch.Generator, args: dict | None = None):
    """A fresh float batch of a sampled dataset (on the CPU; generator state is checkpointed)."""
    return samplers.entry(name).sample(n, generator, **(args or {}))


def describe(name: str, root: str | Path | None = None) -> str:
    """What a dataset is as it would be read here, in words for the record (no paths): its
    source and format, and whether the JPEG round trip is applied."""
    if is_sampled(name):
        return f"sampled in code ({name})"
    info = dataset_info(name)
    if name.startswith(STANDIN_PREFIX):
        return f"generated stand-in for {info.name} (not real data)"
    if info.celeba_variant is not None:
        return f"CelebA aligned JPEGs, cropped and resized ({name}){celeba_completeness(root)}"
    title, file_format = DESCRIPTIONS[info.name]
    folder = folder_to_read(info, root)
    if folder is None:
        text = f"{title}, {file_format} ({info.folder or 'in the data root'})"
        return text + (", through the authors' JPEG round trip" if info.jpeg_round_trip else "")
    kind = readers.image_folder_format(folder / "train")
    text = f"{title}, {kind} image folder ({folder.name}/)"
    if not info.jpeg_round_trip:
        return text
    return text + (", taken as decoded (the files already are one JPEG round trip)"
                   if kind == "JPEG" else ", through the authors' JPEG round trip")


def celeba_completeness(root: str | Path | None = None) -> str:
    """', of the official partition: train 8,000 of 162,770 present, ...' (a user's CelebA may
    be a subset; the record says how much of it trained and evaluated a run)."""
    try:
        listed, present = celeba.listed_and_present(resolve_data_root(root))
    except UserError:
        return ""
    counts = ", ".join(f"{split} {len(present[split]):,} of {len(listed[split]):,}"
                       for split in ("train", "valid", "test"))
    return f"; images present per split: {counts}"


def load(name: str, split: str = "train", root: str | Path | None = None,
         download: bool = False, standin_size: int = 2048) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (uint8 [N, C, H, W]) and labels (int64 [N]) of one split, on the CPU."""
    if split not in ("train", "test"):
        raise UserError(f"unknown split '{split}' for dataset '{name}'; use 'train' or 'test'")
    info = dataset_info(name)
    if name.startswith(STANDIN_PREFIX):
        make = (partial(celeba.standin, *info.celeba_variant) if info.celeba_variant
                else partial(standin, info.shape))
        return _transformed(info, *make(standin_size, 0 if split == "train" else 1))
    check_data_root(resolve_data_root(root))
    if info.celeba_variant is not None:
        crop, resize = info.celeba_variant
        return celeba.load_split(resolve_data_root(root), split, crop=crop, resize=resize)
    folder = resolve_data_root(root) / info.folder
    folder_copy = folder_to_read(info, root)
    if folder_copy is not None:
        return _from_image_folder(info, folder_copy, split)
    if not is_available(name, root):
        if not download:
            raise UserError(
                f"dataset '{name}' not found: looked for {folder / info.files[split][0]}; set "
                f"data_root (config) or VAEBENCH_DATA to a folder holding "
                f"{info.folder or info.files[split][0]}, or pass --download / download=true to "
                f"fetch it with torchvision")
        _download(info, resolve_data_root(root))
    images, labels = READERS[info.file_format](folder, info.files[split])  # size, format checked
    checksums.verify(name, folder, info.files[split])
    return _transformed(info, torch.from_numpy(images), torch.from_numpy(labels))


def _from_image_folder(info: DatasetInfo, folder: Path, split: str):
    """A split of the image-folder copy; the JPEG round trip only for a lossless (PNG) folder:
    a JPEG folder already went through one, and a second would be data nobody trained on."""
    images, labels = readers.read_image_folder(folder / split, info.classes, info.shape)
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)
    if readers.image_folder_format(folder / split) == "JPEG":
        return images, labels
    return _transformed(info, images, labels)


def _transformed(info: DatasetInfo, images: torch.Tensor, labels: torch.Tensor):
    return _jpeg_round_trip(info, images), labels


def _download(info: DatasetInfo, root: Path) -> None:
    """torchvision's download; a failed one takes away the folders it created (an empty
    MNIST/raw left behind would look like a dataset that is there)."""
    target = root / info.folder
    chain = [target, *target.parents][:len(info.folder.split("/")) + 1 if info.folder else 1]
    missing = [folder for folder in chain if not folder.exists()]  # innermost first
    try:
        _torchvision_download(info, root)
    except Exception as exc:  # network errors come in many types; the user needs one line
        _remove_if_empty(missing)
        said = " ".join(str(exc).split())  # torchvision lists every mirror tried, a line each
        said = said if len(said) <= 160 else said[:157] + "..."
        raise UserError(f"could not download dataset '{info.name}' into {root} "
                        f"({type(exc).__name__}: {said}); copy it there by hand, or set "
                        f"data_root / VAEBENCH_DATA to a folder holding it") from None


def _remove_if_empty(folders: list[Path]) -> None:
    """Remove these folders (innermost first) where a failed download left them empty."""
    for folder in folders:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


