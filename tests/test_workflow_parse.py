"""Reading the workflow: a dry run of a copy of it (`snakemake -n`, seconds), as a process that
records, through Python's audit hooks, any host it looks up or connects to. Planning a target
that downloads nothing asks no download host, a target no spec has stops in one line, and
results/table2.csv plans every paper's Table 2."""

import subprocess
import sys

import pytest

from tests.conftest import copy_workflow, shared_data_root

# Snakemake's command line in a process whose audit hook notes every name lookup and connection
PROBE = """
import atexit, sys
asked = []
sys.addaudithook(lambda event, args: asked.append(f"{event} {args[0]}")
                 if event in ("socket.getaddrinfo", "socket.connect") else None)
atexit.register(lambda: print(f"probe: torch={'torch' in sys.modules} network={asked}",
                              file=sys.stderr))
from snakemake.cli import main
main()
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("parse"))


def dry_run(workdir, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, "-n", "--cores", "1", *args],
                          cwd=workdir, capture_output=True, text=True)


def probe(result) -> str:
    return next(line for line in result.stderr.splitlines() if line.startswith("probe: "))


@pytest.fixture(scope="module")
def analytic_target(workdir, tmp_path_factory):
    """An analytic artifact planned with no data here and downloads allowed."""
    empty = tmp_path_factory.mktemp("no_data")
    return dry_run(workdir, "results/berger2020/figure2.csv", "--config", "scale=smoke",
                   f"data_root={empty}", "download=true")


def test_planning_a_target_that_downloads_nothing_asks_no_host(analytic_target):
    assert analytic_target.returncode == 0, analytic_target.stderr[-2000:]
    assert "build berger2020/figure2 (smoke)" in analytic_target.stdout
    assert "network=[]" in probe(analytic_target)


def test_planning_imports_no_torch(analytic_target):
    assert "torch=False" in probe(analytic_target)


def test_a_target_no_spec_has_stops_before_any_job_in_one_line(workdir):
    """Snakemake's own error (a WorkflowError, exit code 1), not an exit of the process that
    reads the workflow: the API's caller gets the exception."""
    result = dry_run(workdir, "results/asperti2019/table99.csv", "--config", "scale=smoke")
    said = result.stdout + result.stderr
    assert result.returncode == 1
    ours = [line for line in said.splitlines() if line.startswith("vaebench:")]
    assert len(ours) == 1 and "paper asperti2019 has no artifact 'table99'" in ours[0]
    assert "Traceback" not in said and "Job stats" not in said


def test_one_name_plans_every_papers_artifact_of_that_name(workdir):
    result = dry_run(workdir, "results/table2.csv", "--config", "scale=smoke",
                     f"data_root={shared_data_root()}")
    assert result.returncode == 0, result.stderr[-2000:]
    for paper in ("asperti2020", "berger2020"):
        assert f"build {paper}/table2 (smoke)" in result.stdout
    assert "every paper's table2 in one table: results/table2.csv" in result.stdout
