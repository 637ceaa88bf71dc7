"""The Snakemake DAG: the whole smoke scale end to end, and idempotent re-runs."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests import report_probe
from tests.conftest import copy_workflow

SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "2"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A copy of the workflow (Snakefile, rules, specs) with its own results/."""
    root = tmp_path_factory.mktemp("dag")
    return copy_workflow(root)


def read_summary(workdir) -> pd.DataFrame:
    return pd.read_csv(workdir / "results" / "summary.csv", keep_default_na=False).set_index(
        ["paper", "artifact"])


def snakemake(workdir, *args):
    return subprocess.run([*SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True)


@pytest.mark.slow
def test_smoke_dag_end_to_end(workdir, data_root):
    result = snakemake(workdir, "--config", "scale=smoke", f"data_root={data_root}")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = read_summary(workdir)
    assert {("asperti2019", "table1"), ("berger2020", "figure2")} <= set(summary.index)
    built = summary[summary.verdict != "skipped"]
    # smoke: plumbing only, so no claim is decided (an artifact's verdict summarises its claims)
    decided = ("hold", "fail", "inconclusive")
    assert not [v for v in built.verdict if any(word in v for word in decided)]
    for paper, artifact in built.index:  # and every row of every CSV says so
        rows = pd.read_csv(workdir / "results" / paper / f"{artifact}.csv",
                           keep_default_na=False)
        assert set(rows.verdict) <= {"not-comparable", "n/a"}, (paper, artifact)
    assert set(summary[summary.verdict == "skipped"].skipped_reason) <= {"not implemented yet"}
    for paper, artifact in built.index:
        assert (workdir / "results" / paper / f"{artifact}.png").exists()
    assert (workdir / "results" / "REPLICATION.md").exists()
    assert list((workdir / "results" / "benchmarks").rglob("*.tsv"))
    assert (workdir / "results" / "runs" / "smoke" / "asperti2019" / "table1_dense" / "seed0"
            / "samples.png").exists()

    again = snakemake(workdir, "-n", "--config", "scale=smoke", f"data_root={data_root}")
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.slow
def test_report_shows_every_figure_and_table_with_its_claim(workdir, data_root, tmp_path):
    if report_probe.chromium() is None and not report_probe.browser_required():
        pytest.skip("chromium not installed: cannot check that the report renders "
                    "(apt-get install chromium)")
    assert report_probe.chromium(), f"chromium missing but {report_probe.REQUIRE_ENV}=1"
    config = ["--config", "scale=smoke", f"data_root={data_root}"]
    assert snakemake(workdir, *config).returncode == 0  # nothing to do after the test above
    report = workdir / "results" / "report.html"
    made = snakemake(workdir, "--report", str(report), *config)
    assert made.returncode == 0, made.stderr[-3000:]

    results = report_probe.report_results(report)
    built = read_summary(workdir).query("verdict != 'skipped'")
    assert built.shape[0] > 10 and "results/summary.csv" in results
    for (paper, artifact), row in built.iterrows():
        figure = results[f"results/{paper}/{artifact}.png"]
        table = results[f"results/{paper}/{artifact}.table.html"]
        assert figure["mime_type"] == "image/png" and table["mime_type"] == "text/html"
        assert row.claim in caption_text(figure["caption"]), (paper, artifact)
        assert figure["labels"]["verdict"] == table["labels"]["verdict"] == row.verdict

    sizes = report_probe.rendered_image_sizes(report, tmp_path)
    pngs = {f"results/{paper}/{artifact}.png" for paper, artifact in built.index}
    assert set(sizes) == pngs, sizes.get("error")
    assert all(width > 100 and height > 100 for width, height in sizes.values()), sizes

    # every reported-vs-replicated table is shown inline, with all of its CSV's rows
    rows = report_probe.rendered_table_rows(report, tmp_path)
    assert rows == {f"results/{paper}/{artifact}.table.html": len(pd.read_csv(
        workdir / "results" / paper / f"{artifact}.csv")) for paper, artifact in built.index}, (
        rows.get("error"))

    # the probe can fail: an image the browser cannot decode is reported as 0 x 0
    broken = tmp_path / "broken.html"
    first = results[min(pngs)]["data_uri"]
    header = first.index("base64,") + len("base64,")  # garble the PNG signature onwards
    broken.write_text(report.read_text().replace(first, first[:header] + "A" * 64
                                                 + first[header + 64:], 1))
    assert report_probe.rendered_image_sizes(broken, tmp_path)[min(pngs)] == [0, 0]


def caption_text(html: str) -> str:
    """A caption's words: tags dropped, entities decoded, whitespace collapsed."""
    import html as html_lib
    import re

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", html)).split())


@pytest.mark.slow
def test_missing_data_is_skipped_in_the_summary(workdir, tmp_path):
    result = snakemake(workdir, "--config", "scale=smoke", f"data_root={tmp_path}",
                       "download=false", "--forcerun", "summary")
    assert result.returncode == 0, result.stderr[-2000:]
    # where the data is and whether it may be downloaded reach the jobs through the
    # environment: flipping them re-runs no training job
    assert not re.search(r"Job \d+: train ", result.stdout + result.stderr)
    summary = read_summary(workdir)
    assert summary.loc[("asperti2019", "table1"), "verdict"] == "skipped"
    assert "dataset mnist not found" in summary.loc[("asperti2019", "table1"), "skipped_reason"]
    assert summary.loc[("berger2020", "figure2"), "verdict"] == "2 undecided"  # smoke


@pytest.mark.slow
def test_one_name_builds_every_papers_artifact_of_that_name(workdir, data_root):
    """results/table2.csv after the smoke DAG: every paper's table2 in one CSV and one figure."""
    result = snakemake(workdir, "results/table2.csv", "--config", "scale=smoke",
                       f"data_root={data_root}")
    assert result.returncode == 0, result.stderr[-2000:]
    joined = pd.read_csv(workdir / "results" / "table2.csv", keep_default_na=False)
    assert joined.columns[0] == "paper" and set(joined.paper) == {"asperti2020", "berger2020"}
    assert (workdir / "results" / "table2.png").exists()


@pytest.mark.slow
def test_invalid_config_is_rejected(workdir):
    result = snakemake(workdir, "-n", "--config", "scale=huge")
    assert result.returncode != 0 and "huge" in result.stdout + result.stderr


def artifact_threads_planned(tmp_path, data_root, scale: str) -> dict:
    """{artifact: --threads} of a dry run of two dai2020 artifacts on 3 cores."""
    copy_workflow(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "-p", "--cores", "3",
         "results/dai2020/figure1_top.csv", "results/dai2020/proposition1.csv",
         "--config", f"scale={scale}", f"data_root={data_root}"],
        cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    commands = [line for line in result.stdout.splitlines() if "-m vaebench artifact" in line]
    return {line.split("artifact dai2020 ")[1].split()[0]: line.split("--threads ")[1][0]
            for line in commands}


@pytest.mark.slow
def test_fid_artifacts_get_every_core_the_others_one(tmp_path, data_root):
    """An artifact with an Inception pass starts after its runs are trained: above smoke it is
    given all the cores (up to 8) instead of leaving them idle; the light ones keep one thread,
    and at smoke (a few dozen images through Inception) so do the FID ones."""
    assert artifact_threads_planned(tmp_path, data_root, "quick") == {
        "figure1_top": "3", "proposition1": "1"}
    assert artifact_threads_planned(tmp_path, data_root, "smoke") == {
        "figure1_top": "1", "proposition1": "1"}
