"""Adding a paper is its spec and its package, nothing else: the example paper of
tests/fixtures/example_paper (benchmarks/example2099.yaml and papers/example2099/, found through
VAEBENCH_PAPERS) is checked, planned and, in the slow tier, trained and built by the workflow at
smoke, in a copy of the workflow to which only its spec is added."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import copy_workflow
from vaebench import paths, registry

EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "example_paper"
PAPER, ARTIFACT = "example2099", "table1"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """The workflow as a user's checkout has it, with the example's spec beside the others."""
    workdir = copy_workflow(tmp_path_factory.mktemp("example"))
    shutil.copy(EXAMPLE / "benchmarks" / f"{PAPER}.yaml", workdir / "benchmarks")
    return workdir


def with_example(**extra) -> dict:
    return {**os.environ, registry.PAPERS_ENV: str(EXAMPLE / "papers"), **extra}


def run(workdir: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *command], cwd=workdir, capture_output=True,
                          text=True, env=with_example())


def test_the_example_spec_is_valid(workdir):
    result = run(workdir, "-m", "vaebench", "check", PAPER)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{PAPER}: ok" in result.stdout


def test_the_registry_finds_the_example_package_by_the_variable_alone(workdir):
    listed = run(workdir, "-c", "from vaebench import registry; "
                 "print(registry.names('builder'))")
    assert f"'{PAPER}/{ARTIFACT}'" in listed.stdout, listed.stderr[-2000:]
    alone = subprocess.run([sys.executable, "-c", "from vaebench import registry; "
                            "print(registry.names('builder'))"], cwd=workdir,
                           capture_output=True, text=True,
                           env={k: v for k, v in os.environ.items() if k != registry.PAPERS_ENV})
    assert PAPER not in alone.stdout


def test_the_workflow_plans_the_example_artifact(workdir):
    result = run(workdir, "-m", "snakemake", "-n", "--cores", "1",
                 paths.artifact(PAPER, ARTIFACT), "--config", "scale=smoke")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"build {PAPER}/{ARTIFACT} (smoke)" in result.stdout


@pytest.mark.slow
def test_the_workflow_trains_and_builds_the_example_at_smoke(workdir):
    result = run(workdir, "-m", "snakemake", "--cores", "1", paths.artifact(PAPER, ARTIFACT),
                 "--config", "scale=smoke")
    assert result.returncode == 0, result.stderr[-3000:]
    table = pd.read_csv(workdir / paths.artifact(PAPER, ARTIFACT))
    finite = table[table.metric == "finite_loss"].iloc[0]
    # trained and measured; at smoke nothing is compared with the paper (plumbing only)
    assert finite.replicated == 1.0 and finite.verdict == "not-comparable"
