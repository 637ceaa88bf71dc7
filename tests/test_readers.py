"""CIFAR-10/100 and SVHN readers, on small files written in torchvision's on-disk layout (the real
data is not available offline): shapes, pixel order, labels, and the one-line corrupt-file
errors.
"""

import pickle

import numpy as np
import pytest
import torch
from scipy.io import loadmat, savemat

from vaebench.data import datasets as data
from vaebench.errors import UserError


def _write_cifar_batch(path, n, label_key, seed):
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, n).tolist()
    with open(path, "wb") as handle:
        pickle.dump({b"data": pixels, label_key: labels}, handle)
    return pixels, labels


@pytest.fixture
def cifar10_root(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    written = [_write_cifar_batch(folder / f"data_batch_{i}", 4, b"labels", i) for i in range(1, 6)]
    _write_cifar_batch(folder / "test_batch", 3, b"labels", 9)
    return tmp_path, written


def test_cifar10_reads_all_train_batches_channel_major(cifar10_root):
    root, written = cifar10_root
    images, labels = data.load("cifar10", "train", root)
    assert images.shape == (20, 3, 32, 32) and images.dtype == torch.uint8
    first_pixels, first_labels = written[0]
    # CIFAR rows are R plane, G plane, B plane: pixel (c, y, x) sits at c*1024 + y*32 + x
    assert images[0, 1, 2, 3] == first_pixels[0, 1 * 1024 + 2 * 32 + 3]
    assert labels[:4].tolist() == first_labels
    assert data.load("cifar10", "test", root)[0].shape == (3, 3, 32, 32)


def test_cifar100_uses_fine_labels(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    _, fine = _write_cifar_batch(folder / "train", 5, b"fine_labels", 0)
    _write_cifar_batch(folder / "test", 2, b"fine_labels", 1)
    assert data.load("cifar100", "train", tmp_path)[1].tolist() == fine


def test_truncated_cifar_batch_is_reported_as_corrupt(cifar10_root):
    root, _ = cifar10_root
    batch = root / "cifar-10-batches-py" / "test_batch"
    batch.write_bytes(batch.read_bytes()[:500])
    with pytest.raises(UserError, match="test_batch is corrupt.*re-download"):
        data.load("cifar10", "test", root)


def test_svhn_maps_ten_to_zero_and_transposes(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 6), ("test", 2)):
        pixels = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
        savemat(tmp_path / f"{split}_32x32.mat", {"X": pixels, "y": np.arange(5, 5 + n)[:, None]})
    images, labels = data.load("svhn", "train", tmp_path)
    assert images.shape == (6, 3, 32, 32)
    assert labels.tolist() == [5, 6, 7, 8, 9, 0]
    pixels = loadmat(tmp_path / "train_32x32.mat")["X"]
    assert images[4, 2, 1, 7] == pixels[1, 7, 2, 4]  # [H, W, C, N] -> [N, C, H, W]


def test_missing_cifar_says_where_it_looked(tmp_path):
    with pytest.raises(UserError) as err:
        data.load("cifar10", "train", tmp_path)
    assert str(tmp_path / "cifar-10-batches-py") in str(err.value)
    assert "VAEBENCH_DATA" in str(err.value)


def test_standins_exist_for_the_colour_datasets():
    images, _ = data.load("standin_cifar10", standin_size=8)
    assert images.shape == (8, 3, 32, 32)
