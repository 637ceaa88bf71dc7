"""`vaebench plan`: the cost model of a scale (vaebench.plan_cost), on small hand-checked cases."""

import shutil

import pandas as pd
import pytest
import torch
import yaml

from vaebench import cli, plan_cost
from vaebench.errors import UserError
from vaebench.spec import specs
from vaebench.train.config import TrainConfig

DENSE = {"dataset": "standin_mnist", "model": "dense_vae", "standin_size": 256,
         "arch": {"hidden": [8], "latent_dim": 2}, "epochs": 4, "batch_size": 64}
FIXED = plan_cost.Calibration(by_model={"dense_vae": 1e-10}, fid_cpu_s_per_image=0.05)


def test_work_of_a_run():
    cfg = TrainConfig.from_dict(DENSE)
    assert plan_cost.train_images("mnist") == plan_cost.train_images("fashion_mnist") == 60_000
    assert plan_cost.train_images("celeba_crop140_bicubic") == 162_770
    assert plan_cost.train_images("standin_mnist", 256) == 256
    assert plan_cost.examples_per_epoch(cfg, sampled=False) == 256
    subset = TrainConfig.from_dict({**DENSE, "dataset": "mnist", "train_subset": 5000})
    assert plan_cost.examples_per_epoch(subset, sampled=False) == 5000
    assert plan_cost.epochs_range(cfg) == (4, 4)
    longer = TrainConfig.from_dict({**DENSE, "max_epochs": 10})
    assert plan_cost.epochs_range(longer) == (4, 10)  # the high end trains on to max_epochs
    noise = {"max_noise_steps": 60, "hold_epochs": 10, "recovery_epochs": 50}
    assert plan_cost.epochs_range(cfg, noise) == (350, 650)


def test_forward_flops_per_example_of_a_dense_vae():
    cfg = TrainConfig.from_dict(DENSE)
    flops, params = plan_cost.model_size(cfg, (1, 28, 28))
    from vaebench.models import build_model

    model = build_model("dense_vae", (1, 28, 28), 1, **DENSE["arch"])
    linear = sum(m.in_features * m.out_features for m in model.modules()
                 if isinstance(m, torch.nn.Linear))
    assert flops == pytest.approx(2 * linear)  # two FLOPs a multiply-add, per example
    assert params == sum(p.numel() for p in model.parameters())


def job(stacked=False, seeds=(0,), images=(1000, 2000), steps=(10, 20), flops=1e6):
    return plan_cost.TrainJob("p", None, "e", list(seeds), stacked, "dense_vae", flops, 100,
                              images, steps, 0)


def test_training_cost_cpu_from_the_calibration_and_gpu_from_the_assumptions():
    cost = plan_cost.train_cost(job(), FIXED)
    per_example = 1e-10 * 1e6  # core-seconds
    assert cost["cpu_h"] == pytest.approx((0.8 * per_example * 1000 / 3600,
                                           1.5 * per_example * 2000 / 3600))
    low, high = plan_cost.ASSUMED_GPU["low"], plan_cost.ASSUMED_GPU["high"]
    assert cost["gpu_h"][0] == pytest.approx(
        (10 * low.step_floor_s + 3 * 1e6 * 1000 / low.flops_per_s + low.startup_s) / 3600)
    assert cost["gpu_h"][1] == pytest.approx(
        (20 * high.step_floor_s + 3 * 1e6 * 2000 / high.flops_per_s + high.startup_s) / 3600)
    assert cost["ratio"][0] < cost["ratio"][1]
    assert cost["calibration"] == "throughput benchmark"
    # three seeds stacked: one start-up and one step sequence; separate: three of each
    stacked = plan_cost.train_cost(job(stacked=True, seeds=(0, 1, 2)), FIXED)
    separate = plan_cost.train_cost(job(seeds=(0, 1, 2)), FIXED)
    assert stacked["cpu_h"] == pytest.approx(separate["cpu_h"])
    assert stacked["gpu_h"][1] < separate["gpu_h"][1]


def test_calibration_from_a_record(tmp_path):
    """Core-seconds per FLOP from a quick job's CPU time over its examples and FLOPs; one far
    off its model's (recorded under another configuration) is left out."""
    spec = specs.load_spec("asperti2019")
    cfg = specs.run_config(spec, "table1_dense", "quick", 0)
    flops, _ = plan_cost.model_size(cfg, (1, 28, 28))
    (tmp_path / "quick" / "asperti2019").mkdir(parents=True)
    runs = [{"run": f"quick/asperti2019/{e}/seed0", "epochs": 10,
             "data": {"dataset": "mnist", "images": 60000}} for e in ("table1_dense",
                                                                    "sparsity_dim2")]
    (tmp_path / "quick" / "asperti2019" / "table1.provenance.yaml").write_text(yaml.safe_dump({
        "jobs": [{"job": "train asperti2019/table1_dense/seed0", "cpu_s": 120.0},
                 {"job": "train asperti2019/sparsity_dim2/seed0", "cpu_s": 120.0 * 50},
                 {"job": "artifact asperti2019/table1", "cpu_s": 3.0}],
        "runs": runs}))
    (tmp_path / "perf").mkdir()
    shutil.copy(plan_cost.RECORD / "perf" / "throughput_cpu.csv", tmp_path / "perf")
    calibration = plan_cost.calibrate({"asperti2019": spec}, tmp_path)
    assert calibration.by_experiment[("asperti2019", "table1_dense")] == pytest.approx(
        120.0 / (10 * 60000 * flops))
    assert ("asperti2019", "sparsity_dim2") not in calibration.by_experiment  # 50x off
    assert calibration.artifact_cpu_s[("asperti2019", "table1")] == 3.0


def test_throughput_rows_calibrate_by_model():
    frame = pd.DataFrame([
        {"case": "asperti2019_dense_mnist", "what": "train_vaebench", "options": "default",
         "samples_per_s": 20000.0, "threads": 2},
        {"case": "fid_mnist", "what": "fid_features", "options": "default",
         "samples_per_s": 25.0, "threads": 2}])
    by_model, fid = plan_cost.throughput_calibration(frame)
    assert set(by_model) == {"dense_vae"} and by_model["dense_vae"] > 0
    assert fid == pytest.approx(2 / 25.0)


def test_a_plan_of_one_artifact_counts_its_jobs_and_its_alternative():
    spec = specs.load_spec("asperti2019")
    plan = plan_cost.make_plan("paper", {"asperti2019": spec}, ["results/asperti2019/table1.csv"],
                               calibration=FIXED)
    jobs = dict(zip(plan.jobs.rule, plan.jobs.jobs, strict=True))
    runs = plan_cost.artifact_runs(spec, "table1", "paper")
    assert plan.experiments.jobs.sum() == jobs["train"] + jobs["train_stacked"]
    assert plan.experiments.seeds.sum() == len(runs)
    assert jobs["artifact"] == 1
    assert jobs["artifact_alternative"] == len(spec["artifacts"]["table1"].get("alternatives")
                                               or [])
    assert {name.split("/")[0] for name in plan.experiments.experiment} >= {"asperti2019"}
    totals = plan.totals
    assert 0 < totals["gpu_h_low"] < totals["gpu_h_high"]
    assert totals["cpu_only_h_low"] < totals["cpu_only_h_high"] and totals["disk_gb"] > 0
    text = plan_cost.format_plan(plan, "paper")
    assert "GPU-hours" in text and "asperti2019/table1" in text


def test_unknown_targets_are_one_line_errors():
    with pytest.raises(UserError, match="unknown paper"):
        plan_cost.targets_by_paper(["nopaper2000/table1"], {"asperti2019": {}})
    spec = specs.load_spec("asperti2019")
    with pytest.raises(UserError, match="no artifact"):
        plan_cost.targets_by_paper(["asperti2019/table99"], {"asperti2019": spec})


def test_the_cli_prints_the_table_and_totals(monkeypatch, capsys):
    monkeypatch.setattr(plan_cost, "calibrate", lambda spec_by_paper: FIXED)
    assert cli.main(["plan", "--scale", "paper", "asperti2019/table1"]) == 0
    out = capsys.readouterr().out
    assert "jobs per rule" in out and "total:" in out and "asperti2019/table1" in out
    assert cli.main(["plan", "--scale", "huge"]) == 2
    assert cli.main(["plan", "nopaper2000"]) == 2
    assert capsys.readouterr().err.count("\n") == 2
