"""Readers of the on-disk formats torchvision lays out, each returning (images uint8 [N, C, H, W],
labels int64 [N]) as numpy arrays, and checking sizes so a truncated or corrupt file is a one-line
error rather than a crash deep in training.
"""

import pickle
from pathlib import Path

import numpy as np

from vaebench.errors import UserError


def read_idx_pair(folder: Path, files: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-style: an images IDX file and a labels IDX file."""
    images_file, labels_file = files
    images = read_idx(folder / images_file, expected_ndim=3)
    labels = read_idx(folder / labels_file, expected_ndim=1)
    _check_counts(folder / images_file, len(images), folder / labels_file, len(labels))
    return images[:, None], labels.astype(np.int64)


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


def read_cifar(folder: Path, files: tuple[str, ...],
               label_key: str) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10/100 python pickles: dicts with b'data' [N, 3072] (channel-major) and labels."""
    images, labels = [], []
    for name in files:
        batch = _unpickle(folder / name)
        pixels = np.asarray(batch.get(b"data", []), dtype=np.uint8)
        batch_labels = np.asarray(batch.get(label_key.encode(), []), dtype=np.int64)
        if pixels.ndim != 2 or pixels.shape[1] != 3 * 32 * 32 or len(pixels) != len(batch_labels):
            raise UserError(f"{folder / name} is corrupt: data {pixels.shape}, "
                            f"{len(batch_labels)} labels; re-download it")
        images.append(pixels.reshape(-1, 3, 32, 32))
        labels.append(batch_labels)
    return np.concatenate(images), np.concatenate(labels)


def read_svhn(folder: Path, files: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """SVHN cropped digits (.mat): X [32, 32, 3, N], y [N, 1] with 10 standing for the digit 0."""
    from scipy.io import loadmat  # only SVHN needs SciPy's MATLAB reader

    path = folder / files[0]
    try:
        mat = loadmat(path)
    except Exception as exc:  # scipy raises several types for a damaged file
        raise UserError(f"{path} is corrupt ({type(exc).__name__}); re-download it") from None
    pixels, digits = mat.get("X"), mat.get("y")
    if pixels is None or digits is None or pixels.shape[:3] != (32, 32, 3):
        raise UserError(f"{path} is not SVHN's cropped-digits format (X [32,32,3,N], y); "
                        "use train_32x32.mat / test_32x32.mat")
    _check_counts(path, pixels.shape[3], path, len(digits))
    labels = digits.reshape(-1).astype(np.int64) % 10  # torchvision's convention: 10 -> 0
    return np.ascontiguousarray(pixels.transpose(3, 2, 0, 1)), labels


def _unpickle(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle, encoding="bytes")
    except Exception as exc:  # truncated pickles raise EOFError, UnpicklingError, ...
        raise UserError(f"{path} is corrupt ({type(exc).__name__}); re-download it") from None


def _check_counts(images_path: Path, n_images: int, labels_path: Path, n_labels: int) -> None:
    if n_images != n_labels:
        raise UserError(f"{images_path} has {n_images} images but {labels_path} has {n_labels} "
                        "labels; re-download the dataset")


IMAGE_SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def image_folder_format(split_folder: Path) -> str:
    """'JPEG' or 'PNG': the format of the first image found under <split>/<class>/."""
    for path in sorted(split_folder.glob("*/*")):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return IMAGE_SUFFIXES[path.suffix.lower()]
    raise UserError(f"{split_folder} holds no .jpg or .png images under <class>/ folders")


def read_image_folder(split_folder: Path, classes: tuple[str, ...],
                      shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """An image folder <split>/<class>/<name>.jpg|png: class i is `classes[i]` (a dataset's own
    label order). Images are interleaved class by class (the first of each class, then the
    second, ...), so that a prefix subset of any size is class-balanced as the pickles are."""
    from PIL import Image, UnidentifiedImageError

    missing = [name for name in classes if not (split_folder / name).is_dir()]
    if missing:
        raise UserError(f"{split_folder} lacks the class folder(s) {', '.join(missing)}; an image "
                        f"folder needs one folder per class: {', '.join(classes)}")
    per_class = [sorted(p for p in (split_folder / name).iterdir()
                        if p.suffix.lower() in IMAGE_SUFFIXES) for name in classes]
    order = [(label, paths[k]) for k in range(max(map(len, per_class)))
             for label, paths in enumerate(per_class) if k < len(paths)]
    channels, height, width = shape
    images = np.empty((len(order), height, width, channels), dtype=np.uint8)
    for i, (_, path) in enumerate(order):
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB" if channels == 3 else "L"))
        except (OSError, UnidentifiedImageError) as exc:
            raise UserError(f"{path} is not a readable image ({type(exc).__name__}); replace "
                            f"or delete it") from None
        if pixels.shape[:2] != (height, width):
            raise UserError(f"{path} is {pixels.shape[1]}x{pixels.shape[0]}, expected "
                            f"{width}x{height}; this folder is not the dataset it is named as")
        images[i] = pixels.reshape(height, width, channels)
    labels = np.array([label for label, _ in order], dtype=np.int64)
    return images.transpose(0, 3, 1, 2).copy(), labels
