"""Benchmark runs merged into record/perf/throughput_<device>.csv (vaebench.record.bench_runs)."""

import pandas as pd
import pytest

from tests.test_cli import assert_one_line_error, vaebench
from vaebench.errors import UserError
from vaebench.perf import bench
from vaebench.record import bench_runs


def write_run(path, rows, device="cpu", commit="c1", tree_clean=True):
    frame = pd.DataFrame([{"case": case, "what": what, "options": "default",
                           "samples_per_s": rate, "device": device, "commit": commit,
                           "tree_clean": tree_clean, "measured": "2026-12-02T09:00:00Z"}
                          for case, what, rate in rows]).reindex(columns=bench.COLUMNS)
    frame.to_csv(path, index=False)
    return path


def test_a_later_run_replaces_its_own_rows_and_keeps_the_others(tmp_path):
    first = write_run(tmp_path / "a.csv", [("dense", "train_vaebench", 10.0),
                                           ("conv", "train_vaebench", 1.0)])
    file, rows = bench_runs.add(tmp_path / "record", first)
    assert file == tmp_path / "record" / "perf" / "throughput_cpu.csv" and rows == 2
    later = write_run(tmp_path / "b.csv", [("conv", "train_vaebench", 2.0)], commit="c2")
    bench_runs.add(tmp_path / "record", later)
    kept = pd.read_csv(file).set_index("case")
    assert kept.samples_per_s.to_dict() == {"dense": 10.0, "conv": 2.0}
    assert kept.commit.to_dict() == {"dense": "c1", "conv": "c2"}
    assert list(kept.reset_index().columns) == bench.COLUMNS


def test_each_device_has_its_own_file():
    assert bench_runs.target("record", "NVIDIA H200").name == "throughput_nvidia_h200.csv"


@pytest.mark.parametrize("rows, kwargs, message", [
    ([("dense", "train_vaebench", 1.0)], {"tree_clean": False}, "uncommitted changes"),
    ([], {}, "one device"),
])
def test_refuses_what_a_record_cannot_keep(tmp_path, rows, kwargs, message):
    run = write_run(tmp_path / "a.csv", rows, **kwargs)
    with pytest.raises(UserError, match=message):
        bench_runs.add(tmp_path / "record", run)
    assert not (tmp_path / "record").exists()


@pytest.mark.slow
def test_command_refuses_an_old_benchmark_csv(tmp_path):
    pd.DataFrame({"case": ["x"], "what": ["train_vaebench"]}).to_csv(tmp_path / "old.csv",
                                                                     index=False)
    assert_one_line_error(vaebench("record", "--bench", tmp_path / "old.csv", "--record",
                                   tmp_path / "record"), "old.csv lacks", "run it again")
    assert not (tmp_path / "record").exists()
