"""Faults a first day meets, each one line naming the file and the fix, exit code 2, nothing
written: misdirecting messages, a smoke build recorded into the committed record, the README's
commands, the data folder's place in git, a wrong FID weights path given to envs/setup.sh."""

import os
import re
import subprocess

import pytest

from tests.conftest import REPO
from vaebench import cli


@pytest.mark.parametrize("argv, says, not_says", [
    # a missing input is named as one, not blamed on an output folder
    (["summary", "{tmp}/nowhere/asperti2019/table1.csv", "--out", "{tmp}/summary.csv"],
     "cannot read {tmp}/nowhere/asperti2019/table1.csv: no such file or directory; check the "
     "path", "--out"),
    # the committed record holds quick and paper builds; smoke goes elsewhere
    (["record", "--scale", "smoke"],
     "the committed record (record/) holds quick and paper builds, not smoke; record a smoke "
     "build elsewhere with --record DIR", None),
])
def test_a_fault_is_one_line_with_the_fix_that_fits(argv, says, not_says, tmp_path, capsys,
                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)  # `record` resolves the committed record from here
    code = cli.main([arg.format(tmp=tmp_path) for arg in argv])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert (code, len(lines)) == (2, 1), err
    assert lines[0] == f"vaebench: error: {says.format(tmp=tmp_path)}" or lines[0].startswith(
        f"vaebench: error: {says.format(tmp=tmp_path)}"), lines[0]
    assert not_says is None or not_says not in lines[0]
    assert not (tmp_path / "record").exists() and not (tmp_path / "summary.csv").exists()


def test_a_smoke_build_may_be_recorded_elsewhere(tmp_path, monkeypatch):
    from vaebench.record.store import record_dir

    monkeypatch.chdir(tmp_path)
    assert record_dir("smoke", tmp_path / "elsewhere") == tmp_path / "elsewhere" / "smoke"
    assert record_dir("quick") == REPO.joinpath("record", "quick").relative_to(REPO)


def test_the_readme_calls_vaebench_from_the_virtualenv():
    """Only .venv/bin/vaebench exists after envs/setup.sh: a bare `vaebench` is not found."""
    text = (REPO / "README.md").read_text()
    generated = text.index("<!-- status: generated")  # the status block says what wrote it
    commands = re.findall(r"(?:`|^)(vaebench [a-z-]+)", text[:generated] + text[
        text.index("\n", generated):], flags=re.M)
    assert commands == [], commands


def test_the_default_data_folder_is_ignored_by_git():
    """Data downloaded into ./data would make every run's tree dirty."""
    ignored = subprocess.run(["git", "check-ignore", "-q", "data/MNIST/raw/x"], cwd=REPO)
    assert ignored.returncode == 0


def test_setup_refuses_a_wrong_fid_weights_path_before_installing(tmp_path):
    result = subprocess.run(["bash", str(REPO / "envs" / "setup.sh")], cwd=tmp_path,
                            env={**os.environ, "VAEBENCH_FID_WEIGHTS": "missing.pth",
                                 "PYTHON": "false"},  # would fail loudly if it got that far
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "envs/setup.sh: error: VAEBENCH_FID_WEIGHTS=missing.pth is not a file; point it at a "
        "copy of pt_inception-2015-12-05-6726825d.pth, or unset it"]
    assert not list(tmp_path.iterdir())
