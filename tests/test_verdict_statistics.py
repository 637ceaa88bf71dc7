"""The verdict's statistics: Welch's one-sided test with at least 3 runs a side, a value's
confidence interval against its tolerance band, trends by their slope, Holm within an
artifact, the runs an undecided ordering needs, and an artifact's verdict as its claims."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from vaebench.eval import stats
from vaebench.eval.verdict import (
    artifact_verdict,
    close,
    correlated,
    decide,
    every,
    finalise,
    judge,
    ordering,
    paired_ordering,
    rising,
    row,
)

QUICK = {"scale": "quick", "converged": True}


def test_welch_matches_scipys_one_sided_test():
    lower, higher = [1.0, 1.3, 0.8, 1.1], [1.6, 1.9, 1.4]
    test = stats.welch(lower, higher)
    expected = scipy_stats.ttest_ind(lower, higher, equal_var=False, alternative="less")
    assert test.p_value == pytest.approx(expected.pvalue)
    assert test.p_value + test.p_reverse == pytest.approx(1.0)
    assert test.effect == pytest.approx(np.mean(higher) - np.mean(lower))
    assert test.n_per_side == "4/3"


def test_an_ordering_needs_three_runs_a_side_and_p_below_alpha():
    assert ordering([1.0, 1.01], [2.0, 2.01]) == (True, False)  # 2 runs a side: never decided
    assert ordering([1.0, 1.01, 0.99], [2.0, 2.01, 1.99]) == (True, True)
    assert ordering([2.0, 2.01, 1.99], [1.0, 1.01, 0.99]) == (False, True)  # decided, reversed
    # beyond two standard errors (the old rule's "decided") with 3 runs a side: p > 0.05
    noisy = ordering([1.0, 1.2, 1.4], [1.34, 1.54, 1.74])
    assert noisy == (True, False) and noisy.test.p_value > stats.ALPHA


def test_a_claim_row_carries_its_test_and_is_decided_by_it():
    held = ordering([1.0, 1.1, 0.9], [2.0, 2.1, 1.9])
    cell = row({}, "claim", True, [float(held[0])], compare="equal", test=held.test, **QUICK)
    assert cell["verdict"] == "qualitative-match" and cell["p_value"] < 0.05
    assert cell["n_per_side"] == "3/3" and cell["direction"] == "as in the paper"
    reversed_ = ordering([2.0, 2.1, 1.9], [1.0, 1.1, 0.9])
    cell = row({}, "claim", True, [0.0], compare="equal", test=reversed_.test, **QUICK)
    assert cell["verdict"] == "differs" and cell["direction"] == "opposite"
    unsettled = ordering([1.0, 1.5, 0.7], [1.2, 1.6, 1.1])
    cell = row({}, "claim", True, [1.0], compare="equal", test=unsettled.test, **QUICK)
    assert cell["verdict"] == "inconclusive" and cell["direction"] == "as in the paper"
    assert cell["seeds_needed"] > 3  # what would settle it


def test_the_paired_test_matches_scipys_and_removes_the_runs_own_spread():
    # three runs far apart, each a little lower with the treatment: Welch cannot tell, the
    # paired test (the same runs measured two ways) can
    without, with_ = [300.0, 340.0, 380.0], [296.0, 337.0, 375.0]
    test = stats.paired(with_, without)
    expected = scipy_stats.ttest_rel(with_, without, alternative="less")
    assert test.p_value == pytest.approx(expected.pvalue)
    assert test.p_value + test.p_reverse == pytest.approx(1.0)
    assert test.effect == pytest.approx(4.0) and test.kind == "paired"
    assert paired_ordering(with_, without) == (True, True)
    assert ordering(with_, without) == (True, False)
    assert paired_ordering(without, with_) == (False, True)  # decided, reversed
    assert paired_ordering(with_[:2], without[:2])[1] is False  # 2 pairs never decide
    with pytest.raises(ValueError):
        stats.paired([1.0, 2.0], [1.0])


def test_little_difference_is_an_equivalence_test_within_the_band():
    same = [60.0, 61.0, 59.0]
    assert close(same, [60.5, 61.5, 59.5], band=5.0) == (True, True)  # TOST decides it
    assert close(same, [80.0, 81.0, 79.0], band=5.0) == (False, True)  # 20 apart: reversed
    near_edge = close(same, [64.0, 66.0, 62.0], band=5.0)  # 4 apart, spread 1: undecided
    assert near_edge[1] is False and near_edge.test.effect == pytest.approx(1.0)
    # TOST's p is the larger of two one-sided Welch tests shifted by the band
    a, b = np.array(same), np.array([61.0, 63.5, 60.0])
    lower = scipy_stats.ttest_ind(a + 5.0, b, equal_var=False, alternative="greater").pvalue
    upper = scipy_stats.ttest_ind(a - 5.0, b, equal_var=False, alternative="less").pvalue
    assert stats.within(a, b, 5.0).p_value == pytest.approx(max(lower, upper))
    assert close(same[:2], same[:2], band=5.0)[1] is False  # 2 runs a side never decide


def test_a_rank_correlation_is_spearmans_one_sided_test():
    x, y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2.0, 1.0, 4.0, 3.0, 6.0, 5.0]
    test = stats.rank_correlation(x, y)
    expected = scipy_stats.spearmanr(x, y, alternative="greater")
    assert test.p_value == pytest.approx(expected.pvalue)
    assert test.effect == pytest.approx(expected.statistic) and test.kind == "spearman"
    assert correlated(x, y) == (True, True)
    assert correlated(x, [-v for v in y]) == (False, True)  # decided, reversed
    assert correlated(x[:2], y[:2])[1] is False  # too few runs
    assert stats.runs_for_correlation(0.5) == math.ceil(
        ((scipy_stats.norm.ppf(0.95) + scipy_stats.norm.ppf(0.8)) / math.atanh(0.5)) ** 2 + 3)


def test_pairs_needed_reach_80_percent_power():
    dz = 0.9
    n = stats.pairs_for_power(dz)
    def power(k):
        return scipy_stats.nct.sf(scipy_stats.t.ppf(0.95, k - 1), k - 1, dz * math.sqrt(k))
    assert power(n) >= 0.8 > power(n - 1)
    assert stats.pairs_for_power(0.1) is None  # flat within noise


def test_seeds_needed_reaches_80_percent_power():
    n = stats.seeds_for_power(1.0)
    power = scipy_stats.nct.sf(scipy_stats.t.ppf(0.95, 2 * n - 2), 2 * n - 2, math.sqrt(n / 2))
    assert power >= 0.8
    before = scipy_stats.nct.sf(scipy_stats.t.ppf(0.95, 2 * n - 4), 2 * n - 4,
                                math.sqrt((n - 1) / 2))
    assert before < 0.8
    assert stats.seeds_for_power(0.05) is None  # flat within noise: no plan settles it


def test_a_trend_is_tested_on_its_slope_not_on_pairwise_gaps():
    levels = [1, 2, 3, 4]
    values = [[1.0, 1.2, 0.9], [1.3, 1.2, 1.4], [1.5, 1.7, 1.4], [1.9, 1.8, 2.0]]
    rises = rising(levels, values)
    assert rises == (True, True) and rises.test.kind == "slope"
    x = np.repeat(levels, 3)
    expected = scipy_stats.linregress(x, np.concatenate(values))
    assert rises.test.p_value == pytest.approx(expected.pvalue / 2)  # one-sided
    assert rising(levels, [[-v for v in vs] for vs in values]) == (False, True)
    one_seed = rising(levels, [[1.0], [1.1], [1.15], [1.3]])
    assert one_seed[1] is False  # one run per level: no decision, whatever the slope


def test_every_needs_each_ordering_and_fails_on_one_reversal():
    up = ordering([1.0, 1.1, 0.9], [2.0, 2.1, 1.9])
    flat = ordering([1.0, 1.5, 0.7], [1.2, 1.6, 1.1])
    down = ordering([2.0, 2.1, 1.9], [1.0, 1.1, 0.9])
    assert every([up, up]) == (True, True)
    assert every([up, flat]) == (True, False)  # the flat one leaves it undecided
    assert every([up, down]) == (False, True)


@pytest.mark.parametrize("cell, expected", [
    ({"reported": 8, "replicated": 9, "std": 0.1, "n_runs": 3, "compare": "abs",
      "tolerance": 2}, "match"),
    ({"reported": 8, "replicated": 11, "std": 0.1, "n_runs": 3, "compare": "abs",
      "tolerance": 2}, "differs"),
    ({"reported": 8, "replicated": 9.5, "std": 1.0, "n_runs": 3, "compare": "abs",
      "tolerance": 2}, "inconclusive"),  # the interval straddles the band's edge
    ({"reported": 8, "replicated": 9, "std": math.nan, "n_runs": 1, "compare": "abs",
      "tolerance": 2}, "inconclusive"),  # one run: the seed noise is unknown
    ({"reported": 8, "replicated": 9, "std": math.nan, "n_runs": 1, "compare": "abs",
      "tolerance": 2, "deterministic": True}, "match"),  # no seed noise, said in the YAML
    ({"reported": 1.0, "replicated": 1.4, "std": 0.01, "n_runs": 3, "compare": "at_least",
      "tolerance": 0}, "match"),
    ({"reported": 1.0, "replicated": 0.9, "std": 0.01, "n_runs": 3, "compare": "at_least",
      "tolerance": 0}, "differs"),
    ({"reported": True, "replicated": 1.0, "compare": "equal"}, "qualitative-match"),
    ({"reported": None, "replicated": 1.0, "compare": "abs"}, "n/a"),
])
def test_a_value_is_judged_by_its_interval_against_the_band(cell, expected):
    assert decide({**QUICK, **cell})[0] == expected


def test_comparability_and_convergence_are_inputs_of_the_one_decision():
    value = {"reported": 8, "replicated": 9, "std": 0.1, "n_runs": 3, "compare": "abs",
             "tolerance": 2}
    assert decide({**value, "scale": "smoke", "converged": True})[0] == "not-comparable"
    assert decide({**value, **QUICK, "converged": False})[0] == "not-converged"
    verdict, why = decide({**value, **QUICK, "not_comparable": "FID at N=1000"})
    assert verdict == "not-comparable" and "N=1000" in why
    assert judge(8, 9, "abs", 2, "quick", True, std=0.1, n_runs=3) == "match"


def test_holm_adjusts_the_orderings_of_one_artifact():
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(stats.holm([0.01, math.nan])[1])
    # two orderings at p = 0.03 and 0.04: each decided alone, neither after Holm
    tests = [stats.Test(p, 1 - p, 1.0, 1.0, "3/3", 4) for p in (0.03, 0.04)]
    rows = [row({"k": i}, f"claim{i}", True, [1.0], compare="equal", test=t, **QUICK)
            for i, t in enumerate(tests)]
    assert [r["verdict"] for r in rows] == ["qualitative-match"] * 2
    judged = finalise(pd.DataFrame(rows))
    assert judged.verdict.tolist() == ["inconclusive"] * 2
    assert judged.p_holm.tolist() == pytest.approx([0.06, 0.06])


def test_an_artifacts_verdict_summarises_its_claims_not_the_worst_row():
    frame = pd.DataFrame({"metric": ["a", "b", "c", "d", "e"],
                          "verdict": ["match", "match", "differs", "not-converged", "n/a"]})
    judged = frame.assign(claim=["one", "one", "two", "three", ""],
                          scope=["paper", "paper", "paper", "paper", ""])
    assert artifact_verdict(judged) == "1 holds, 1 fails, 1 undecided"
    extension = judged.assign(scope=["paper", "paper", "extension", "paper", ""])
    assert artifact_verdict(extension) == "1 holds, 1 undecided; 1 row beyond the paper"


def test_finalise_names_each_rows_claim_and_scope():
    rows = [row({}, "gen2_better", True, [1.0], compare="equal", **QUICK),
            row({}, "extra_check", True, [1.0], compare="equal", **QUICK),
            row({}, "unjudged", None, [1.0], **QUICK)]
    judged = finalise(pd.DataFrame(rows), {"gen2_better": "c1", "extra_check": "extension"})
    assert judged.claim.tolist() == ["c1", "", ""]
    assert judged.scope.tolist() == ["paper", "extension", ""]


def test_a_reduced_protocols_absolute_values_are_not_comparable():
    from vaebench.spec import claims, specs

    spec = specs.load_spec("asperti2020")
    rows = [row({}, "mse", 0.0041, [0.021, 0.0212, 0.0209], tolerance=5e-4, **QUICK),
            row({}, "gen2_computed_better", True, [1.0], compare="equal", **QUICK)]
    assert rows[0]["verdict"] == "differs"
    judged = finalise(claims.mark_reduced(pd.DataFrame(rows), spec, "table2", "quick"))
    assert judged.verdict.tolist() == ["not-comparable", "qualitative-match"]
    assert "quarter of their width" in judged.why[0]
    at_paper = finalise(claims.mark_reduced(pd.DataFrame(rows), spec, "table2", "paper"))
    assert at_paper.verdict[0] == "differs"
