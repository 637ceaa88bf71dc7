"""The dataset catalog: every dataset's name, example shape, files and download source, and
whether it is here; what checking a spec and planning the DAG need, with no image code and no
torch (vaebench.data.datasets loads them).

Image datasets are registered here under kind "dataset" (vaebench.registry); sampled datasets
are a paper's "sampler" parts, known by name. `standin_<name>` is a generated stand-in of the
same shape as <name>, for `smoke` runs and tests on machines without the real data.
"""

import os
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vaebench import registry
from vaebench.data import celeba_variants
from vaebench.errors import UserError

DEFAULT_DATA_ROOT = "data"
STANDIN_PREFIX = "standin_"


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    shape: tuple[int, int, int]  # C, H, W
    folder: str  # where torchvision puts it under the data root ("" = the root itself)
    files: dict[str, tuple[str, ...]]  # split -> files in <root>/<folder>
    file_format: str  # how vaebench.data.datasets reads the files: idx, cifar10, ... or celeba
    # torchvision's dataset class and its split argument ("train": train=bool, else split=str);
    # None: no download (CelebA: torchvision's Google Drive source is rate-limited)
    torchvision: tuple[str, str] | None
    # the authors' JPEG round trip, applied to the images of every split read from a lossless
    # source (a JPEG image folder already is one, so it is taken as decoded)
    jpeg_round_trip: bool = False
    # the same data as an image folder <root>/<one of these>/{train,test}/<class>/*.jpg|png,
    # read where the files above are absent; `classes` in the dataset's label order
    image_folders: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    celeba_variant: tuple[str, str] | None = None  # (crop, resize) of a CelebA variant

    @property
    def can_download(self) -> bool:
        return self.torchvision is not None


# File layouts as torchvision writes them, so a user's existing torchvision copy is found as is.
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CIFAR10_FILES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
# torchvision's CIFAR10.classes: label i is the i-th name
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                   "truck")
# folder names an image-folder copy of CIFAR-10 goes by (the last: its GitHub repository's name)
CIFAR10_IMAGE_FOLDERS = ("cifar10-jpeg", "cifar10-png", "cifar10", "CIFAR-10-images")

IMAGE_DATASETS = [
    DatasetInfo("mnist", (1, 28, 28), "MNIST/raw", IDX_FILES, "idx", ("MNIST", "train")),
    DatasetInfo("fashion_mnist", (1, 28, 28), "FashionMNIST/raw", IDX_FILES, "idx",
                ("FashionMNIST", "train")),
    DatasetInfo("cifar10", (3, 32, 32), "cifar-10-batches-py", CIFAR10_FILES, "cifar10",
                ("CIFAR10", "train"), image_folders=CIFAR10_IMAGE_FOLDERS,
                classes=CIFAR10_CLASSES),
    DatasetInfo("cifar100", (3, 32, 32), "cifar-100-python",
                {"train": ("train",), "test": ("test",)}, "cifar100", ("CIFAR100", "train")),
    DatasetInfo("svhn", (3, 32, 32), "", {"train": ("train_32x32.mat",),
                                           "test": ("test_32x32.mat",)}, "svhn",
                ("SVHN", "split")),
    # CIFAR-10 as the two-stage VAE code saw it: through a JPEG round trip (vaebench.data.jpeg)
    DatasetInfo("cifar10_jpeg", (3, 32, 32), "cifar-10-batches-py", CIFAR10_FILES, "cifar10",
                ("CIFAR10", "train"), jpeg_round_trip=True, image_folders=CIFAR10_IMAGE_FOLDERS,
                classes=CIFAR10_CLASSES),
] + [
    DatasetInfo(name, (3, celeba_variants.SIZE, celeba_variants.SIZE), "celeba",
                {"train": ("img_align_celeba",), "test": ("img_align_celeba",)}, "celeba", None,
                celeba_variant=variant)
    for name, variant in celeba_variants.VARIANTS.items()
]
for _info in IMAGE_DATASETS:
    registry.register("dataset", _info.name, _info)

# (name as people write it, format of torchvision's files) for the record
DESCRIPTIONS = {"mnist": ("MNIST", "IDX files"), "fashion_mnist": ("Fashion-MNIST", "IDX files"),
                "cifar10": ("CIFAR-10", "python pickles"),
                "cifar10_jpeg": ("CIFAR-10", "python pickles"),
                "cifar100": ("CIFAR-100", "python pickles"), "svhn": ("SVHN", ".mat files")}


def is_sampled(name: str) -> bool:
    return registry.has("sampler", name)


def known_datasets() -> list[str]:
    images = registry.names("dataset")
    return images + [STANDIN_PREFIX + name for name in images] + registry.names("sampler")


def dataset_info(name: str) -> DatasetInfo:
    base = name.removeprefix(STANDIN_PREFIX)
    if not registry.has("dataset", base):
        raise UserError(f"unknown dataset '{name}'; known: {', '.join(known_datasets())}")
    return registry.get("dataset", base)


def check_names(names: list[str]) -> None:
    """A one-line UserError for the first name that is no dataset, sampled or not."""
    for name in names:
        if not is_sampled(name):
            dataset_info(name)


# ---------------------------------------------------------------- the data root

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


# ---------------------------------------------------------------- here, or to be fetched

def can_download(name: str) -> bool:
    return is_sampled(name) or dataset_info(name).can_download


def missing_reason(name: str, root: str | Path | None = None) -> str:
    """One line for a dataset that is not here and cannot be downloaded: where, and the fix."""
    if data_root_problem(resolve_data_root(root)):
        return data_root_problem(resolve_data_root(root))
    if name.removeprefix(STANDIN_PREFIX) in celeba_variants.VARIANTS:
        return celeba_variants.missing_message(resolve_data_root(root))
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
