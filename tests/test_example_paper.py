"""Adding a paper is its spec and its package, nothing else: the example paper of
tests/fixtures/example_paper (benchmarks/example2099.yaml and papers/example2099/, found through
VAEBENCH_PAPERS) is checked, planned, trained, built and recorded (the record's checks pass), and
listed in the README's generated list of papers and status table, in a copy of the workflow to
which only its spec is added; the slow tier also trains and builds it through Snakemake."""

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


def test_the_readme_lists_the_example_and_its_status_from_its_spec_alone(workdir):
    # the README's list of papers and its status table are generated from the specs: the
    # example appears in both with nothing but its spec added
    script = ("from pathlib import Path; from vaebench.record import pages; "
              "print(pages.papers_table()); print(pages.status_table(Path('record/quick')))")
    result = run(workdir, "-c", script)
    assert result.returncode == 0, result.stderr[-2000:]
    listed = [line for line in result.stdout.splitlines() if f"`{PAPER}`" in line]
    assert len(listed) == 1 and "a tiny dense VAE trains to a finite loss" in listed[0]
    status = [line for line in result.stdout.splitlines()
              if line.startswith(f"| [{PAPER}](record/quick/REPLICATION.md")]
    assert len(status) == 1 and "| 0 / 1 |" in status[0]  # specified, not yet recorded


RECORD_SCRIPT = """
from pathlib import Path
from vaebench import artifacts, cli, provenance
from vaebench.record import check, store
from vaebench.spec import specs
from vaebench.train.loop import train
# a committed tree, as `vaebench record` requires (the test's checkout may have edits)
provenance.code_state = lambda: {{"commit": "0" * 40, "tree_clean": True}}
# its own results folder: the smoke DAG test's runs in results/ may come from an edited tree
results = Path("results_recorded")
spec, runs = specs.load_spec("{paper}"), results / "runs"
for run in store.runs_behind(spec, "{artifact}", "smoke", runs):
    cfg = specs.run_config(spec, run.parent.name, "smoke", int(run.name[4:]), {{"device": "cpu"}})
    train(cfg, run, progress=False)
artifacts.build("{paper}", "{artifact}", "smoke", runs, results)
assert cli.main(["record", "--scale", "smoke", "--results", str(results), "--record", "rec"]) == 0
out = Path("rec/smoke")
print("unaccounted", [a for a in check.unaccounted(out) if a.startswith("{paper}/")])
print("unmatched", check.unmatched_reported(out))
"""


def test_the_record_takes_the_example_and_its_checks_pass(workdir):
    result = run(workdir, "-c", RECORD_SCRIPT.format(paper=PAPER, artifact=ARTIFACT))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "unaccounted []" in result.stdout and "unmatched []" in result.stdout
    recorded = workdir / "rec" / "smoke" / PAPER
    assert {p.name for p in recorded.iterdir()} >= {f"{ARTIFACT}.csv", f"{ARTIFACT}.png",
                                                     f"{ARTIFACT}.provenance.yaml"}
