"""A full disk while a checkpoint is written: torch.save raises RuntimeError (its C++ stream
writer), not OSError; vaebench turns it into one line naming the file and the fix, leaves no
partial file and keeps the previous checkpoint. On a real full file system (a 64 KiB tmpfs,
where mounting is permitted) and with torch.save made to fail."""

import shutil
import subprocess
import sys

import pytest
import torch
import yaml

from vaebench import atomic, cli
from vaebench.errors import UserError


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB file system of its own (tmpfs), or a skip where mounting one is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("needs Linux's mount to make a small full file system")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], capture_output=True, check=False)


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


def test_a_full_file_system_keeps_the_old_checkpoint(tiny_disk):
    target = tiny_disk / "checkpoint.pt"
    atomic.write_torch(target, {"epoch": 1})
    with pytest.raises(UserError) as error:
        atomic.write_torch(target, {"weights": torch.zeros(100_000)})  # 400 KB onto 64 KiB
    message = str(error.value)
    assert str(target) in message and f"free space on {tiny_disk} and run again" in message
    assert "the run resumes from its last checkpoint" in message and "\n" not in message
    assert torch.load(target, weights_only=True) == {"epoch": 1}  # the old one, whole
    assert leftovers(tiny_disk) == []


def test_train_onto_a_full_file_system_is_one_line(tiny_config, tmp_path, tiny_disk, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**tiny_config, "epochs": 2}))
    out = tiny_disk / "run"
    code = cli.main(["train", "--config", str(config), "--out", str(out), "--threads", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"vaebench: error: could not write {out / 'checkpoint.pt'}"), err
    assert f"free space on {out} and run again" in err[0]
    assert not (out / "checkpoint.pt").exists() and leftovers(tiny_disk) == []


WRITE_FAILURES = [
    "[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534",  # a full tmpfs
    "basic_ios::clear: iostream error",  # a full tmpfs, the next write
    "PytorchStreamWriter failed writing file data/0: file write failed",
    "No space left on device",
]


@pytest.mark.parametrize("said", WRITE_FAILURES)
def test_torch_save_write_failures_become_one_line(tmp_path, monkeypatch, said):
    def failing_save(obj, path):
        with open(path, "wb") as handle:  # half a file, as a real failure leaves
            handle.write(b"PK\x03\x04 half")
        raise RuntimeError(said)

    monkeypatch.setattr(torch, "save", failing_save)
    target = tmp_path / "run" / "checkpoint.pt"
    with pytest.raises(UserError) as error:
        atomic.write_torch(target, {"epoch": 3})
    assert str(target) in str(error.value) and "free space on" in str(error.value)
    assert not (tmp_path / "run").exists() or list((tmp_path / "run").iterdir()) == []


def test_other_runtime_errors_of_torch_save_stay_bugs(tmp_path, monkeypatch):
    def failing_save(obj, path):
        raise RuntimeError("Tried to serialize object of unsupported type")

    monkeypatch.setattr(torch, "save", failing_save)
    with pytest.raises(RuntimeError, match="unsupported type"):
        atomic.write_torch(tmp_path / "checkpoint.pt", {})
    assert list(tmp_path.iterdir()) == []


def test_train_with_a_failing_checkpoint_write_is_one_line(tiny_config, tmp_path, capsys,
                                                          monkeypatch):
    def failing_save(obj, path):
        raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed")

    monkeypatch.setattr(torch, "save", failing_save)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**tiny_config, "epochs": 2}))
    out = tmp_path / "run"
    code = cli.main(["train", "--config", str(config), "--out", str(out), "--threads", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and str(out / "checkpoint.pt") in err[0], err
    assert "the run resumes from its last checkpoint" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["config.yaml"]
