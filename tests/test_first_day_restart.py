"""Stopping and starting again: the default workflow profile lets the main command run again after
an interrupt that reached Snakemake alone (its jobs marked incomplete), and after a killed
Snakemake (its lock left behind) `--unlock` is the one step the README names. A two-rule
workflow with the project's own profile beside it, so Snakemake reads it as it reads ours."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests.conftest import REPO, default_sigint

pytestmark = pytest.mark.slow  # runs Snakemake as a process

SNAKEFILE = """
rule all:
    input: "out/b.txt"

rule a:
    output: "out/a.txt"
    shell: "echo started > {output}.started; echo a > {output}; sleep 5"

rule b:
    input: "out/a.txt"
    output: "out/b.txt"
    shell: "cp {input} {output}"
"""


def test_the_default_profile_reruns_incomplete_jobs():
    profile = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())
    assert profile["rerun-incomplete"] is True
    assert profile["keep-going"] is True and profile["cores"] == "all"


@pytest.fixture
def workflow(tmp_path):
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    shutil.copytree(REPO / "profiles" / "default", tmp_path / "profiles" / "default")
    return tmp_path


def start_and_stop(workdir, sig: int) -> subprocess.CompletedProcess:
    """Start the workflow, wait until rule a has written its output, then send `sig` to the
    Snakemake process alone (not its job), as `kill -INT <pid>` or `kill -9 <pid>` does."""
    process = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "1"], cwd=workdir,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, preexec_fn=default_sigint)
    try:
        deadline = time.monotonic() + 120
        while not (workdir / "out" / "a.txt.started").exists():
            assert time.monotonic() < deadline and process.poll() is None, process.stdout.read()
            time.sleep(0.2)
        os.kill(process.pid, sig)
        out, _ = process.communicate(timeout=120)
    finally:
        # the job, or one a killed Snakemake left behind: the rest of this test's session
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        if process.poll() is None:
            process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, out, "")


def run_again(workdir, *args) -> subprocess.CompletedProcess:
    (workdir / "Snakefile").write_text(SNAKEFILE.replace("sleep 5", "true"))
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                          capture_output=True, text=True, timeout=300)


def test_after_an_interrupt_the_plain_command_runs_again(workflow):
    stopped = start_and_stop(workflow, signal.SIGINT)
    assert stopped.returncode != 0, stopped.stdout[-2000:]
    again = run_again(workflow)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "IncompleteFilesException" not in again.stderr
    assert (workflow / "out" / "b.txt").read_text() == "a\n"


def test_after_a_killed_snakemake_unlock_then_the_plain_command_runs(workflow):
    start_and_stop(workflow, signal.SIGKILL)
    locked = run_again(workflow)
    if locked.returncode == 0:  # a Snakemake that clears a dead run's lock by itself
        return
    assert "LockException" in locked.stderr or "cannot be locked" in locked.stderr, \
        locked.stderr[-3000:]
    assert run_again(workflow, "--unlock").returncode == 0
    again = run_again(workflow)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (workflow / "out" / "b.txt").read_text() == "a\n"
