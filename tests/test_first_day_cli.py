"""The CLI on a researcher's first day: every option says what it does, `--version` names the
code, Ctrl-C is one line and exit code 130, and `train` called by hand uses a few threads and
says so (the workflow's --threads path unchanged)."""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests.conftest import REPO, default_sigint
from vaebench import __version__, cli

HIDDEN = {"bench --measure", "bench --case"}  # internal: the benchmark's worker processes


def every_action():
    """(where, action) for every argument of the top-level parser and of each subcommand."""
    parser = cli.build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{name} {a.option_strings[0] if a.option_strings else a.dest}", a)
                            for a in sub._actions if not isinstance(a, argparse._HelpAction))
        elif not isinstance(action, argparse._HelpAction):
            yield f"vaebench {action.option_strings[0]}", action


def test_every_option_of_every_subcommand_has_help():
    actions = list(every_action())
    commands = {where.split()[0] for where, _ in actions}
    assert {"train", "artifact", "summary", "datasets", "bench", "vaebench"} <= commands
    missing = [where for where, action in actions if not (action.help or "").strip()]
    assert missing == [], f"options without help: {missing}"
    hidden = {where for where, action in actions if action.help == argparse.SUPPRESS}
    assert hidden == HIDDEN


def test_version_names_the_package_and_the_commit(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out.strip()
    match = re.fullmatch(r"vaebench (\S+) \(commit (\S+)\)", out)
    assert match and match[1] == __version__, out
    assert match[2] == cli.code_commit()
    if match[2] != "unknown":
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert match[2].removesuffix("+dirty") == head


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   capture_output=True, text=True, check=True)


def test_commit_clean_dirty_and_outside_a_checkout(tmp_path):
    assert cli.code_commit(tmp_path) == "unknown"  # no git checkout at all
    repo = tmp_path / "checkout"
    repo.mkdir()
    git(repo, "init", "-q")
    assert cli.code_commit(repo) == "unknown"  # a checkout without a commit
    (repo / "a.py").write_text("x = 1\n")
    git(repo, "add", "a.py")
    git(repo, "commit", "-q", "-m", "one")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert cli.code_commit(repo) == head
    (repo / "a.py").write_text("x = 2\n")
    assert cli.code_commit(repo) == f"{head}+dirty"
    # a package installed into a folder of some other checkout (a venv inside a project)
    (repo / "site-packages").mkdir()
    assert cli.code_commit(repo / "site-packages") == "unknown"


@pytest.mark.slow
def test_version_as_a_process_from_another_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "vaebench", "--version"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith(f"vaebench {__version__} (commit ")


@pytest.fixture
def config_file(tiny_config, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({**tiny_config, "epochs": 1}))
    return path


@pytest.fixture
def threads_set(monkeypatch):
    import torch

    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    return calls


@pytest.mark.parametrize("cores, expected", [(16, 4), (4, 4), (2, 2), (1, 1), (None, 1)])
def test_train_by_hand_uses_at_most_four_threads_and_says_so(config_file, tmp_path, capsys,
                                                            monkeypatch, threads_set, cores,
                                                            expected):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    code = cli.main(["train", "--config", str(config_file), "--out", str(tmp_path / "run")])
    assert code == 0 and threads_set == [expected]
    err = capsys.readouterr().err.splitlines()
    assert err.count(f"vaebench train: using {expected} threads (set --threads to change)") == 1


def test_threads_given_are_used_silently(config_file, tmp_path, capsys, threads_set):
    code = cli.main(["train", "--config", str(config_file), "--out", str(tmp_path / "run"),
                     "--threads", "3"])
    assert code == 0 and threads_set == [3]
    assert "threads" not in capsys.readouterr().err


def test_a_bad_input_stays_one_line_without_threads(tiny_config, tmp_path, capsys, threads_set):
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump({**tiny_config, "dataset": "mnist",
                                      "data_root": str(tmp_path / "nowhere")}))
    assert cli.main(["train", "--config", str(config), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vaebench: error: "), err


def test_the_workflow_still_passes_its_threads():
    rules = (REPO / "workflow" / "rules" / "train.smk").read_text()
    assert rules.count("--threads {threads}") == 2  # rule train and the stacked rules
    assert rules.count('threads: config["train_threads"]') == 2


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("command, patch, says", [
    ("train", "vaebench.train.loop.train",
     "vaebench train: interrupted; the run resumes from its last checkpoint on the next call"),
    ("artifact", "vaebench.artifacts.build",
     "vaebench artifact: interrupted; no file was left half-written"),
])
def test_ctrl_c_is_one_line_and_exit_130(config_file, tmp_path, capsys, monkeypatch, command,
                                         patch, says):
    module, name = patch.rsplit(".", 1)
    monkeypatch.setattr(sys.modules[module] if module in sys.modules else
                        __import__(module, fromlist=[name]), name, interrupt)
    argv = (["train", "--config", str(config_file), "--out", str(tmp_path / "run")]
            if command == "train" else ["artifact", "asperti2019", "table1"])
    assert cli.main(argv) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(says), err


@pytest.mark.slow
def test_sigint_to_a_training_process_is_one_line_and_it_resumes(tiny_config, tmp_path):
    """The real thing: `kill -INT` to `python -m vaebench train` mid-run, then the same call
    again carries on from the checkpoint."""
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**tiny_config, "epochs": 150}))
    out = tmp_path / "run"
    command = [sys.executable, "-m", "vaebench", "train", "--config", str(config), "--out",
               str(out), "--threads", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=default_sigint)
    try:
        deadline = time.monotonic() + 120
        while not (out / "checkpoint.pt").exists():
            assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "vaebench train: interrupted; the run resumes from its last checkpoint on the next call"]
    assert not (out / "done.json").exists()
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]  # no half-written file
    stopped_at = max(int(line.split()[1].split("/")[0]) for line in stdout.splitlines()
                     if line.startswith("epoch "))
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    first = int(next(line for line in again.stdout.splitlines()
                     if line.startswith("epoch ")).split()[1].split("/")[0])
    assert first > 1 and first <= stopped_at + 1
