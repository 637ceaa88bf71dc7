"""Dataset registry: mnist, fashion_mnist, cifar10, cifar100, svhn (file formats in readers.py),
and the CelebA variants (face crop x resize mode, prepared once into a cache: celeba.py).

Image datasets are uint8 tensors [N, C, H, W] that live on the training device;
sampled datasets (synthetic distributions, e.g. points on a hypersphere) draw a fresh float batch
at every step, the large-sample regime of Berger & Sebag.

Datasets that fit in memory are loaded once, moved to the device whole and batched by index, so the
training loop does no per-sample Python work. Sources, in order: the data root (config `data_root`,
env `VAEBENCH_DATA`), then torchvision's download when the caller allows it.
`standin_<name>` datasets are generated images of the same shape, for `smoke` runs and tests on
machines without the real data.
"""

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import numpy as np
import torch

from vaebench.data import celeba, checksums, jpeg, readers, samplers
from vaebench.data.images import standin, to_float  # noqa: F401  (vaebench.data.datasets's API)
from vaebench.errors import UserError

DEFAULT_DATA_ROOT = "data"


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    shape: tuple[int, int, int]  # C, H, W
    folder: str  # where torchvision puts it under the data root ("" = the root itself)
    files: dict[str, tuple[str, ...]]  # split -> files in <root>/<folder>
    reader: Callable[[Path, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] | None
    download: Callable[[Path], None] | None  # fetches every split into the data root (None: no)
    # datasets with their own layout and preparation (CelebA): (root, split) -> (images, labels)
    loader: Callable[[Path, str], tuple[torch.Tensor, torch.Tensor]] | None = None
    make_standin: Callable[[int, int], tuple[torch.Tensor, torch.Tensor]] | None = None  # n, seed
    # applied to the images of every split read from a lossless source (e.g. the authors' JPEG
    # round trip; a JPEG image folder already is one, so it is taken as decoded)
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None
    # the same data as an image folder <root>/<one of these>/{train,test}/<class>/*.jpg|png,
    # read where the files above are absent; `classes` in the dataset's label order
    image_folders: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()


def _torchvision_download(class_name: str, split_kwarg: str = "train") -> Callable[[Path], None]:
    def download(root: Path) -> None:
        import torchvision.datasets as tvd

        cls = getattr(tvd, class_name)
        for split in ("train", "test"):
            kwargs = {"train": split == "train"} if split_kwarg == "train" else {"split": split}
            cls(root=str(root), download=True, **kwargs)
    return download


# File layouts as torchvision writes them, so a user's existing torchvision copy is found as is.
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_CIFAR10_FILES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
# torchvision's CIFAR10.classes: label i is the i-th name
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                   "truck")
# folder names an image-folder copy of CIFAR-10 goes by (the last: its GitHub repository's name)
CIFAR10_IMAGE_FOLDERS = ("cifar10-jpeg", "cifar10-png", "cifar10", "CIFAR-10-images")

REGISTRY = {
    "mnist": DatasetInfo("mnist", (1, 28, 28), "MNIST/raw", _IDX_FILES, readers.read_idx_pair,
                         _torchvision_download("MNIST")),
    "fashion_mnist": DatasetInfo("fashion_mnist", (1, 28, 28), "FashionMNIST/raw", _IDX_FILES,
                                 readers.read_idx_pair, _torchvision_download("FashionMNIST")),
    "cifar10": DatasetInfo("cifar10", (3, 32, 32), "cifar-10-batches-py", _CIFAR10_FILES,
                           partial(readers.read_cifar, label_key="labels"),
                           _torchvision_download("CIFAR10"), image_folders=CIFAR10_IMAGE_FOLDERS,
                           classes=CIFAR10_CLASSES),
    "cifar100": DatasetInfo("cifar100", (3, 32, 32), "cifar-100-python",
                            {"train": ("train",), "test": ("test",)},
                            partial(readers.read_cifar, label_key="fine_labels"),
                            _torchvision_download("CIFAR100")),
    "svhn": DatasetInfo("svhn", (3, 32, 32), "", {"train": ("train_32x32.mat",),
                                                   "test": ("test_32x32.mat",)},
                        readers.read_svhn, _torchvision_download("SVHN", split_kwarg="split")),
    # CIFAR-10 as the two-stage VAE code saw it: through a JPEG round trip (vaebench.data.jpeg)
    "cifar10_jpeg": DatasetInfo("cifar10_jpeg", (3, 32, 32), "cifar-10-batches-py",
                                _CIFAR10_FILES, partial(readers.read_cifar, label_key="labels"),
                                _torchvision_download("CIFAR10"), transform=jpeg.round_trip,
                                image_folders=CIFAR10_IMAGE_FOLDERS, classes=CIFAR10_CLASSES),
}
# CelebA: no download (torchvision's Google Drive source is rate-limited; the user provides it).
for _name, (_crop, _resize) in celeba.VARIANTS.items():
    REGISTRY[_name] = DatasetInfo(
        _name, (3, celeba.SIZE, celeba.SIZE), "celeba", {"train": ("img_align_celeba",),
                                                         "test": ("img_align_celeba",)},
        reader=None, download=None,
        loader=partial(celeba.load_split, crop=_crop, resize=_resize),
        make_standin=partial(celeba.standin, _crop, _resize))
STANDIN_PREFIX = "standin_"
# (name as people write it, format of torchvision's files) for the record
DESCRIPTIONS = {"mnist": ("MNIST", "IDX files"), "fashion_mnist": ("Fashion-MNIST", "IDX files"),
                "cifar10": ("CIFAR-10", "python pickles"),
                "cifar10_jpeg": ("CIFAR-10", "python pickles"),
                "cifar100": ("CIFAR-100", "python pickles"), "svhn": ("SVHN", ".mat files")}


def is_sampled(name: str) -> bool:
    return name in samplers.names()


def data_shape(name: str, args: dict | None = None) -> tuple[int, ...]:
    """Shape of one example: (C, H, W) for images, sampler-defined otherwise."""
    if is_sampled(name):
        return samplers.shape(name, args)
    return dataset_info(name).shape


def sample(name: str, n: int, generator: torch.Generator, args: dict | None = None):
    """A fresh float batch of a sampled dataset (on the CPU; generator state is checkpointed)."""
    return samplers.entry(name)[1](n, generator, **(args or {}))


def resolve_data_root(configured: str | None = None) -> Path:
    """The data root: explicit value, else $VAEBENCH_DATA, else ./data."""
    return Path(configured or os.environ.get("VAEBENCH_DATA") or DEFAULT_DATA_ROOT)


def data_root_problem(root: str | Path) -> str | None:
    """One line when the data root is a file (a path to an archive or a file set by mistake),
    else None. A root that does not exist yet is no problem: a download creates it."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        return (f"data root {root} is a file, not a folder; set --data-root, data_root (config) "
                f"or VAEBENCH_DATA to the folder that holds the datasets (e.g. <root>/MNIST/raw)")
    return None


def check_data_root(root: str | Path) -> Path:
    """The data root, or the one-line error of data_root_problem."""
    problem = data_root_problem(root)
    if problem:
        raise UserError(problem)
    return Path(root)


def known_datasets() -> list[str]:
    return (sorted(REGISTRY) + [STANDIN_PREFIX + name for name in sorted(REGISTRY)]
            + samplers.names())


def dataset_info(name: str) -> DatasetInfo:
    base = name.removeprefix(STANDIN_PREFIX)
    if base not in REGISTRY:
        raise UserError(f"unknown dataset '{name}'; known: {', '.join(known_datasets())}")
    return REGISTRY[base]


def can_download(name: str) -> bool:
    return is_sampled(name) or dataset_info(name).download is not None


def missing_reason(name: str, root: str | Path | None = None) -> str:
    """One line for a dataset that is not here and cannot be downloaded: where, and the fix."""
    if data_root_problem(resolve_data_root(root)):
        return data_root_problem(resolve_data_root(root))
    if name.removeprefix(STANDIN_PREFIX) in celeba.VARIANTS:
        return celeba.missing_message(resolve_data_root(root))
    return (f"dataset {name} not found under {resolve_data_root(root)}; set data_root or "
            "VAEBENCH_DATA to a folder holding it")


# Where torchvision downloads each dataset from (host, port): probed before planning a DAG, so an
# offline machine skips what it cannot fetch instead of failing at the first download.
DOWNLOAD_HOSTS = {
    "mnist": ("ossci-datasets.s3.amazonaws.com", 443),
    "fashion_mnist": ("fashion-mnist.s3-website.eu-central-1.amazonaws.com", 80),
    "cifar10": ("www.cs.toronto.edu", 443), "cifar10_jpeg": ("www.cs.toronto.edu", 443),
    "cifar100": ("www.cs.toronto.edu", 443), "svhn": ("ufldl.stanford.edu", 80),
}


@cache
def _reachable(host: str, port: int, timeout: float = 3.0) -> bool:
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def download_unreachable(name: str) -> str | None:
    """The download host of a dataset when it cannot be reached from here, else None."""
    host = DOWNLOAD_HOSTS.get(name.removeprefix(STANDIN_PREFIX))
    return None if host is None or _reachable(*host) else host[0]


def is_available(name: str, root: str | Path | None = None) -> bool:
    """Whether the dataset can be had without downloading."""
    if is_sampled(name):
        return True
    info = dataset_info(name)  # raises for an unknown name
    if name.startswith(STANDIN_PREFIX):
        return True
    return has_files(info, resolve_data_root(root)) or image_folder(info, root) is not None


def has_files(info: DatasetInfo, root: Path) -> bool:
    """Whether torchvision's files of the dataset (e.g. CIFAR's pickles) are all there."""
    folder = root / info.folder
    return all((folder / f).exists() for files in info.files.values() for f in files)


def image_folder(info: DatasetInfo, root: str | Path | None = None) -> Path | None:
    """The dataset's image-folder copy (with train/ and test/), where it has one."""
    for name in info.image_folders:
        folder = resolve_data_root(root) / name
        if (folder / "train").is_dir() and (folder / "test").is_dir():
            return folder
    return None


def folder_to_read(info: DatasetInfo, root: str | Path | None = None) -> Path | None:
    """The image folder to read instead of torchvision's files: only where those are absent
    (the pickles win)."""
    return None if has_files(info, resolve_data_root(root)) else image_folder(info, root)


def describe(name: str, root: str | Path | None = None) -> str:
    """What a dataset is as it would be read here, in words for the record (no paths): its
    source and format, and whether the JPEG round trip is applied."""
    if is_sampled(name):
        return f"sampled in code ({name})"
    info = dataset_info(name)
    if name.startswith(STANDIN_PREFIX):
        return f"generated stand-in for {info.name} (not real data)"
    if info.loader is not None:
        return f"CelebA aligned JPEGs, cropped and resized ({name}){celeba_completeness(root)}"
    title, file_format = DESCRIPTIONS[info.name]
    folder = folder_to_read(info, root)
    if folder is None:
        text = f"{title}, {file_format} ({info.folder or 'in the data root'})"
        return text + (", through the authors' JPEG round trip" if info.transform else "")
    kind = readers.image_folder_format(folder / "train")
    text = f"{title}, {kind} image folder ({folder.name}/)"
    if info.transform is None:
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
        make = info.make_standin or partial(standin, info.shape)
        return _transformed(info, *make(standin_size, 0 if split == "train" else 1))
    check_data_root(resolve_data_root(root))
    if info.loader is not None:
        return info.loader(resolve_data_root(root), split)
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
    images, labels = info.reader(folder, info.files[split])  # its size and format checked
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
    return (images if info.transform is None else info.transform(images)), labels


def _download(info: DatasetInfo, root: Path) -> None:
    """torchvision's download; a failed one takes away the folders it created (an empty
    MNIST/raw left behind would look like a dataset that is there)."""
    target = root / info.folder
    chain = [target, *target.parents][:len(info.folder.split("/")) + 1 if info.folder else 1]
    missing = [folder for folder in chain if not folder.exists()]  # innermost first
    try:
        info.download(root)
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


