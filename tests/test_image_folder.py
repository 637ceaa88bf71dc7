"""CIFAR-10 as an image folder ({train,test}/<class>/*.jpg|png): label order, class-balanced
order, the JPEG round-trip decision, the pickles' precedence, one-line errors, and the shared
copy itself."""

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import shared_data_root
from tests.test_readers import _write_cifar_batch
from vaebench.data import datasets as data
from vaebench.data import jpeg
from vaebench.errors import UserError

CLASSES = data.CIFAR10_CLASSES


def write_folder(root, suffix=".png", per_class=2, size=32, seed=0):
    """A small CIFAR-10 image folder; returns {split: {class: [HWC uint8 arrays]}}."""
    rng = np.random.default_rng(seed)
    written = {}
    for split in ("train", "test"):
        written[split] = {}
        for name in CLASSES:
            folder = root / "cifar10-jpeg" / split / name
            folder.mkdir(parents=True)
            images = rng.integers(0, 256, (per_class, size, size, 3), dtype=np.uint8)
            for i, image in enumerate(images):
                Image.fromarray(image).save(folder / f"{i:04d}{suffix}")
            written[split][name] = list(images)
    return written


def test_class_folders_map_to_cifar10_label_order_interleaved(tmp_path):
    written = write_folder(tmp_path)
    images, labels = data.load("cifar10", "train", tmp_path)
    assert images.shape == (20, 3, 32, 32) and images.dtype == torch.uint8
    assert labels.tolist() == list(range(10)) * 2  # the first of each class, then the second
    assert CLASSES.index("truck") == 9 and CLASSES.index("airplane") == 0
    second_bird = images[10 + CLASSES.index("bird")].permute(1, 2, 0).numpy()
    assert np.array_equal(second_bird, written["train"]["bird"][1])  # PNG is lossless


def test_png_folder_gets_the_authors_round_trip_jpeg_folder_is_taken_as_decoded(tmp_path):
    write_folder(tmp_path / "png")
    lossless, _ = data.load("cifar10", "test", tmp_path / "png")
    round_tripped, _ = data.load("cifar10_jpeg", "test", tmp_path / "png")
    assert torch.equal(round_tripped, jpeg.round_trip(lossless))
    assert not torch.equal(round_tripped, lossless)
    write_folder(tmp_path / "jpg", suffix=".jpg")
    decoded, _ = data.load("cifar10", "test", tmp_path / "jpg")
    taken, _ = data.load("cifar10_jpeg", "test", tmp_path / "jpg")
    assert torch.equal(taken, decoded)  # no second generation
    assert "taken as decoded" in data.describe("cifar10_jpeg", tmp_path / "jpg")
    assert "through the authors' JPEG round trip" in data.describe("cifar10_jpeg",
                                                                   tmp_path / "png")


def test_the_pickles_win_where_both_exist(tmp_path):
    write_folder(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for i in range(1, 6):
        _write_cifar_batch(folder / f"data_batch_{i}", 4, b"labels", i)
    _write_cifar_batch(folder / "test_batch", 3, b"labels", 9)
    assert data.load("cifar10", "test", tmp_path)[0].shape[0] == 3
    assert "python pickles" in data.describe("cifar10", tmp_path)


@pytest.mark.parametrize("break_it, says", [
    ("missing_class", "lacks the class folder(s) frog"),
    ("wrong_size", "is 16x16, expected 32x32"),
    ("unreadable", "is not a readable image"),
])
def test_a_broken_folder_is_one_line_naming_the_file(tmp_path, break_it, says):
    write_folder(tmp_path)
    frog = tmp_path / "cifar10-jpeg" / "train" / "frog"
    if break_it == "missing_class":
        for path in frog.iterdir():
            path.unlink()
        frog.rmdir()
    elif break_it == "wrong_size":
        Image.new("RGB", (16, 16)).save(frog / "0000.png")
    else:
        (frog / "0001.png").write_bytes(b"not an image")
    with pytest.raises(UserError) as err:
        data.load("cifar10", "train", tmp_path)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_the_shared_jpeg_copy_reads_as_cifar10():
    root = shared_data_root()
    if data.image_folder(data.dataset_info("cifar10_jpeg"), root) is None:
        pytest.skip(f"no CIFAR-10 image folder under {root}")
    images, labels = data.load("cifar10_jpeg", "test", root)
    assert images.shape == (10_000, 3, 32, 32)
    assert torch.bincount(labels).tolist() == [1000] * 10
    assert labels[:10].tolist() == list(range(10))
    with Image.open(root / "cifar10-jpeg" / "test" / "cat" / "0000.jpg") as first_cat:
        assert np.array_equal(images[3].permute(1, 2, 0).numpy(), np.asarray(first_cat))
    assert data.describe("cifar10_jpeg", root).startswith("CIFAR-10, JPEG image folder")
