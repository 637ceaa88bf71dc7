"""A DAG run whose training job is killed mid-run (OOM killer, SLURM time limit), re-run:
finished runs are left alone and the killed one continues from its checkpoint."""

import os
import subprocess
import sys

import pytest
import torch

from tests.conftest import copy_workflow
from vaebench.train.loop import KILL_AFTER_EPOCH_ENV

RUNS = "results/runs/smoke/berger2020/{}/seed0"
FINISHED, KILLED = RUNS.format("f_sigma_1"), RUNS.format("f_sigma_0p3")  # 2 epochs each


def snakemake(workdir, *targets, env=None):
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", *[f"{t}/done.json" for t in targets],
         "--config", "scale=smoke"],
        cwd=workdir, capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_killed_training_job_resumes_and_finished_runs_are_not_redone(tmp_path):
    copy_workflow(tmp_path)
    assert snakemake(tmp_path, FINISHED).returncode == 0
    finished_stamp = (tmp_path / FINISHED / "done.json").stat().st_mtime_ns

    # the next job is SIGKILLed right after its epoch-1 checkpoint: the DAG run fails
    killed = snakemake(tmp_path, FINISHED, KILLED, env={KILL_AFTER_EPOCH_ENV: "1"})
    assert killed.returncode != 0
    assert not (tmp_path / KILLED / "done.json").exists()
    checkpoint = torch.load(tmp_path / KILLED / "checkpoint.pt", weights_only=False)
    assert checkpoint["epoch"] == 1

    again = snakemake(tmp_path, FINISHED, KILLED)
    assert again.returncode == 0, again.stderr[-2000:]
    assert (tmp_path / FINISHED / "done.json").stat().st_mtime_ns == finished_stamp
    log = (tmp_path / "results/logs/train/smoke/berger2020/f_sigma_0p3/seed0.log").read_text()
    assert [line.split()[1] for line in log.splitlines() if line.startswith("epoch ")] == ["2/2"]
