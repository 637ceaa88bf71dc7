"""results/perf/rules.csv from fabricated Snakemake benchmark TSVs (plain and extended format)."""

import os

import pandas as pd
import pytest

from tests.test_cli import assert_one_line_error, vaebench
from vaebench.perf import rule_times

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
TRAIN = (r"train=results/benchmarks/train/{scale,smoke|quick|paper}/{paper,[a-z]+\d{4}}/"
         r"{experiment,[a-z][a-z0-9_]*}/seed{seed,\d+}.tsv")
DATASET = "dataset=results/benchmarks/data/{dataset,[a-z][a-z0-9_]*}.tsv"


def write_tsv(path, *rows, extended=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    header = HEADER.rstrip("\n") + ("\tjobid\trule_name\twildcards\n" if extended else "\n")
    lines = [f"{s}\t0:00:00\t{rss}\t1\t1\t1\t0\t0\t50.0\t{s}" + (f"\t{extended}" if extended
                                                                 else "") for s, rss in rows]
    path.write_text(header + "\n".join(lines) + "\n")


@pytest.fixture
def benchmarks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "results" / "benchmarks"
    write_tsv(root / "train/quick/berger2020/f_sigma_0p1/seed2.tsv", (252.02, 736.37))
    write_tsv(root / "train/smoke/dai2020/ae_d10/seed0.tsv", (12.5, 400.0))
    write_tsv(root / "data/mnist.tsv", (3.0, 150.0))
    write_tsv(root / "summary.tsv", (1.0, 90.0), (3.0, 110.0), (2.0, 100.0))  # repeat(3)
    write_tsv(root / "artifact/x.tsv", (40.0, 500.0),
              extended="7\tartifact\tpaper=a~alt,artifact=b")  # an alternative: paper a
    return root


def test_rows_named_by_rule_pattern_and_sorted_slowest_first(benchmarks):
    frame = rule_times.collect("results/benchmarks", rule_times.parse_patterns([TRAIN, DATASET]))
    assert frame.s.tolist() == [252.02, 40.0, 12.5, 3.0, 2.0]
    first = frame.iloc[0]
    assert (first.rule, first.max_rss) == ("train", 736.37)
    assert first.job == "scale=quick,paper=berger2020,experiment=f_sigma_0p1,seed=2"
    by_rule = frame.set_index("rule")
    assert by_rule.loc["artifact", "job"] == "paper=a~alt,artifact=b"  # from the extended columns
    assert by_rule.loc["dataset", "job"] == "dataset=mnist"
    # no pattern for summary: named by its path; its three repeats give their median
    assert by_rule.loc["summary", "s"] == 2.0
    assert by_rule.loc["summary", "max_rss"] == 100.0


def test_command_writes_csv_and_png(benchmarks):
    result = vaebench("rule-times", "--pattern", TRAIN, "--out", "results/perf/rules.csv")
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv("results/perf/rules.csv")
    assert list(frame.columns) == rule_times.COLUMNS and len(frame) == 5
    assert frame.rule.tolist()[:3] == ["train", "artifact", "train"]
    assert (benchmarks.parent / "perf" / "rules.png").stat().st_size > 0


@pytest.mark.slow
def test_bad_input_is_one_line(tmp_path):
    assert_one_line_error(vaebench("rule-times", "--benchmarks", tmp_path / "none"),
                          "no benchmark folder")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.tsv").write_text("a\tb\n1\t2\n")
    assert_one_line_error(vaebench("rule-times", "--benchmarks", tmp_path / "b",
                                   "--out", tmp_path / "r.csv"), "x.tsv", "lacks max_rss, s")
    assert not (tmp_path / "r.csv").exists()
    assert_one_line_error(vaebench("rule-times", "--benchmarks", tmp_path / "b",
                                   "--pattern", "nonsense"), "RULE=PATTERN")


def test_span_runs_from_first_start_to_last_end(benchmarks):
    """A TSV is written as its job ends: the run began at the earliest end minus its wall time."""
    ends = {"train/quick/berger2020/f_sigma_0p1/seed2.tsv": 10_000, "data/mnist.tsv": 9_000,
            "train/smoke/dai2020/ae_d10/seed0.tsv": 9_500, "summary.tsv": 10_100,
            "artifact/x.tsv": 10_050}
    for relative, end in ends.items():
        os.utime(benchmarks / relative, (end, end))
    frame = rule_times.collect("results/benchmarks", rule_times.parse_patterns([TRAIN, DATASET]))
    run = rule_times.span(frame)
    assert run["span_s"] == 10_100 - (9_000 - 3.0)  # mnist began first, summary ended last
    assert run["serial_s"] == pytest.approx(252.02 + 40.0 + 12.5 + 3.0 + 2.0, abs=0.05)
    assert run["cpu_s"] == run["serial_s"]  # the fabricated TSVs give cpu_time = s
    assert run["papers"] == "a berger2020 dai2020" and run["jobs"] == 5


def test_command_writes_the_span_beside_the_table(benchmarks):
    assert vaebench("rule-times", "--out", "results/perf/rules.csv").returncode == 0
    written = pd.read_csv("results/perf/rules_span.csv")
    assert list(written.columns) == rule_times.SPAN_COLUMNS and written.jobs.tolist() == [5]
