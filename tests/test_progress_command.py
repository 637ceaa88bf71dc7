"""`vaebench progress`: the DAG's runs read from a fake results tree (vaebench.dag_progress)."""

import json
import os

import pandas as pd
import pytest
import yaml

from vaebench import cli, dag_progress, plan_cost
from vaebench.dag_progress import RunProgress
from vaebench.spec import specs

NOW = 2_000_000_000.0
CONFIG = {"dataset": "standin_mnist", "model": "dense_vae", "epochs": 10, "checkpoint_every": 3}


def write_run(root, name: str, config: dict | None = None, seconds: list[float] = (),
              files: tuple[str, ...] = (), age: float = 0.0):
    """A run folder results/runs/<name> as the loop leaves it, its files written `age` s ago."""
    run = root / "runs" / name
    run.mkdir(parents=True)
    if config is not None:
        (run / "config.yaml").write_text(yaml.safe_dump(config))
    if seconds:
        pd.DataFrame({"epoch": range(1, len(seconds) + 1), "loss": 100.0, "nll": 90.0,
                      "kl": 10.0, "sigma": float("nan"), "seconds": seconds}).to_csv(
            run / "metrics.csv", index=False)
    for file in files:
        (run / file).write_text("{}" if file == "done.json" else "")
    for path in [run, *run.iterdir()]:
        os.utime(path, (NOW - age, NOW - age))
    return run


@pytest.fixture
def results(tmp_path):
    """A done run, a running one (4 of 10 epochs of 30 s), a stopped one (4 of 10 epochs of
    20 s, checkpointed at epoch 3, silent for a day) and one that has not finished an epoch."""
    write_run(tmp_path, "quick/p2000/e1/seed0", CONFIG, [30.0] * 10, ("done.json",))
    write_run(tmp_path, "quick/p2000/e1/seed1", CONFIG, [30.0] * 4, ("checkpoint.pt",), age=10)
    write_run(tmp_path, "quick/p2000/e2/seed0", CONFIG, [20.0] * 4, ("checkpoint.pt",),
              age=86_400)
    write_run(tmp_path, "quick/p2000/e2/seed1", CONFIG, age=120)
    return tmp_path


def test_one_line_per_partial_run_and_the_totals(results):
    lines = dag_progress.progress_report(results, "quick", [], cores=2, now=NOW).splitlines()
    assert lines[:3] == [
        "running  quick/p2000/e1/seed1  epoch 4/10  30.0 s/epoch  3m left (last write 10s ago)",
        "stopped  quick/p2000/e2/seed0  epoch 4/10  20.0 s/epoch  2m left once resumed from its "
        "checkpoint at epoch 3 (last write 24h00m ago)",
        "started  quick/p2000/e2/seed1  epoch 0/10  no epoch finished yet (last write 2m ago)"]
    # left: 6 x 30 - 10 = 170 s running, 7 x 20 = 140 s stopped; on 2 cores the longer job
    assert lines[3] == (
        "total at quick: 1 done / 3 partial (1 running, 1 stopped, 1 with no epoch yet) / not "
        "started unknown (name targets to count them); training left: 5m measured, not "
        "counting the 1 run(s) with no epoch yet; on 2 core(s), one job a core: about 3m")
    assert len(lines) == 4


def test_a_stopped_run_without_a_checkpoint_starts_again(tmp_path):
    write_run(tmp_path, "quick/p2000/e1/seed0", CONFIG, [20.0] * 2, age=86_400)
    line = dag_progress.read_run(tmp_path / "runs/quick/p2000/e1/seed0", "r", NOW)
    assert (line.state, line.resumes_from, line.left) == ("stopped", 0, (200.0, 200.0))


def test_a_run_trained_to_a_plateau_counts_the_epochs_its_loop_plans(tmp_path):
    falling = {**CONFIG, "epochs": 4, "max_epochs": 8}
    run = write_run(tmp_path, "quick/p2000/e1/seed0", falling, [5.0] * 4)
    pd.DataFrame({"epoch": [1, 2, 3, 4], "loss": [4.0, 3.0, 2.0, 1.0],
                  "seconds": [5.0] * 4}).to_csv(run / "metrics.csv", index=False)
    assert dag_progress.read_run(run, "r", NOW).epochs == 5  # extended by a chunk of 1


def test_stacked_seeds_are_one_job_on_the_cores():
    stacked = [RunProgress(f"q/p/e/seed{s}", "running", "q/p/e", left=(t, t))
               for s, t in ((0, 100.0), (1, 120.0))]
    alone = RunProgress("q/p/f/seed0", "running", "q/p/f/seed0", left=(60.0, 60.0))
    assert dag_progress.time_on_cores([*stacked, alone], 1) == (180.0, 180.0)
    assert dag_progress.time_on_cores([*stacked, alone], 4) == (120.0, 120.0)


def test_the_seeds_of_a_stacked_job_share_one_job(tmp_path):
    stacked = {**CONFIG, "stack_seeds": True}
    lines = [dag_progress.read_run(write_run(tmp_path, f"quick/p2000/e1/seed{s}", stacked,
                                             [30.0] * 4), f"quick/p2000/e1/seed{s}", NOW)
             for s in (0, 1)]
    assert {line.job for line in lines} == {"quick/p2000/e1"}
    assert dag_progress.time_on_cores(lines, 2) == (180.0, 180.0)


def test_targets_count_and_estimate_the_runs_not_started(results):
    """Targets' runs with no folder: one line per training job, estimated by the plan's cost
    model; a run already on disk is not counted again."""
    spec = specs.load_spec("asperti2019")
    runs = sorted(plan_cost.artifact_runs(spec, "table1", "smoke"),
                  key=lambda r: (r[0] or "", r[1], r[2]))
    _, experiment, seed = runs[0]
    write_run(results, f"smoke/asperti2019/{experiment}/seed{seed}", CONFIG, [1.0] * 10,
              ("done.json",))
    calibration = plan_cost.Calibration(by_model={"dense_vae": 1e-9})
    report = dag_progress.progress_report(results, "smoke", ["asperti2019/table1"], cores=2,
                                          now=NOW, calibration=calibration)
    lines = report.splitlines()
    waiting = [line for line in lines if line.startswith("not started")]
    assert len(waiting) == len(runs) - 1
    assert all("estimated" in line and "(cost model of vaebench plan)" in line
               for line in waiting)
    assert f"/ {len(runs) - 1} not started;" in lines[-1]
    assert "estimated (cost model of vaebench plan)" in lines[-1]


def test_the_command_prints_the_report_and_exits_0(results, capsys):
    assert cli.main(["progress", "--results", str(results), "--cores", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("running  quick/p2000/e1/seed1  epoch 4/10")
    assert out[-1].startswith("total at quick: 1 done / 3 partial")


@pytest.mark.parametrize("where", ["missing", "no runs"])
def test_no_results_is_one_line_saying_what_to_run(tmp_path, capsys, where):
    results = tmp_path / "results"
    if where == "no runs":
        results.mkdir()
    assert cli.main(["progress", "--results", str(results)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "snakemake --cores all --config scale=quick" in err


def test_done_json_alone_is_a_done_run(tmp_path):
    run = write_run(tmp_path, "quick/p2000/e1/seed0", files=("done.json",))
    assert json.loads((run / "done.json").read_text()) == {}
    assert dag_progress.read_run(run, "r", NOW).state == "done"
