"""The statistician's rule: every tolerance of benchmarks/<paper>.yaml FAILS a trivial baseline
(an untrained model, a constant output, every latent collapsed, the data generator's own
parameter), as its `baselines:` block states; vaebench.spec.baselines reads the paths."""

import pandas as pd
import pytest
import torch

from vaebench.errors import UserError
from vaebench.eval.verdict import row
from vaebench.papers.asperti2019 import builders as asperti2019
from vaebench.spec import baselines, specs
from vaebench.train.latent_stats import statistics_from_moments


def _checked(spec: dict):
    """(artifact, key, entry, tolerance) of every entry with a value."""
    for artifact, keys in baselines.entries(spec).items():
        tolerances = baselines.numeric_tolerances(spec["artifacts"][artifact])
        for key, entry in keys.items():
            if "none" not in entry:
                yield artifact, key, entry, tolerances[key]


@pytest.mark.parametrize("paper", specs.PAPERS)
def test_every_numeric_tolerance_has_a_baseline(paper):
    spec = specs.load_spec(paper)
    table = baselines.entries(spec)
    missing = [f"{artifact}.{key}" for artifact, art in spec["artifacts"].items()
               for key in baselines.numeric_tolerances(art)
               if key not in (table.get(artifact) or {})]
    assert not missing, f"{paper}: tolerance keys without a baseline: {missing}"


@pytest.mark.parametrize("paper", specs.PAPERS)
def test_every_baseline_fails_its_tolerance_band(paper):
    spec = specs.load_spec(paper)
    inside, marks = [], 0
    for artifact, key, entry, tolerance in _checked(spec):
        checks = baselines.checks(entry, spec["artifacts"][artifact], tolerance)
        assert checks, f"{paper}.{artifact}.{key}: its paths select no number"
        for check in checks:
            fails = baselines.fails(check.baseline, check.reported, check.tolerance,
                                    check.compare)
            where = (f"{paper}.{artifact}.{key}{check.label}: baseline {check.baseline:g}, "
                     f"reported {check.reported:g}, {check.compare} +- {check.tolerance:g}")
            if check.uninformative:  # skipped, but it must be one no tolerance can separate
                marks += 1
                assert not fails, f"{where} fails after all: drop it from uninformative"
            elif not fails:
                inside.append(where)
        for item in entry.get("uninformative") or []:
            assert any(baselines.is_uninformative({"uninformative": [item]}, one)
                       for one in _selected(entry, spec["artifacts"][artifact])), (
                f"{paper}.{artifact}.{key}: uninformative {item!r} marks no reported number")
    assert not inside, "baselines inside their tolerance band:\n" + "\n".join(inside)


def _selected(entry: dict, artifact: dict) -> list:
    if "values" in entry:
        return [baselines.Selected(f"values[{i}]", v, ()) for i, v in enumerate(entry["values"])]
    paths = entry["reported_paths"] if "reported_paths" in entry else [entry["reported"]]
    return [one for path in paths for one in baselines.resolve(artifact["reported"], path)]


@pytest.mark.parametrize("paper", specs.PAPERS)
def test_entries_without_a_number_say_why(paper):
    spec = specs.load_spec(paper)
    for artifact, keys in baselines.entries(spec).items():
        for key, entry in keys.items():
            if "none" in entry:
                assert isinstance(entry["none"], str) and len(entry["none"].strip()) > 20, (
                    f"{paper}.{artifact}.{key}: none must give the reason")
            if entry.get("uninformative"):
                assert str(entry.get("uninformative_why", "")).strip(), (
                    f"{paper}.{artifact}.{key}: uninformative needs uninformative_why")


@pytest.mark.parametrize("compare", ["abs", "at_least", "at_most"])
@pytest.mark.parametrize("baseline", [0.0, 0.9, 0.94, 0.957, 1.0, 1.04, 1.06, 1.1])
def test_fails_is_the_verdicts_band(compare, baseline):
    # a baseline without seed noise (three equal runs) is judged by the builder's row itself
    # (off the edges of the band, where the mean of three equal floats may round either way)
    cell = row({}, "m", 1.0, [baseline] * 3, compare=compare, tolerance=0.05, scale="quick",
               converged=True)
    assert baselines.fails(baseline, 1.0, 0.05, compare) == (cell["verdict"] == "differs")
    assert cell["verdict"] in ("match", "differs")


def test_paths_collect_over_lists_and_scale_the_tolerance():
    art = {"reported": {"rows": [{"epochs": 50, "law": 1.01, "law_std": 0.01},
                                 {"epochs": 100, "law": 0.90, "law_std": 0.02},
                                 {"note": "no law here"}],
                        "elbo": {"f_1": [0.3, 0.1]}, "count": 8}}
    assert [s.value for s in baselines.resolve(art["reported"], ["rows", "law"])] == [1.01, 0.9]
    assert baselines.resolve(art["reported"], ["rows", 1, "epochs"])[0].value == 100
    assert baselines.resolve(art["reported"], ["elbo", "f_1", 0])[0].label == ".elbo.f_1[0]"
    with pytest.raises(baselines.PathError, match="no key"):
        baselines.resolve(art["reported"], ["counts"])
    with pytest.raises(baselines.PathError, match="out of range"):
        baselines.resolve(art["reported"], ["rows", 5, "law"])
    entry = {"value": 1.0, "compare": "abs", "reported_paths": [["rows", "law"]],
             "tolerance_multiplier_paths": [["rows", 0, "law_std"]],
             "uninformative": [{"epochs": 50}]}
    checks = baselines.checks(entry, art, 3.0)
    assert [c.tolerance for c in checks] == pytest.approx([0.03, 0.03])
    assert [c.uninformative for c in checks] == [True, False]
    assert baselines.checks({**entry, "uninformative": [0.9]}, art, 3.0)[1].uninformative
    with pytest.raises(baselines.PathError, match="2 values for 1 paths"):
        baselines.checks({**entry, "value": [1.0, 0.0]}, art, 3.0)


@pytest.mark.parametrize("table, error", [
    ({"nowhere": {"x": {"none": "not defined"}}}, "artifact 'nowhere' is not defined"),
    ({"a": {"width_why": {"none": "a text key"}}}, "not a numeric tolerance"),
    ({"a": {"width": {"value": 1.0, "compare": "abs"}}}, "name the reported numbers once"),
    ({"a": {"width": {"value": [1.0, 2.0], "compare": "abs", "reported": ["v"]}}},
     "parallel to reported_paths"),
])
def test_validate_checks_what_the_schema_cannot(table, error):
    """(The entries' fields are the schema's: tests/test_spec_schema.py.)"""
    spec = {"artifacts": {"a": {"reported": {"v": 1.0},
                                "tolerance": {"width": 0.1, "width_why": "a reason"}}},
            "baselines": table}

    def fail(what):
        raise UserError(what)

    with pytest.raises(UserError, match=error):
        baselines.validate(spec, fail)
    baselines.validate({**spec, "baselines": {"a": {"width": {
        "value": 1.0, "compare": "abs", "reported": ["v"]}}}}, fail)


def _latent_runs(n_latent: int, n_inactive: int, runs: int = 3) -> list[pd.DataFrame]:
    """Sorted latent_stats frames of `runs` seeds: n_inactive collapsed variables (μ = 0,
    σ² = 1, the prior), the others active (Var μ ~ 0.94, σ² = 0.03)."""
    frames = []
    for seed in range(runs):
        gen = torch.Generator().manual_seed(seed)
        mu = torch.randn(4000, n_latent, generator=gen) * 0.97
        logvar = torch.full((4000, n_latent), 0.03).log()
        mu[:, :n_inactive] = 0.0
        logvar[:, :n_inactive] = 0.0
        frames.append(asperti2019.sorted_profile(statistics_from_moments(mu, logvar)))
    return frames


def _law_rows(stats: list[pd.DataFrame]) -> list[dict]:
    common = {"scale": "quick", "converged": True}
    return ([asperti2019.law_deviation_row({"rank": ""}, 0.0, stats, 0.1, "Sec. 4", common)]
            + asperti2019.variance_law_rows({}, 1.0, stats, 0.1, "Sec. 4", common))


def test_all_collapsed_latents_never_match_the_variance_law():
    collapsed = _latent_runs(16, 16)
    assert all(s["variance_law"].eq(1.0).all() for s in collapsed)  # the law, by construction
    rows = _law_rows(collapsed)
    assert len(rows) == 1 + 16
    assert {r["verdict"] for r in rows} == {"n/a"}
    assert {r["state"] for r in rows[1:]} == {"inactive"}
    assert all(r["reported"] is None for r in rows[1:])
    # the rows do judge a trained model: its active variables, not its collapsed ones
    trained = _law_rows(_latent_runs(16, 8))
    assert trained[0]["verdict"] == "match"
    assert [r["state"] for r in trained[1:]] == ["active"] * 8 + ["inactive"] * 8
    assert {r["verdict"] for r in trained[1:9]} == {"match"}
    assert {r["verdict"] for r in trained[9:]} == {"n/a"}


def test_a_rank_active_in_some_runs_is_judged_on_those_runs():
    stats = _latent_runs(4, 1)[:2] + _latent_runs(4, 2)[2:]
    rows = asperti2019.variance_law_rows({}, 1.0, stats, 0.1, "Sec. 4",
                                         {"scale": "quick", "converged": True})
    assert [r["state"] for r in rows] == ["active", "active", "active in 2 of 3 runs",
                                          "inactive"]
    assert [r["n_runs"] for r in rows] == [3, 3, 2, 3]
