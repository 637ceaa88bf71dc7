"""A run of the DAG from nothing, measured from its benchmark TSVs (vaebench.perf.rule_times.span),
recorded into record/<scale>/dag_runs.csv and stated in the status line."""

import os

import pandas as pd
import pytest

from tests.test_cli import assert_one_line_error, vaebench
from tests.test_rule_times import write_tsv
from vaebench.errors import UserError
from vaebench.perf import rule_times
from vaebench.record import dag_runs


@pytest.fixture
def span_csv(tmp_path):
    """Two one-thread jobs side by side on 2 cores, then the artifact: 250 CPU-s in a 150 s span."""
    root = tmp_path / "benchmarks"
    for name, wall, end in (("train/quick/p2000/a/seed0", 100, 1_100),
                            ("train/quick/p2000/b/seed0", 100, 1_100),
                            ("artifact/p2000/t1", 50, 1_150)):
        write_tsv(root / f"{name}.tsv", (wall, 100))
        os.utime(root / f"{name}.tsv", (end, end))
    pattern = "artifact=" + (root / "artifact/{paper}/{artifact}.tsv").as_posix()
    rule_times.write(root, tmp_path / "rules.csv", rule_times.parse_patterns([pattern]))
    return tmp_path / "rules_span.csv"


@pytest.fixture
def clean_tree(monkeypatch):
    monkeypatch.setattr(dag_runs.provenance, "code_state",
                        lambda: {"commit": "abc123", "tree_clean": True})
    monkeypatch.setattr(dag_runs.provenance, "machine", lambda: {"cores": 2, "cpu": "Test CPU"})


def test_span_is_recorded_once_per_run_and_read_as_a_ratio(tmp_path, span_csv, clean_tree):
    out = tmp_path / "record" / "quick"
    row = dag_runs.add(out, span_csv)
    assert (row["span_s"], row["cpu_s"], row["papers"]) == (150.0, 250.0, "p2000")
    dag_runs.add(out, span_csv)  # the same run again replaces its row
    runs = dag_runs.read(out)
    assert len(runs) == 1 and runs.commit.tolist() == ["abc123"]
    # 150 s against 250 CPU-s over 2 cores: 1.2x, one core idle while the artifact ran
    assert dag_runs.ratio(next(runs.itertuples())) == pytest.approx(1.2)
    (line,) = dag_runs.lines(out)
    assert "3 jobs of p2000" in line and "1.20x its 4 CPU core-minutes over 2 cores" in line
    # 600 CPU-minutes over 2 cores at 1.2x: 6 h, called an estimate
    assert "about 6.0 h on 2 cores (an estimate" in dag_runs.estimate(out, 36_000)
    assert dag_runs.estimate(tmp_path / "nothing", 36_000) is None


def test_refuses_a_dirty_tree_and_a_file_that_is_no_span(tmp_path, span_csv, monkeypatch):
    monkeypatch.setattr(dag_runs.provenance, "code_state",
                        lambda: {"commit": "abc123", "tree_clean": False})
    with pytest.raises(UserError, match="uncommitted changes"):
        dag_runs.add(tmp_path / "out", span_csv)
    assert not (tmp_path / "out" / dag_runs.FILE).exists()
    pd.DataFrame({"papers": ["x"]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(UserError, match="not a run's span"):
        dag_runs.read_span(tmp_path / "bad.csv")


@pytest.mark.slow
def test_command_names_the_missing_span(tmp_path):
    assert_one_line_error(vaebench("record", "--dag-run", tmp_path / "none.csv",
                                   "--record", tmp_path / "record"),
                          "none.csv is missing", "snakemake --cores 1 -f results/perf/rules.csv")
    assert not (tmp_path / "record").exists()
