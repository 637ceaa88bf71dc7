"""Artifact builders: tidy reported-vs-replicated CSVs with verdicts, and their plots."""

import pandas as pd
import pytest
import torch

from tests.conftest import build_with_alternatives
from vaebench import atomic
from vaebench.artifacts import build
from vaebench.eval.verdict import CONTRACT
from vaebench.record.summary import write_summary
from vaebench.train.latent_stats import statistics_from_moments


def fake_run(run_dir, n_inactive: int, converged: bool, seed: int):
    """A finished run whose 16 latents have `n_inactive` collapsed variables."""
    gen = torch.Generator().manual_seed(seed)
    n = 5000
    mu = torch.randn(n, 16, generator=gen) * 0.97
    mu[:, :n_inactive] *= 0.01
    sigma2 = torch.full((n, 16), 0.03)
    sigma2[:, :n_inactive] = 0.98
    atomic.write_csv(run_dir / "latent_stats.csv", statistics_from_moments(mu, sigma2.log()))
    atomic.write_json(run_dir / "done.json", {"converged": converged})


def make_runs(root, scale, inactive_counts, converged=True):
    for seed, count in enumerate(inactive_counts):
        fake_run(root / scale / "asperti2019" / "table1_dense" / f"seed{seed}", count,
                 converged, seed)


@pytest.mark.parametrize("counts, converged, verdict", [
    ([8, 8, 9], True, "match"), ([14, 15, 13], True, "differs"),
    ([8, 7, 10], True, "inconclusive"),  # its 95 % interval straddles the band 8 +- 2
    ([8, 8, 8], False, "not-converged"),
])
def test_asperti2019_table1_verdicts(tmp_path, counts, converged, verdict):
    make_runs(tmp_path / "runs", "quick", counts, converged)
    out = build_with_alternatives("asperti2019", "table1", "quick", tmp_path / "runs",
                                  tmp_path / "results")
    frame = pd.read_csv(out)
    assert set(CONTRACT) <= set(frame.columns)
    count = frame[frame.metric == "inactive_count_sigma2"].iloc[0]
    assert count.reported == 8 and count.replicated == pytest.approx(sum(counts) / 3)
    assert count.n_runs == 3 and count.verdict == verdict
    assert out.with_suffix(".png").stat().st_size > 10_000
    ranks = frame[frame.metric == "mean_sigma2"]
    assert len(ranks) == 16  # one row per latent, compared by rank of Var(μ)
    assert count.sensitivity == "robust"  # the same runs under init_torch: the same verdict


def test_smoke_scale_never_gives_a_verdict(tmp_path):
    make_runs(tmp_path / "runs", "smoke", [8])
    frame = pd.read_csv(build_with_alternatives("asperti2019", "table1", "smoke", tmp_path / "runs",
                              tmp_path / "results"))
    assert set(frame.verdict) == {"not-comparable"} and set(frame.scale) == {"smoke"}


def test_berger2020_figure2_transition_and_theorem(tmp_path):
    out = build("berger2020", "figure2", "quick", tmp_path / "runs", tmp_path / "results")
    frame = pd.read_csv(out)
    d2 = frame[(frame.D == 2) & (frame.metric == "transition_R_over_sigma")].iloc[0]
    assert d2.verdict == "match" and abs(d2.replicated - 2**0.5) < 1e-3
    bound_rows = frame[frame.metric == "transition_vs_theorem1_bound"]
    assert set(bound_rows.D) == {2, 3, 5, 10} and set(bound_rows.verdict) == {"match"}
    argmax = pd.read_csv(out.with_name("figure2_argmax.csv"))
    below = argmax[argmax.R_over_sigma < 1.3].argmax_r_over_sigma
    assert (below == 0).all() and argmax.argmax_r_over_sigma.iloc[-1] > 5
    assert out.with_suffix(".png").exists()


def test_a_builder_returns_its_table_and_figure_and_build_writes_them(tmp_path):
    """The one builder shape: a builder (here an analytic one) returns its table, figure and
    side tables and writes nothing; build() writes the CSV, the PNG and <name>_<key>.csv."""
    from matplotlib.figure import Figure

    from vaebench.artifacts.context import BuildContext, Built
    from vaebench.papers.berger2020 import builders as berger2020
    from vaebench.spec import specs

    folder = tmp_path / "results" / "berger2020"
    built = berger2020.figure2(BuildContext(specs.load_spec("berger2020"), "figure2", "quick",
                                            folder=folder))
    assert isinstance(built, Built) and isinstance(built.figure, Figure)
    assert set(CONTRACT) <= set(built.table.columns) and list(built.extra_tables) == ["argmax"]
    assert not any(tmp_path.rglob("*"))  # nothing written by the builder
    out = build("berger2020", "figure2", "quick", tmp_path / "runs", tmp_path / "results")
    assert out == folder / "figure2.csv"
    assert {p.name for p in folder.iterdir()} >= {"figure2.csv", "figure2.png",
                                                   "figure2_argmax.csv"}
    pd.testing.assert_frame_equal(pd.read_csv(folder / "figure2_argmax.csv"),
                                  built.extra_tables["argmax"], check_dtype=False)
    assert out.with_suffix(".png").stat().st_size > 10_000


def test_summary_lists_built_and_skipped_artifacts(tmp_path):
    make_runs(tmp_path / "runs", "quick", [8, 8, 8])
    table = build_with_alternatives("asperti2019", "table1", "quick", tmp_path / "runs",
                                    tmp_path / "results")
    out = tmp_path / "summary.csv"
    write_summary([str(table)], ["berger2020/figure2: reason given"], "quick", out)
    summary = pd.read_csv(out).set_index("artifact")
    assert summary.loc["table1", "verdict"] == "3 hold"  # its claims, not its worst row
    assert summary.loc["figure2", "verdict"] == "skipped"
    assert summary.loc["figure2", "skipped_reason"] == "reason given"
    page = (tmp_path / "REPLICATION.md").read_text()
    assert "| asperti2019 | table1 | **3 hold** | quick |" in page
    assert "| berger2020 | figure2 | **skipped** |" in page and "reason given" in page
    assert "| inactive_count_sigma2 | 8 |" in page  # the reported cells, beside replicated


def test_na_verdicts_survive_a_round_trip(tmp_path):
    from vaebench.eval.verdict import read_artifact_csv, row

    frame = pd.DataFrame([row({}, "m", None, [1.0], scale="quick", converged=True)])
    frame.to_csv(tmp_path / "a.csv", index=False)
    assert read_artifact_csv(tmp_path / "a.csv").verdict.tolist() == ["n/a"]
