"""The choices a paper leaves open: artifacts rebuilt under alternatives, verdicts compared."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.test_spec_and_verdicts import _toy_with_grid, write_spec
from vaebench.artifacts import add_sensitivity
from vaebench.errors import UserError
from vaebench.eval.verdict import row
from vaebench.spec import alternatives, specs


def frame_of(verdicts: dict[tuple, str]) -> pd.DataFrame:
    rows = []
    for (depth, metric), verdict in verdicts.items():
        line = row({"depth": depth}, metric, None, [1.0], scale="quick", converged=True)
        rows.append({**line, "verdict": verdict})
    return pd.DataFrame(rows)


def test_each_verdict_says_whether_it_survives_the_alternatives():
    default = frame_of({(1, "claim"): "match", (2, "claim"): "differs", (1, "number"): "n/a"})
    same = frame_of({(1.0, "claim"): "match", (2, "claim"): "differs", (1, "number"): "n/a"})
    other = frame_of({(1, "claim"): "match", (2, "claim"): "inconclusive"})
    marked = alternatives.with_sensitivity(default, {"init_a": same, "init_b": other})
    assert marked.sensitivity.tolist() == [
        "robust", "depends on init_b (there: inconclusive)", ""]


def test_a_row_keyed_by_a_replicated_value_is_found_by_its_experiment():
    def keyed(sigma, verdict, experiment="f_star"):
        line = row({"sigma": sigma, "experiment": experiment}, "elbo", 1.0, [1.0],
                   scale="quick", converged=True)
        return {**line, "verdict": verdict}

    default = pd.DataFrame([keyed(0.0364, "match"), keyed(0.1, "differs", "f_sigma_0p1")])
    other = pd.DataFrame([keyed(0.0410, "differs"), keyed(0.1, "differs", "f_sigma_0p1")])
    marked = alternatives.with_sensitivity(default, {"latent_dim_1": other})
    assert marked.sensitivity.tolist() == ["depends on latent_dim_1 (there: differs)", "robust"]
    gone = pd.DataFrame([keyed(0.1, "differs", "f_sigma_0p1")])
    assert alternatives.with_sensitivity(default, {"latent_dim_1": gone}).sensitivity[0] == (
        "depends on latent_dim_1 (there: no such row)")


def test_a_match_on_both_sides_of_the_papers_number_depends_on_the_choice():
    """A tolerance that accepts the protocol below the paper's number and its alternative above
    it decides nothing: the row says the claim depends on that choice."""
    def valued(values):
        return pd.DataFrame([row({"k": 1}, "count", 8, values, tolerance=2, scale="quick",
                                 converged=True)])

    below, above, same_side = valued([7.0, 7.0, 7.0]), valued([9.0, 9.0, 9.0]), valued([7.5] * 3)
    assert below.verdict[0] == above.verdict[0] == "match"
    marked = alternatives.with_sensitivity(below, {"init_b": above})
    assert marked.sensitivity[0].startswith("depends on init_b (there: match too, but on the "
                                            "other side of the paper's number")
    assert alternatives.with_sensitivity(below, {"init_b": same_side}).sensitivity[0] == "robust"


def test_an_alternative_retrains_only_what_it_changes():
    spec = specs.load_spec("asperti2019")
    run = specs.run_config(spec, "table1_conv", "quick", 0, alternative="conv_3x_steps")
    assert run.epochs == 90 and run.meta["alternative"] == "conv_3x_steps"
    assert specs.run_config(spec, "table1_conv", "quick", 0).epochs == 30
    assert specs.run_config(spec, "table1_dense", "quick", 0, alternative="init_torch").init == \
        "torch"
    runs = specs.artifact_runs(spec, "table1_conv", "quick")
    moved = alternatives.run_dirs(spec, runs, "conv_3x_steps")
    assert {run.parent.parent.name for run in moved if run.parent.name == "table1_conv"} == {
        "asperti2019~conv_3x_steps"}
    assert {run.parent.parent.name for run in moved if run.parent.name == "table1_dense"} == {
        "asperti2019"}  # the dense net it is compared with keeps its default runs
    assert alternatives.split_paper_dir("asperti2019~init_torch") == ("asperti2019", "init_torch")
    assert alternatives.split_paper_dir("asperti2019") == ("asperti2019", None)


def test_an_undefined_alternative_is_a_one_line_spec_error(tmp_path):
    toy = _toy_with_grid(["small"])
    toy["artifacts"]["figure9"]["alternatives"] = ["ghost"]
    with pytest.raises(UserError, match="lists alternative 'ghost', which is not defined") as exc:
        specs.load_spec("toy", write_spec(tmp_path, yaml.safe_dump(toy)))
    assert "\n" not in str(exc.value)
    with pytest.raises(UserError, match="has no alternative 'ghost'; known: init_torch"):
        alternatives.options(specs.load_spec("asperti2019"), "ghost", "quick")


def test_the_sensitivity_needs_the_alternative_builds_first(tmp_path):
    spec = specs.load_spec("asperti2019")
    out = Path(tmp_path) / "asperti2019" / "table1.csv"
    out.parent.mkdir(parents=True)
    frame_of({(1, "claim"): "match"}).to_csv(out, index=False)
    with pytest.raises(UserError, match="--alternative init_torch"):
        add_sensitivity(spec, "table1", out, tmp_path)
    under = alternatives.artifact_csv(tmp_path, "asperti2019", "table1", "init_torch")
    under.parent.mkdir(parents=True)
    frame_of({(1, "claim"): "differs"}).to_csv(under, index=False)
    add_sensitivity(spec, "table1", out, tmp_path)
    assert pd.read_csv(out).sensitivity.tolist() == ["depends on init_torch (there: differs)"]
