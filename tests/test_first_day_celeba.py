"""CelebA without its partition file, and a data root that is a file: one line each, naming
what is missing or wrong and where it goes, on tiny fake folders."""

import pytest
import torch

from tests.test_celeba import _write_tree
from vaebench import cli
from vaebench.data import celeba
from vaebench.data import datasets as data
from vaebench.errors import UserError


@pytest.fixture
def no_partition(tmp_path, monkeypatch):
    """A data root with 8 aligned images and no list_eval_partition file; the cache elsewhere."""
    monkeypatch.setenv(celeba.CACHE_ENV, str(tmp_path / "cache"))
    root = tmp_path / "root"
    _write_tree(root, n=8, partition=False)
    return root


def assert_names_the_partition_file(message: str, root):
    expected = root / "celeba" / "list_eval_partition.txt"
    assert f"{expected} is missing" in message and "beside img_align_celeba" in message
    assert "\n" not in message


@pytest.mark.parametrize("read", [
    lambda root: celeba.split_names(root),
    lambda root: celeba.listed_and_present(root),
    lambda root: data.load("celeba", "train", root),
    lambda root: data.load("celeba_crop140_bicubic", "test", root),
    lambda root: celeba.prepare(root, "crop128", "bilinear", root / "cache.pt"),
], ids=["split_names", "listed_and_present", "load celeba", "load a variant", "prepare"])
def test_celeba_without_its_partition_file_is_one_line(no_partition, tmp_path, read):
    with pytest.raises(UserError) as error:
        read(no_partition)
    assert_names_the_partition_file(str(error.value), no_partition)
    assert not (tmp_path / "cache").exists() and not (no_partition / "cache.pt").exists()


def test_the_kaggle_layout_without_its_partition_file_too(tmp_path):
    _write_tree(tmp_path, n=4, partition=False, nested=True)
    with pytest.raises(UserError) as error:
        celeba.split_names(tmp_path)
    assert_names_the_partition_file(str(error.value), tmp_path)


def test_a_partition_folder_is_not_a_partition_file(no_partition):
    (no_partition / "celeba" / "list_eval_partition.txt").mkdir()
    with pytest.raises(UserError) as error:
        celeba.split_names(no_partition)
    assert_names_the_partition_file(str(error.value), no_partition)


def test_the_cli_says_it_in_one_line(no_partition, tmp_path, capsys):
    code = cli.main(["datasets", "--prepare", "celeba", "--data-root", str(no_partition)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("vaebench: error: dataset celeba:")
    assert_names_the_partition_file(err[0], no_partition)
    code = cli.main(["prepare-celeba", "--out", str(tmp_path / "c.pt"), "--data-root",
                     str(no_partition)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and not (tmp_path / "c.pt").exists()


def test_a_cache_split_by_sorted_names_is_refused(no_partition, tmp_path):
    """A cache an older vaebench built from a folder without its partition file."""
    cache = celeba.cache_path("crop128", "bilinear")
    cache.parent.mkdir(parents=True)
    faces = torch.zeros(2, 3, 64, 64, dtype=torch.uint8)
    torch.save({"train": faces, "test": faces, "provenance": {
        "crop": "crop128", "resize": "bilinear",
        "split": "sorted names, Dai & Wipf's index ranges"}}, cache)
    with pytest.raises(UserError, match="split by sorted file names.*delete it"):
        data.load("celeba", "train", no_partition)


def test_with_the_partition_file_it_reads(tmp_path, monkeypatch):
    monkeypatch.setenv(celeba.CACHE_ENV, str(tmp_path / "cache"))
    _write_tree(tmp_path / "root", n=20)
    images, _ = data.load("celeba", "test", tmp_path / "root")
    assert images.shape == (3, 3, 64, 64)
    provenance = torch.load(celeba.cache_path("crop128", "bilinear"),
                            weights_only=True)["provenance"]
    assert provenance["split"].endswith("list_eval_partition.txt")


@pytest.fixture
def file_root(tmp_path):
    root = tmp_path / "data.tar"
    root.write_bytes(b"not a folder")
    return root


@pytest.mark.parametrize("name", ["mnist", "celeba", "cifar10"])
def test_a_data_root_that_is_a_file_is_one_line(file_root, name):
    with pytest.raises(UserError) as error:
        data.load(name, "train", file_root)
    message = str(error.value)
    assert message.startswith(f"data root {file_root} is a file, not a folder; set --data-root")
    assert "VAEBENCH_DATA" in message and "\n" not in message
    assert data.missing_reason(name, file_root) == message


def test_a_data_root_that_is_a_file_through_the_cli(file_root, capsys, monkeypatch):
    for argv in (["datasets", "--data-root", str(file_root)],
                 ["datasets", "--prepare", "mnist", "--download", "--data-root", str(file_root)],
                 ["prepare-celeba", "--out", str(file_root.parent / "c.pt"), "--data-root",
                  str(file_root)]):
        code = cli.main(argv)
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        assert code == 2 and len(err) == 1, (argv, captured)
        assert err[0] == f"vaebench: error: {data.data_root_problem(file_root)}"
    monkeypatch.setenv("VAEBENCH_DATA", str(file_root))  # the same from the environment
    assert cli.main(["datasets"]) == 2


def test_standins_and_sampled_data_need_no_data_root(file_root):
    images, _ = data.load("standin_mnist", "train", file_root, standin_size=8)
    assert len(images) == 8
    assert data.is_available("standin_mnist", file_root)
