"""Runs of unequal training budgets are not compared: an ordering between them reads
not-comparable unless the artifact's YAML says why the difference cannot favour either side."""

import json

import yaml

from tests.test_asperti2020 import stage1_config
from vaebench.artifacts.context import BuildContext
from vaebench.spec import specs
from vaebench.train import runs as run_files
from vaebench.train.config import TrainConfig


def fake_run(folder, epochs: int, images: int):
    folder.mkdir(parents=True)
    cfg = TrainConfig.from_dict(stage1_config(epochs=epochs))
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    (folder / "done.json").write_text(json.dumps({"converged": True, "epochs": epochs,
                                                  "data": {"images": images}}))
    return folder


def test_budgets_are_examples_seen(tmp_path):
    short = [fake_run(tmp_path / f"a{i}", 40, 4000) for i in range(3)]
    long = [fake_run(tmp_path / f"b{i}", 57, 4000) for i in range(3)]
    same = [fake_run(tmp_path / f"c{i}", 20, 8000) for i in range(3)]
    assert run_files.budget(short[0]) == 160_000
    assert run_files.unequal_budgets([short, same]) is None  # 40 x 4,000 = 20 x 8,000
    assert "160,000 vs 228,000" in run_files.unequal_budgets([short, long])


def test_an_artifact_compares_unequal_budgets_only_with_a_reason(tmp_path):
    short = [fake_run(tmp_path / f"a{i}", 40, 4000) for i in range(3)]
    long = [fake_run(tmp_path / f"b{i}", 57, 4000) for i in range(3)]
    spec = specs.load_spec("asperti2020")
    with_reason = BuildContext(spec, "table2", "quick")
    assert spec["artifacts"]["table2"]["unequal_budget_why"]
    assert with_reason.budget_reason(short, long) is None
    silent = {**spec, "artifacts": {**spec["artifacts"], "table2": {
        k: v for k, v in spec["artifacts"]["table2"].items() if k != "unequal_budget_why"}}}
    reason = BuildContext(silent, "table2", "quick").budget_reason(short, long)
    assert reason.startswith("unequal training budgets")
