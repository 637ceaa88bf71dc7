"""A full disk mid-write: the previous result stays whole, and the run carries on from it.

(A corrupt dataset file is tests/test_data.py and tests/test_readers.py; a killed run resuming is
tests/test_train.py; a re-run with nothing changed doing nothing is tests/test_workflow.py.)
"""

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from vaebench import atomic
from vaebench.train.config import TrainConfig
from vaebench.train.loop import train


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "summary.csv"
    atomic.write_csv(target, pd.DataFrame({"verdict": ["match"]}))
    before = target.read_bytes()
    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    with pytest.raises(OSError) as failure:
        atomic.write_csv(target, pd.DataFrame({"verdict": ["differs"]}))
    assert failure.value.errno == errno.ENOSPC
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.csv"]  # no temp file left


def test_disk_full_at_a_checkpoint_keeps_the_last_one_and_resumes_from_it(
        tiny_config, tmp_path, monkeypatch):
    cfg = TrainConfig.from_dict(tiny_config)  # 4 epochs, a checkpoint after each
    real_save = torch.save

    def save_until_epoch_2(state, path, *args, **kwargs):
        if state["epoch"] > 2:
            disk_full()
        real_save(state, path, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save_until_epoch_2)
    with pytest.raises(OSError):
        train(cfg, tmp_path / "run", progress=False)
    run = tmp_path / "run"
    assert torch.load(run / "checkpoint.pt", weights_only=False)["epoch"] == 2
    assert not (run / "done.json").exists() and not list(run.glob(".*.tmp"))

    monkeypatch.setattr(torch, "save", real_save)  # space freed: the re-run continues
    done = train(cfg, run, progress=False)
    assert done["epochs"] == 4
    assert pd.read_csv(run / "metrics.csv").epoch.tolist() == [1, 2, 3, 4]


def test_a_job_stops_when_the_workflow_that_started_it_is_killed(tmp_path):
    """workflow (killed with SIGKILL) -> shell -> job: the job notices and exits on its own."""
    pid_file = tmp_path / "job.pid"
    (tmp_path / "job.py").write_text(
        "import os, time\nfrom vaebench.train import orphan\norphan.exit_with_workflow(0.2)\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n")
    (tmp_path / "workflow.py").write_text(
        "import subprocess, sys, time\n"
        f"subprocess.Popen(['sh', '-c', {sys.executable!r} + ' {tmp_path / 'job.py'}; true'])\n"
        "time.sleep(60)\n")
    started = subprocess.Popen([sys.executable, str(tmp_path / "workflow.py")])
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.1)
    job_pid = int(pid_file.read_text())
    started.send_signal(signal.SIGKILL)
    started.wait()
    for _ in range(100):
        try:
            os.kill(job_pid, 0)
        except ProcessLookupError:
            return  # gone
        if Path(f"/proc/{job_pid}/stat").read_text().split(")")[1].split()[0] == "Z":
            return  # exited, waiting for its (dead) shell's reaper
        time.sleep(0.1)
    os.kill(job_pid, signal.SIGKILL)
    raise AssertionError("the job outlived its workflow by 10 s")
