"""Specs (benchmarks/*.yaml), run configs, convergence and verdict rules."""

import math

import pandas as pd
import pytest
import yaml

from vaebench.errors import UserError
from vaebench.spec import specs
from vaebench.train.config import TrainConfig
from vaebench.train.convergence import has_plateaued, plateau_ratio


def test_every_shipped_spec_is_valid():
    assert {"asperti2019", "berger2020"} <= set(specs.specified_papers())
    for paper in specs.specified_papers():
        spec = specs.load_spec(paper)
        assert spec["paper"] == paper


def test_run_config_applies_scale_overrides_and_seed():
    spec = specs.load_spec("asperti2019")
    smoke = specs.run_config(spec, "table1_dense", "smoke", 0)
    quick = specs.run_config(spec, "table1_dense", "quick", 2)
    assert smoke.epochs < quick.epochs and smoke.train_subset is not None
    assert quick.seed == 2 and quick.meta["scale"] == "quick"


@pytest.mark.parametrize("bad, message", [
    ({"lr": 0}, "lr must be > 0"), ({"lr": -1e-3}, "lr must be > 0"),
    ({"epochs": 0}, "epochs must be >= 1"), ({"colour": "red"}, "unknown training option"),
    ({"device": "tpu"}, "device must be"),
])
def test_invalid_training_options_are_user_errors(bad, message):
    with pytest.raises(UserError, match=message):
        TrainConfig.from_dict({"dataset": "mnist", "model": "dense_vae", **bad})


def write_spec(tmp_path, text):
    (tmp_path / "toy.yaml").write_text(text)
    specs.load_spec.cache_clear()
    return str(tmp_path)


def test_malformed_yaml_names_file_and_line(tmp_path):
    directory = write_spec(tmp_path, "paper: toy\nartifacts: [unclosed\n")
    with pytest.raises(UserError, match=r"toy.yaml line \d+: malformed YAML"):
        specs.load_spec("toy", directory)


def test_empty_seed_grid_is_rejected(tmp_path):
    spec = yaml.safe_load((specs.benchmarks_dir() / "asperti2019.yaml").read_text())
    spec["experiments"]["table1_dense"]["scales"]["quick"]["seeds"] = []
    directory = write_spec(tmp_path, yaml.safe_dump(spec))
    with pytest.raises(UserError, match=r"experiments.table1_dense.scales.quick.seeds: \[\] "
                                        r"should be non-empty"):
        specs.load_spec("toy", directory)


def test_artifact_needing_an_undefined_experiment_is_rejected(tmp_path):
    directory = write_spec(tmp_path, yaml.safe_dump({
        "paper": "toy", "title": "t", "artifacts": {"table9": {
            "kind": "table", "title": "t", "source": "s", "claim": "c", "reported": {},
            "experiments": ["ghost"]}}}))
    with pytest.raises(UserError, match="needs experiment 'ghost'"):
        specs.load_spec("toy", directory)


def _toy_with_grid(grid) -> dict:
    experiment = {"train": {"dataset": "standin_mnist", "model": "dense_vae"},
                  "scales": {scale: {"seeds": [0]} for scale in specs.SCALES}}
    return {"paper": "toy", "title": "t",
            "experiments": {"small": experiment, "large": experiment},
            "artifacts": {"figure9": {"kind": "figure", "title": "t", "source": "s", "claim": "c",
                                      "reported": {}, "experiments": grid}}}


def test_an_artifact_may_run_a_smaller_grid_at_a_scale(tmp_path):
    grid = {"smoke": ["small"], "quick": ["small", "large"], "paper": ["small", "large"]}
    spec = specs.load_spec("toy", write_spec(tmp_path, yaml.safe_dump(_toy_with_grid(grid))))
    assert [run.parent.name for run in specs.artifact_runs(spec, "figure9", "smoke")] == ["small"]
    assert len(specs.artifact_runs(spec, "figure9", "quick")) == 2


def test_a_per_scale_grid_must_name_every_scale(tmp_path):
    directory = write_spec(tmp_path, yaml.safe_dump(_toy_with_grid({"smoke": ["small"]})))
    with pytest.raises(UserError, match="artifacts.figure9.experiments: 'quick' is a required"):
        specs.load_spec("toy", directory)


def test_unknown_scale_is_rejected():
    with pytest.raises(UserError, match="unknown scale 'huge'"):
        specs.check_scale("huge")


def test_plateau_rule():
    flat_tail = [100, 50, 30, 20, 15, 12, 11, 10.6, 10.5, 10.45, 10.44]
    still_falling = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 0]
    assert has_plateaued(flat_tail, window=0.1, rtol=0.02)
    assert not has_plateaued(still_falling, window=0.1, rtol=0.02)
    assert not has_plateaued([3.0, 2.0], window=0.1, rtol=0.5)  # too short to tell
    assert plateau_ratio([-1.0, -2.0, -2.5, -2.5, -2.5, -2.5, -2.5], 0.25) < 1e-12  # negative
    assert math.isinf(plateau_ratio([1.0], 0.1))


def test_scale_overrides_merge_nested_options():
    assert specs.merge({"arch": {"depth": 10, "width": 512}, "lr": 1e-3},
                       {"arch": {"width": 16}}) == {"arch": {"depth": 10, "width": 16},
                                                    "lr": 1e-3}
    reference = {"from": "ls_vae", "metric": "sigma"}
    assert specs.merge({"likelihood_args": {"sigma": 0.1}},
                       {"likelihood_args": {"sigma": reference}})["likelihood_args"] == {
        "sigma": reference}


def test_a_papers_inconsistency_is_shown_on_the_rows_it_touches():
    from vaebench.spec import inconsistencies

    spec = specs.load_spec("asperti2020")
    frame = pd.DataFrame({"lr": ["5e-05", "0.0001", "0.0001", "all"],
                          "metric": ["GEN-2", "GEN-2", "inactive", "GEN-2"]})
    notes = inconsistencies.annotate(frame, spec, "table5")[inconsistencies.COLUMN]
    assert notes[0] == "" and notes[3] == ""  # another rate, and the claims' row
    # each touched row carries the text of the entries that list it, read from the YAML
    says = {tuple(t["metrics"]): e["says"] for e in spec["inconsistencies"] for t in e["rows"]
            if t["artifact"] == "table5"}
    assert says[("GEN-2",)] in notes[1] and says[("inactive", "inactive_code")] in notes[2]
    assert says[("GEN-2",)] not in notes[2]
    untouched = pd.DataFrame({"metric": ["GEN-2"]})
    assert inconsistencies.COLUMN not in inconsistencies.annotate(untouched, spec, "figure5")


def test_an_inconsistency_must_name_a_defined_artifact():
    """(Its fields, the metrics among them, are the schema's: tests/test_spec_schema.py.)"""
    from vaebench.spec import inconsistencies

    entry = {"what": "w", "says": "s", "reading": "r", "rows": [{"artifact": "table9",
                                                                 "metrics": ["GEN-2"]}]}
    found = []
    inconsistencies.validate({"artifacts": {"table5": {}}, "inconsistencies": [entry]},
                             found.append)
    assert found == ["inconsistency 1 touches artifact 'table9', which is not defined"]


def test_a_build_judging_with_another_checkouts_specs_says_so_once(tmp_path, monkeypatch, capsys):
    """The current directory's benchmarks/ is the workflow's spec; when it is not the package's
    own and differs from it, a build says so once on stderr instead of judging silently."""
    import shutil

    shutil.copytree(specs.PACKAGE_BENCHMARKS, tmp_path / "benchmarks")
    monkeypatch.chdir(tmp_path)
    assert specs.benchmarks_dir().resolve() == (tmp_path / "benchmarks").resolve()
    specs.warn_if_foreign_specs()
    assert "warning" not in capsys.readouterr().err  # same specs: nothing to say
    changed = tmp_path / "benchmarks" / "asperti2019.yaml"
    changed.write_text(changed.read_text() + "\n# another checkout's edit\n")
    specs._warn_if_other_specs.cache_clear()
    specs.warn_if_foreign_specs()
    specs.warn_if_foreign_specs()
    err = capsys.readouterr().err
    assert err.count("vaebench warning: judging with the specs of") == 1
    assert str(specs.PACKAGE_BENCHMARKS) in err
