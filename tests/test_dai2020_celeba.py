"""Dai, Wang & Wipf 2020, Fig. 2 (σ_z histograms on CelebA): the orderings' verdicts, and the
builder on three tiny runs trained on the CelebA stand-in."""

import numpy as np
import pandas as pd
import pytest

from vaebench.artifacts import build
from vaebench.papers.dai2020.celeba import HIST_BINS, claim_rows, increases
from vaebench.spec import specs
from vaebench.train.loop import train


def _table(errors, fractions, converged=True, seeds=1):
    """Per depth 2/4/5, `seeds` runs scattered by 0.001 around the given means."""
    rows = [{"layers_per_scale": depth, "seed": seed, "recon_error": error + 0.001 * seed,
             "sigma_near_one_fraction": fraction + 0.001 * seed, "converged": converged}
            for depth, error, fraction in zip([2, 4, 5], errors, fractions, strict=True)
            for seed in range(seeds)]
    return pd.DataFrame(rows)


def test_increases_is_a_trend_over_depth_decided_by_its_slope():
    assert increases(_table([0.01, 0.02, 0.03], [0] * 3, seeds=3), "recon_error") == (True, True)
    assert increases(_table([0.03, 0.02, 0.01], [0] * 3, seeds=3), "recon_error") == (False, True)
    # a trend, not a chain of pairwise steps: a dip in the middle does not undo a rise
    rises = increases(_table([0.01, 0.03, 0.02], [0] * 3, seeds=3), "recon_error")
    assert rises[0] is True and rises.test.kind == "slope"
    # one seed per depth: the ordering is read, but seed noise cannot be ruled out
    assert increases(_table([0.01, 0.02, 0.03], [0] * 3), "recon_error") == (True, False)
    # steps smaller than the seeds' spread are not decided either
    assert increases(_table([0.0100, 0.0101, 0.0102], [0] * 3, seeds=3),
                     "recon_error") == (True, False)


@pytest.fixture
def reported():
    return specs.load_spec("dai2020")["artifacts"]["figure2"]["reported"]


def test_claims_follow_error_and_sigma_orderings(reported):
    verdicts = {r["metric"]: r["verdict"] for r in
                claim_rows(_table([0.01, 0.02, 0.03], [0.1, 0.3, 0.5], seeds=3), reported,
                           "quick")}
    assert set(verdicts.values()) == {"qualitative-match"}
    verdicts = {r["metric"]: r["verdict"] for r in
                claim_rows(_table([0.01, 0.02, 0.03], [0.5, 0.3, 0.1], seeds=3), reported,
                           "quick")}
    assert verdicts == {"error_grows_with_depth": "qualitative-match",
                        "more_sigma_near_one_with_depth": "differs"}
    one_seed = claim_rows(_table([0.01, 0.02, 0.03], [0.1, 0.3, 0.5]), reported, "quick")
    assert {r["verdict"] for r in one_seed} == {"inconclusive"}
    unconverged = claim_rows(_table([0.01, 0.02, 0.03], [0.1, 0.3, 0.5], converged=False,
                                    seeds=3), reported, "quick")
    assert {r["verdict"] for r in unconverged} == {"not-converged"}


def test_figure2_builder_on_stand_in_runs(tmp_path):
    spec = specs.load_spec("dai2020")
    for experiment in specs.artifact_experiments(spec, "figure2", "smoke"):
        cfg = specs.run_config(spec, experiment, "smoke", 0, {"device": "cpu", "epochs": 1})
        train(cfg, specs.run_dir(tmp_path / "runs", "smoke", "dai2020", experiment, 0),
              progress=False)
    out = build("dai2020", "figure2", "smoke", tmp_path / "runs", tmp_path / "results")
    frame = pd.read_csv(out)
    assert set(frame.verdict) == {"not-comparable"} and out.with_suffix(".png").exists()
    per_depth = frame[frame.layers_per_scale != "all"]
    assert sorted(per_depth.layers_per_scale.astype(int).unique()) == [2, 5]  # smoke grid
    runs = pd.read_csv(out.with_name("figure2_runs.csv"))
    hist = pd.read_csv(out.with_name("figure2_histograms.csv"))
    n_images = spec["artifacts"]["figure2"]["scales"]["smoke"]["eval_images"]
    for r in runs.itertuples():
        counts = hist[hist.layers_per_scale == r.layers_per_scale]
        assert counts["count"].sum() == n_images * r.latent_dim  # every σ_z of every image
        near = counts[counts.bin_low >= 0.9 - 1e-9]["count"].sum() / counts["count"].sum()
        assert np.isclose(near, r.sigma_near_one_fraction, atol=2 / counts["count"].sum())
        assert 0 < r.recon_error < 1
    assert len(hist) == len(runs) * (len(HIST_BINS) - 1)
