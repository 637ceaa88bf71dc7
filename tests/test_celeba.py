"""CelebA on a tiny fake tree written by the tests (the real data is not on the CI machine):
layout detection, the authors' crop box, each resize mode, split determinism, the cache, and the
one-line errors for missing or corrupt files."""

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import copy_workflow, shared_data_root
from vaebench.cli import main
from vaebench.data import celeba
from vaebench.data import datasets as data
from vaebench.errors import UserError

WIDTH, HEIGHT = celeba.ALIGNED_WH


def _coordinates_image() -> np.ndarray:
    """R = row index, G = column index, B = 0: every pixel says where it came from."""
    rows, cols = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
    return np.stack([rows, cols, np.zeros_like(rows)], axis=-1).astype(np.uint8)


def _write_tree(root, n=20, partition=True, nested=False, suffix=".jpg", order=None):
    folder = root / "celeba" / "img_align_celeba"
    if nested:
        folder = folder / "img_align_celeba"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"{i + 1:06d}{suffix}" for i in range(n)]
    for i in order or range(n):
        pixels = rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / names[i], quality=95)
    if partition:
        codes = [0] * (n - 6) + [1] * 3 + [2] * 3
        lines = [f"{name} {code}" for name, code in zip(names, codes, strict=True)]
        (root / "celeba" / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return folder, names


def test_torchvision_layout_uses_the_official_partition(tmp_path):
    _, names = _write_tree(tmp_path)
    splits = celeba.split_names(tmp_path)
    assert splits["train"] == names[:14] and splits["valid"] == names[14:17]
    assert splits["test"] == names[17:]


def test_kaggle_layout_nested_folder_and_csv_partition(tmp_path):
    _, names = _write_tree(tmp_path, n=8, partition=False, nested=True)
    rows = ["image_id,partition"] + [f"{name},{2 if i == 7 else 0}" for i, name in enumerate(names)]
    (tmp_path / "celeba" / "list_eval_partition.csv").write_text("\n".join(rows) + "\n")
    splits = celeba.split_names(tmp_path)
    assert splits["test"] == [names[7]] and len(splits["train"]) == 7


def test_a_folder_without_its_partition_file_is_refused(tmp_path):
    # no split by another rule (sorted names): tests/test_first_day_celeba.py has the cases
    _write_tree(tmp_path, n=20, partition=False)
    with pytest.raises(UserError, match="list_eval_partition.txt is missing"):
        celeba.split_names(tmp_path)


def test_crop_box_is_rows_45_to_172_and_columns_25_to_152():
    face = celeba.crop_and_resize(Image.fromarray(_coordinates_image()), "crop128", "nearest")
    rows, cols = face[0].astype(int), face[1].astype(int)
    assert face.shape == (3, 64, 64)
    assert 45 <= rows.min() <= 46 and 171 <= rows.max() <= 172
    assert 25 <= cols.min() <= 26 and 151 <= cols.max() <= 152
    assert (rows[:, 0] == rows[:, 5]).all() and (cols[0] == cols[7]).all()  # no transposition
    wae = celeba.crop_and_resize(Image.fromarray(_coordinates_image()), "crop140", "nearest")
    assert 39 <= wae[0].min() <= 40 and 177 <= wae[0].max() <= 178


def test_resize_modes_on_a_pixel_checkerboard():
    """A one-pixel checkerboard is pure high frequency: nearest keeps one phase of it (black or
    white everywhere), the antialiased bilinear and bicubic filters average it to mid grey."""
    rows, cols = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
    board = np.repeat((((rows + cols) % 2) * 255).astype(np.uint8)[..., None], 3, axis=-1)
    image = Image.fromarray(board)
    nearest = celeba.crop_and_resize(image, "crop128", "nearest")
    bilinear = celeba.crop_and_resize(image, "crop128", "bilinear")
    bicubic = celeba.crop_and_resize(image, "crop128", "bicubic")
    assert set(np.unique(nearest)) <= {0, 255}
    assert abs(float(bilinear.mean()) - 127.5) < 2 and bilinear.std() < 2
    assert abs(float(bicubic.mean()) - 127.5) < 3
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 256, (HEIGHT, WIDTH, 3),
                                                              dtype=np.uint8))
    faces = [celeba.crop_and_resize(noise, "crop128", mode) for mode in celeba.RESIZES]
    assert all(not np.array_equal(a, b) for i, a in enumerate(faces) for b in faces[i + 1:])


def test_dataset_names_cover_every_crop_and_resize():
    assert celeba.VARIANTS["celeba"] == ("crop128", "bilinear")
    assert celeba.VARIANTS["celeba_nearest"] == ("crop128", "nearest")
    assert celeba.VARIANTS["celeba_crop140_bicubic"] == ("crop140", "bicubic")
    assert data.data_shape("celeba_bicubic") == (3, 64, 64)


def test_load_builds_the_cache_once_and_reuses_it(tmp_path, monkeypatch):
    monkeypatch.setenv(celeba.CACHE_ENV, str(tmp_path / "cache"))
    folder, names = _write_tree(tmp_path / "root")
    train, labels = data.load("celeba", "train", tmp_path / "root")
    assert train.shape == (14, 3, 64, 64) and train.dtype == torch.uint8 and len(labels) == 14
    expected = celeba.read_face(folder / names[0], "crop128", "bilinear")
    assert np.array_equal(train[0].numpy(), expected)
    cache = tmp_path / "cache" / "celeba_crop128_bilinear.pt"
    provenance = torch.load(cache, weights_only=True)["provenance"]
    assert provenance["counts"] == {"train": 14, "valid": 3, "test": 3}
    assert provenance["crop"] == "crop128" and provenance["resize"] == "bilinear"
    for path in folder.iterdir():  # the images are gone: only the cache can answer now
        path.unlink()
    test, _ = data.load("celeba", "test", tmp_path / "root")
    assert test.shape == (3, 3, 64, 64)
    assert torch.equal(data.load("celeba", "train", tmp_path / "root")[0], train)


def test_cache_of_another_resize_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(celeba.CACHE_ENV, str(tmp_path / "cache"))
    _write_tree(tmp_path / "root")
    data.load("celeba_nearest", "train", tmp_path / "root")
    (tmp_path / "cache" / "celeba_crop128_nearest.pt").rename(
        tmp_path / "cache" / "celeba_crop128_bicubic.pt")
    with pytest.raises(UserError, match="holds crop crop128 / resize nearest"):
        data.load("celeba_bicubic", "train", tmp_path / "root")


def test_missing_celeba_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv(celeba.CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(UserError) as error:
        data.load("celeba", "train", tmp_path)
    message = str(error.value)
    assert message.startswith(f"dataset celeba not found at {tmp_path}/celeba/img_align_celeba;")
    assert "\n" not in message and "VAEBENCH_DATA" in message
    assert not data.is_available("celeba", tmp_path) and not data.can_download("celeba")
    assert data.missing_reason("celeba_nearest", tmp_path) == message
    assert not (tmp_path / "cache").exists()


def test_corrupt_jpeg_is_named_and_leaves_no_cache(tmp_path, capsys):
    folder, names = _write_tree(tmp_path / "root")
    blob = (folder / names[3]).read_bytes()
    (folder / names[3]).write_bytes(blob[: len(blob) // 3])  # truncated
    out = tmp_path / "cache" / "celeba_crop128_bilinear.pt"
    code = main(["prepare-celeba", "--out", str(out), "--data-root", str(tmp_path / "root")])
    err = capsys.readouterr().err
    assert code == 2 and names[3] in err and "re-extract" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists() and not list(out.parent.glob("*"))


def test_image_of_the_wrong_size_is_named(tmp_path):
    folder, names = _write_tree(tmp_path)
    Image.new("RGB", (64, 64)).save(folder / names[0])
    with pytest.raises(UserError, match="not an aligned CelebA image"):
        celeba.read_face(folder / names[0], "crop128", "bilinear")


def _write_subset(root):
    """30 images listed (20 train, listed in reverse so the file's order is not the sorted one;
    5 valid; 5 test), 10 train and 3 test present, no valid, and one present image unlisted."""
    present = [1, 4, 5, 8, 11, 12, 15, 16, 17, 19] + [25, 27, 29]  # 0-based indices
    folder, names = _write_tree(root, n=30, partition=False, order=present)
    listing = ([(name, 0) for name in reversed(names[:20])] + [(name, 1) for name in names[20:25]]
               + [(name, 2) for name in names[25:]])
    lines = [f"{name} {code}" for name, code in listing]
    (root / "celeba" / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    Image.fromarray(np.zeros((HEIGHT, WIDTH, 3), np.uint8)).save(folder / "000099.jpg")
    train = [names[i] for i in reversed(present[:10])]
    return folder, train, [names[i] for i in present[10:]]


def test_subset_takes_the_images_present_in_the_partition_order(tmp_path):
    _, train, test = _write_subset(tmp_path)
    splits = celeba.split_names(tmp_path)
    assert splits == {"train": train, "valid": [], "test": test}  # 000099.jpg: in no split


def test_subset_loads_train_and_test_and_records_listed_and_present(tmp_path, monkeypatch):
    monkeypatch.setenv(celeba.CACHE_ENV, str(tmp_path / "cache"))
    folder, train, test = _write_subset(tmp_path / "root")
    images, _ = data.load("celeba", "train", tmp_path / "root")
    assert images.shape == (10, 3, 64, 64)
    assert np.array_equal(images[0].numpy(), celeba.read_face(folder / train[0], "crop128",
                                                              "bilinear"))
    assert len(data.load("celeba", "test", tmp_path / "root")[0]) == 3
    cache = tmp_path / "cache" / "celeba_crop128_bilinear.pt"
    provenance = torch.load(cache, weights_only=True)["provenance"]
    assert provenance["splits"] == {"train": {"listed": 20, "present": 10},
                                    "valid": {"listed": 5, "present": 0},
                                    "test": {"listed": 5, "present": 3}}
    assert provenance["counts"] == {"train": 10, "valid": 0, "test": 3}


def test_split_with_no_image_present_is_a_one_line_error(tmp_path):
    folder, _, _ = _write_subset(tmp_path / "root")
    with pytest.raises(UserError) as error:
        celeba.load_split(tmp_path / "root", "valid", "crop128", "bilinear", tmp_path / "cache")
    message = str(error.value)
    assert message.startswith(f"dataset celeba: no image of the valid partition is present in "
                              f"{folder} (0 of 5 listed);")
    assert "\n" not in message and "add them" in message
    assert (tmp_path / "cache" / "celeba_crop128_bilinear.pt").exists()  # train/test still serve


def test_shared_celeba_subset_splits_from_the_partition_file():
    """The shared copy (8,000 train and 4,640 test images of the full partition file), split
    without decoding an image: the counts the cache would record."""
    root = shared_data_root()
    if not (root / "celeba" / "list_eval_partition.txt").exists():
        pytest.skip(f"CelebA not found under {root}; set VAEBENCH_DATA")
    listed, present = celeba.listed_and_present(root)
    assert celeba.split_counts(listed, present) == {
        "train": {"listed": 162_770, "present": 8000}, "valid": {"listed": 19_867, "present": 0},
        "test": {"listed": 19_962, "present": 4640}}
    for split, names in present.items():  # the partition file's order
        where = {name: index for index, name in enumerate(listed[split])}
        assert [where[name] for name in names] == sorted(where[name] for name in names)


def test_corrupt_cache_says_delete_it(tmp_path):
    path = tmp_path / "celeba_crop128_bilinear.pt"
    path.write_bytes(b"not a torch file")
    with pytest.raises(UserError, match="corrupt.*delete it"):
        celeba.read_cache(path, "crop128", "bilinear")


def test_unknown_resize_mode_is_refused(tmp_path, capsys):
    code = main(["prepare-celeba", "--resize", "lanczos", "--out", str(tmp_path / "x.pt")])
    assert code == 2 and "unknown resize mode 'lanczos'" in capsys.readouterr().err


def test_standin_goes_through_the_same_pipeline():
    a, labels = data.load("standin_celeba", "train", standin_size=12)
    b, _ = data.load("standin_celeba", "train", standin_size=12)
    nearest, _ = data.load("standin_celeba_nearest", "train", standin_size=12)
    assert a.shape == (12, 3, 64, 64) and a.dtype == torch.uint8 and torch.equal(a, b)
    assert not torch.equal(a, nearest)
    assert not torch.equal(a, data.load("standin_celeba", "test", standin_size=12)[0])


@pytest.mark.slow
def test_one_preparation_serves_every_papers_celeba_runs(tmp_path):
    """A dry run at quick over a fake CelebA: the CelebA artifacts of all three papers (asperti2020
    table3, dai2020 figure2, berger2020 table2_celeba) plan their training on the one prepared
    crop128/bilinear cache - one celeba_cache job, one dataset check - not one per paper."""
    import re
    import subprocess
    import sys

    _write_tree(tmp_path / "data")
    work = tmp_path / "work"
    copy_workflow(work)
    targets = ["results/asperti2020/table3.csv", "results/dai2020/figure2.csv",
               "results/berger2020/table2_celeba.csv"]
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", *targets, "--config",
         "scale=quick", f"data_root={tmp_path / 'data'}", "download=false"],
        cwd=work, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    log = result.stdout + result.stderr
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", log, flags=re.MULTILINE))
    assert counts["celeba_cache"] == "1" and counts["dataset"] == "1"
    assert "prepare CelebA once into results/data/celeba_crop128_bilinear.pt" in log
    for paper in ("asperti2020", "dai2020", "berger2020"):
        assert re.search(rf"train {paper}/\S+ seed \d+ \(quick\)", log), paper
