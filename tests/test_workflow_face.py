"""Snakemake's face: bad config and unknown targets are one line naming the problem and what is
allowed (Snakemake's error, exit code 1, nothing written), one paper's broken YAML leaves the
others buildable, a
failed job's cause reaches the console and every attempt's log is kept, and offline the main job
plans what it can and lists the rest as skipped."""

import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO, copy_workflow, shared_data_root

# every test here runs `vaebench` or Snakemake as a process: the slow tier
pytestmark = pytest.mark.slow


@pytest.fixture
def workdir(tmp_path):
    return copy_workflow(tmp_path, "profiles")


def snakemake(workdir, *args):
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                          capture_output=True, text=True)


def written(workdir) -> set[str]:
    """Files a run left, besides Snakemake's own bookkeeping (.snakemake/)."""
    return {str(p.relative_to(workdir)) for p in workdir.rglob("*")
            if p.is_file() and ".snakemake" not in p.parts}


BAD = [
    (["-n", "--config", "scale=huge"], "config scale='huge' is not allowed; use one of smoke, "
                                       "quick, paper"),
    (["-n", "--config", "train_threads=0"], "train_threads=0 is not allowed; use a whole number"),
    (["-n", "--config", "device=tpu"], "use auto, cpu, mps, cuda or cuda:N"),
    (["-n", "--config", "download=maybe"], "download='maybe' is not allowed; use a boolean"),
    (["-n", "--config", "colour=red"], "unknown config key 'colour'; known: scale"),
    (["-n", "results/asperti2018/table1.csv"], "unknown paper 'asperti2018'; known: asperti2019"),
    (["-n", "results/asperti2019/table99.csv"], "paper asperti2019 has no artifact 'table99'"),
]


@pytest.mark.parametrize("args, says", BAD, ids=[" ".join(a[1:]) for a, _ in BAD])
def test_bad_config_or_target_is_one_line_and_stops_the_run(workdir, args, says):
    """A WorkflowError raised while the workflow is read (which Snakemake prints, on stdout, and
    exits 1 on), not an exit of the process: Snakemake's API returns it to its caller."""
    before = written(workdir)
    result = snakemake(workdir, *args)
    said = result.stdout + result.stderr
    assert result.returncode == 1, said[-2000:]
    ours = [line for line in said.splitlines() if line.startswith("vaebench:")]
    assert len(ours) == 1 and says in ours[0], said[-2000:]
    assert "Traceback" not in said and "jsonschema" not in said
    assert written(workdir) == before


def test_a_broken_yaml_blocks_only_its_own_paper(workdir):
    (workdir / "benchmarks" / "dai2020.yaml").write_text("paper: [oops\n")
    other = snakemake(workdir, "-n", "results/asperti2019/table1.csv", "--config", "scale=smoke")
    assert other.returncode == 0, other.stderr[-2000:]
    assert "dai2020.yaml" in other.stderr and "left out" in other.stderr
    own = snakemake(workdir, "-n", "results/dai2020/proposition1.csv")
    said = own.stdout + own.stderr
    assert own.returncode == 1 and "dai2020.yaml" in said and "malformed" in said


def test_unlock_and_a_plain_run_need_no_cores_flag(workdir):
    assert snakemake(workdir, "--unlock").returncode == 0
    assert snakemake(workdir, "-n", "--config", "scale=smoke").returncode == 0


def test_a_failed_job_says_why_on_the_console_and_keeps_every_attempt(workdir, tmp_path):
    args = ["--cores", "1", "results/data/mnist.json", "--config", "scale=smoke",
            f"data_root={tmp_path / 'nowhere'}", "download=false"]
    for _ in range(2):
        result = snakemake(workdir, *args)
        assert result.returncode != 0
        assert "vaebench: error: dataset 'mnist' not found" in result.stderr
    attempts = (workdir / "results" / "logs" / "data" / "mnist.log.attempts").read_text()
    assert attempts.count(" exit 2") == 2


def test_offline_the_main_job_plans_what_it_can_and_skips_the_rest(workdir):
    """The main job at its default scale, planned offline with the shared data: the MNIST
    artifacts are built, the ones whose data cannot be had (CIFAR-100 here) are skipped with
    the reason and the fix, and the summary still runs."""
    from vaebench.data import datasets as data

    if data.download_unreachable("cifar100") is None:
        pytest.skip("this machine can reach CIFAR-100's download host")
    if not data.is_available("mnist", shared_data_root()):
        pytest.skip("no MNIST here")
    result = snakemake(workdir, "-n", "-p", "--config", f"data_root={shared_data_root()}")
    assert result.returncode == 0, result.stderr[-2000:]
    plan = result.stdout
    assert "vaebench artifact asperti2019 table1 " in plan
    summary = next(line for line in plan.splitlines() if "vaebench summary" in line)
    assert "--skipped 'dai2020/figure1_middle: dataset cifar100 not found" in summary
    assert "cannot be reached (offline?)" in summary


def test_every_config_property_is_described():
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert all(rule.get("description") for rule in schema["properties"].values())


@pytest.mark.slow
def test_the_report_command_works_after_a_single_target(workdir):
    """The README's `snakemake --report results/report.html`, as written, after one artifact."""
    config = ["--config", "scale=smoke", f"data_root={shared_data_root()}"]
    built = snakemake(workdir, "results/asperti2020/figure4.csv", *config)
    assert built.returncode == 0, built.stderr[-2000:]
    made = snakemake(workdir, "--report", "results/report.html", *config)
    assert made.returncode == 0, made.stderr[-2000:]
    page = (workdir / "results" / "report.html").read_text()
    assert "figure4.table.html" in page and "figure4.png" in page


def test_the_workflow_is_lint_clean(workdir):
    # Snakemake's own linter: conda environment on every rule, no index access to outputs,
    # functions apart from rules; a new lint fails here, not in a reviewer's eye.
    result = snakemake(workdir, "--lint", "--config", "scale=smoke")
    out = result.stdout + result.stderr
    assert result.returncode == 0 and "Lints for" not in out, out[-3000:]
    assert "Congratulations, your workflow is in a good condition" in out
