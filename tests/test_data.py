"""The dataset registry: real MNIST, stand-ins, and the one-line errors for missing/corrupt data."""

import shutil

import pytest
import torch

from vaebench.data import checksums
from vaebench.data import datasets as data
from vaebench.errors import UserError


def test_real_mnist_loads_as_uint8_nchw(data_root):
    images, labels = data.load("mnist", "test", data_root)
    assert images.shape == (10_000, 1, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (10_000,) and set(labels.unique().tolist()) == set(range(10))
    assert 0 < images.float().mean() < 255


def test_standin_has_the_real_shape_and_is_deterministic():
    first, _ = data.load("standin_fashion_mnist", standin_size=32)
    second, _ = data.load("standin_fashion_mnist", standin_size=32)
    assert first.shape == (32, 1, 28, 28) and first.dtype == torch.uint8
    assert torch.equal(first, second) and first.float().std() > 0


def test_missing_dataset_names_dataset_path_and_fix(tmp_path):
    with pytest.raises(UserError) as err:
        data.load("fashion_mnist", "train", tmp_path)
    message = str(err.value)
    assert "fashion_mnist" in message and str(tmp_path / "FashionMNIST" / "raw") in message
    assert "VAEBENCH_DATA" in message and "\n" not in message


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(UserError, match="unknown dataset 'cifar7'.*mnist"):
        data.load("cifar7")


def test_truncated_idx_file_is_reported_as_corrupt(data_root, tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                 "train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        shutil.copy(data_root / "MNIST" / "raw" / name, raw / name)
    blob = (raw / "t10k-images-idx3-ubyte").read_bytes()
    (raw / "t10k-images-idx3-ubyte").write_bytes(blob[:-100])
    with pytest.raises(UserError, match="t10k-images-idx3-ubyte is corrupt.*re-download"):
        data.load("mnist", "test", tmp_path)


def test_data_root_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VAEBENCH_DATA", str(tmp_path))
    assert data.resolve_data_root(None) == tmp_path
    assert data.resolve_data_root("elsewhere").name == "elsewhere"


@pytest.mark.parametrize("dataset,folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_an_idx_file_that_is_not_the_canonical_one_is_refused(dataset, folder, data_root,
                                                              tmp_path):
    """A well-formed IDX file with one pixel changed: its size and header hold, its MD5 does
    not match the published one."""
    if not (data_root / folder / "raw" / "t10k-images-idx3-ubyte").exists():
        pytest.skip(f"{folder} not found under {data_root}")
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    for name in checksums.MD5[dataset]:  # all four: the dataset is found by its whole set
        shutil.copy(data_root / folder / "raw" / name, raw / name)
    images, _ = data.load(dataset, "test", tmp_path)  # the canonical files pass
    assert images.shape == (10_000, 1, 28, 28)
    blob = bytearray((raw / "t10k-images-idx3-ubyte").read_bytes())
    blob[-1] ^= 0xFF
    (raw / "t10k-images-idx3-ubyte").write_bytes(bytes(blob))
    with pytest.raises(UserError, match=rf"t10k-images-idx3-ubyte is not the canonical {dataset} "
                                        r"file \(MD5 [0-9a-f]{32}, published "
                                        f"{checksums.MD5[dataset]['t10k-images-idx3-ubyte']}"):
        data.load(dataset, "test", tmp_path)
