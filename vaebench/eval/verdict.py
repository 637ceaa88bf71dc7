"""Reported vs replicated: the rows of every artifact CSV and the verdict each one earns.

Columns (DESIGN.md contract): the table's own keys, then metric, reported, replicated, std,
n_runs, delta, verdict, scale, tolerance, compare, converged, source, and the statistics behind
the verdict: ci_low/ci_high (a value's interval), p_value/p_holm (an ordering's one-sided Welch
p and its Holm adjustment within the artifact), effect/effect_std, n_per_side, direction,
seeds_needed, why; `claim` and `scope` name the paper's claim each row judges.

Verdicts: match / differs (a value's confidence interval inside / wholly outside the YAML's
tolerance band; a stated ordering or count holding / reversed, significantly), qualitative-match
(a stated ordering holds at p < α with at least 3 runs a side, or a count holds),
inconclusive (a converged comparison the test cannot decide: the interval straddles the band,
p ≥ α, or too few runs; `direction` and `seeds_needed` say where it points and what would
settle it), not-converged, not-comparable (smoke scale, or measured unlike the paper's, with
the reason in `why`), n/a (nothing to compare with). Every verdict is decided in `decide`.
"""

import math

import pandas as pd

from vaebench.eval import stats
from vaebench.eval.stats import ALPHA, MIN_RUNS, Test

CONTRACT = ["metric", "reported", "replicated", "std", "n_runs", "delta", "verdict", "scale",
            "tolerance", "compare", "converged", "source"]
STATISTICS = ["ci_low", "ci_high", "p_value", "p_reverse", "p_holm", "effect", "effect_std",
              "n_per_side", "direction", "seeds_needed", "deterministic", "decided",
              "not_comparable", "undecided_why", "why"]
VERDICT_SCALES = ("quick", "paper")
HOLDS = ("match", "qualitative-match")


class Ordering(tuple):
    """(holds, decided) of an ordering, as builders unpack it, with its `test` attached."""

    def __new__(cls, test: Test, alpha: float = ALPHA):
        decided = (fewest_runs(test.n_per_side) >= MIN_RUNS
                   and min(test.p_value, test.p_reverse) < alpha)
        holds = test.effect > 0 if math.isfinite(test.effect) else False
        made = super().__new__(cls, (bool(holds), bool(decided)))
        made.test = test
        return made


def fewest_runs(n_per_side: str) -> int:
    """The runs of the smaller side of "3/4" (two groups), or per level of "3x4" (a trend)."""
    if "x" in n_per_side:
        return int(n_per_side.split("x")[0])
    return min(int(n) for n in n_per_side.split("/"))


def ordering(lower: list[float], higher: list[float]) -> Ordering:
    """mean(lower) < mean(higher), tested: a one-sided Welch t-test at α with at least
    MIN_RUNS runs a side decides it (either way); otherwise it stays undecided."""
    return Ordering(stats.welch(lower, higher))


def paired_ordering(lower: list[float], higher: list[float]) -> Ordering:
    """mean(lower) < mean(higher) where the i-th values of both come from the same run (the
    same seed measured two ways): the paired one-sided t-test at α, at least MIN_RUNS pairs."""
    return Ordering(stats.paired(lower, higher))


def close(first: list[float], second: list[float], band: float) -> Ordering:
    """The two groups' means differ by less than `band` (the paper's "little difference"):
    TOST at α, at least MIN_RUNS runs a side; reversed when the difference is beyond the band."""
    return Ordering(stats.within(first, second, band))


def correlated(x: list[float], y: list[float]) -> Ordering:
    """y rises with x across runs: Spearman's one-sided test at α, at least MIN_RUNS runs."""
    return Ordering(stats.rank_correlation(x, y))


def rising(levels: list[float], values: list[list[float]]) -> Ordering:
    """A trend over more than two groups (values per level) rising with the level: the slope's
    one-sided test, not a chain of pairwise gaps. Pass negated values for a falling trend."""
    return Ordering(stats.trend(levels, values))


def every(outcomes: list[Ordering]) -> Ordering:
    """All of several orderings: holds when each holds (intersection-union, so p is the largest
    p); reversed when any one is reversed (Bonferroni over them); the runs needed are the
    largest any one needs."""
    tests = [o.test for o in outcomes]
    p_value = max(t.p_value for t in tests)
    p_reverse = min(1.0, len(tests) * min(t.p_reverse for t in tests))
    worst = min(tests, key=lambda t: t.effect)
    needed = [t.seeds_needed for t in tests]
    combined = Test(p_value, p_reverse, worst.effect, worst.effect_std, worst.n_per_side,
                    None if None in needed else max(needed), worst.kind)
    return Ordering(combined)


def judge(reported, replicated, compare: str, tolerance: float, scale: str,
          converged: bool, std: float = math.nan, n_runs: int = 1,
          deterministic: bool = False) -> str:
    """The verdict of one value or boolean cell (no ordering test); see `decide`."""
    return decide({"reported": reported, "replicated": replicated, "compare": compare,
                   "tolerance": tolerance, "scale": scale, "converged": converged, "std": std,
                   "n_runs": n_runs, "deterministic": deterministic})[0]


def decide(cell: dict, alpha: float = ALPHA) -> tuple[str, str]:
    """(verdict, why) of one row from its columns: the one place a verdict is decided.
    Comparability (scale, a measurement unlike the paper's) is an input, not an override."""
    if cell.get("scale") not in VERDICT_SCALES:
        return "not-comparable", f"{cell.get('scale')} scale: plumbing only"
    reported, replicated = cell.get("reported"), cell.get("replicated")
    if _missing(reported) or _missing(replicated):
        return "n/a", ""
    if _given(cell.get("not_comparable")):
        return "not-comparable", str(cell["not_comparable"])
    if not as_bool(cell.get("converged")):
        return "not-converged", "the runs had not converged on the quantity the claim reads"
    if _given(cell.get("undecided_why")):
        return "inconclusive", str(cell["undecided_why"])
    if cell.get("compare") == "equal":
        return _decide_claim(cell, alpha)
    return _decide_value(cell, alpha)


def _decide_claim(cell: dict, alpha: float) -> tuple[str, str]:
    asserted = as_bool(cell["reported"])
    if not _given(cell.get("n_per_side")):  # a count or fact, no seed test
        if not _flag(cell.get("decided"), True):
            return "inconclusive", "within the seed noise"
        same = asserted == as_bool(cell["replicated"])
        return ("qualitative-match" if same else "differs"), "as counted"
    p, p_reverse = _number(cell.get("p_value"), 1.0), _number(cell.get("p_reverse"), 1.0)
    if _given(cell.get("p_holm")):  # Holm adjusts the smaller of the two one-sided p's
        adjusted = _number(cell["p_holm"], 1.0)
        p, p_reverse = (adjusted, p_reverse) if p <= p_reverse else (p, adjusted)
    if fewest_runs(str(cell["n_per_side"])) < MIN_RUNS:
        return "inconclusive", f"{cell['n_per_side']} runs; at least {MIN_RUNS} a side decide"
    if p < alpha:
        return ("qualitative-match" if asserted else "differs"), f"p = {p:.3g} < {alpha}"
    if p_reverse < alpha:
        return ("differs" if asserted else "qualitative-match"), (
            f"reversed: p = {p_reverse:.3g} < {alpha}")
    return "inconclusive", f"p = {min(p, p_reverse):.3g} >= {alpha}"


def _decide_value(cell: dict, alpha: float) -> tuple[str, str]:
    reported, tolerance = float(cell["reported"]), float(cell.get("tolerance") or 0.0)
    band = {"abs": (reported - tolerance, reported + tolerance),
            "at_least": (reported - tolerance, math.inf),
            "at_most": (-math.inf, reported + tolerance)}[cell["compare"]]
    mean = float(cell["replicated"])
    if as_bool(cell.get("deterministic")):
        low = high = mean
    else:
        low, high = stats.interval_from_summary(mean, _number(cell.get("std"), math.nan),
                                                int(cell.get("n_runs") or 0), alpha)
    if not math.isfinite(low):
        return "inconclusive", "one run: no interval (seed noise unknown)"
    if not _flag(cell.get("decided"), True):
        return "inconclusive", "within the seed noise"
    if band[0] <= low and high <= band[1]:
        return "match", f"{1 - alpha:.0%} interval [{low:.4g}, {high:.4g}] inside the band"
    if high < band[0] or low > band[1]:
        return "differs", f"{1 - alpha:.0%} interval [{low:.4g}, {high:.4g}] outside the band"
    return "inconclusive", f"{1 - alpha:.0%} interval [{low:.4g}, {high:.4g}] straddles the band"


def row(keys: dict, metric: str, reported, values: list, *, compare: str = "abs",
        tolerance: float = 0.0, scale: str, converged: bool, source: str = "",
        decided: bool = True, test: Test | None = None, not_comparable: str | None = None,
        deterministic: bool = False) -> dict:
    """One tidy row from the per-run values of a metric, its verdict decided by `decide`.
    `test`: an ordering's or trend's statistics (a claim row); `decided=False` marks a
    comparison the builder knows to be within the seed noise; `not_comparable`: why the
    number is measured unlike the paper's; `deterministic`: the value has no seed noise."""
    series = pd.Series(values, dtype="float64")
    replicated = float(series.mean()) if len(series) else float("nan")
    delta = replicated - reported if not _missing(reported) and compare != "equal" else None
    if not _missing(reported) and compare == "equal":
        delta = replicated - float(reported)
    std = float(series.std(ddof=1)) if len(series) > 1 else float("nan")
    low, high = ((replicated, replicated) if deterministic
                 else stats.interval_from_summary(replicated, std, len(series)))
    cell = {**keys, "metric": metric, "reported": reported, "replicated": replicated,
            "std": std, "n_runs": len(series), "delta": delta, "verdict": "",
            "scale": scale, "tolerance": tolerance, "compare": compare,
            "converged": converged, "source": source,
            "ci_low": low if compare != "equal" else math.nan,
            "ci_high": high if compare != "equal" else math.nan,
            **_test_columns(test), "deterministic": deterministic,
            "not_comparable": not_comparable or "", "decided": decided}
    cell["verdict"], cell["why"] = decide(cell)
    return cell


def _test_columns(test: Test | None) -> dict:
    if test is None:
        return {"p_value": math.nan, "p_reverse": math.nan, "p_holm": math.nan,
                "effect": math.nan, "effect_std": math.nan, "n_per_side": "",
                "direction": "", "seeds_needed": math.nan}
    return {"p_value": test.p_value, "p_reverse": test.p_reverse, "p_holm": math.nan,
            "effect": test.effect, "effect_std": test.effect_std,
            "n_per_side": test.n_per_side, "direction": test.direction,
            "seeds_needed": math.nan if test.seeds_needed is None else test.seeds_needed}


def finalise(frame: pd.DataFrame, claim_rows: dict | None = None, alpha: float = ALPHA,
             no_seed_noise: bool = False) -> pd.DataFrame:
    """An artifact's table as written: Holm's adjustment over its tested orderings (the
    multiplicity policy), every verdict decided again from its columns, and each row's claim
    and scope (the paper's claim / an extension / a check of our own generator) from the
    YAML's `claim_rows` for the artifact. `no_seed_noise`: the artifact computes without
    training runs (its YAML's `no_seed_noise` says why), so one value decides."""
    frame = frame.copy()
    for column in STATISTICS:
        if column not in frame.columns:
            frame[column] = {"n_per_side": "", "direction": "", "why": "",
                             "not_comparable": "", "undecided_why": "",
                             "decided": True}.get(column, math.nan)
    if no_seed_noise:
        frame["deterministic"] = True
    tested = pd.to_numeric(frame["p_value"], errors="coerce").notna()
    if tested.any():
        smaller = frame.loc[tested, ["p_value", "p_reverse"]].astype(float).min(axis=1)
        frame.loc[tested, "p_holm"] = stats.holm(smaller.tolist())
    frame = redecide(frame, alpha)
    frame["claim"], frame["scope"] = zip(*(claim_of(m, v, claim_rows or {})
                                           for m, v in zip(frame.metric, frame.verdict,
                                                           strict=True)), strict=True)
    return frame


def redecide(frame: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Every row's verdict and why decided (again) from its columns."""
    frame = frame.copy()
    if "not_comparable" not in frame.columns:
        frame["not_comparable"] = ""
    decided = [decide(cell, alpha) for cell in _cells(frame)]
    frame["verdict"] = [verdict for verdict, _ in decided]
    frame["why"] = [why for _, why in decided]
    return frame


def _cells(frame: pd.DataFrame):
    for cell in frame.to_dict("records"):
        yield {k: (None if isinstance(v, float) and math.isnan(v) else v)
               for k, v in cell.items()}


def claim_of(metric: str, verdict: str, claim_rows: dict) -> tuple[str, str]:
    """(claim id, scope) of a row: scope `paper` for the paper's claims, `extension` or
    `generator` for rows beyond the paper, `` for rows nothing judges."""
    target = claim_rows.get(metric, claim_rows.get("*", ""))
    if verdict == "n/a" and metric not in claim_rows:
        return "", ""
    if target in ("extension", "generator"):
        return "", target
    return target, "paper" if target else ""


def claim_verdict(verdicts: list[str]) -> str:
    """One claim's verdict from its rows: fails if any row differs, holds if every judged row
    holds, inconclusive if a converged row cannot decide, undecided otherwise."""
    judged = [v for v in verdicts if v != "n/a"]
    if not judged:
        return "n/a"
    if "differs" in judged:
        return "fails"
    if all(v in HOLDS for v in judged):
        return "holds"
    if "inconclusive" in judged:
        return "inconclusive"
    return "undecided"


def artifact_verdict(table) -> str:
    """An artifact's verdict: a summary of its claims (e.g. "3 hold, 1 inconclusive, 1
    undecided"), never the worst row. Given verdicts alone (no claims), each row counts."""
    if isinstance(table, pd.DataFrame) and "claim" in table.columns:
        paper = table[(table.get("scope", "paper") == "paper") & (table.claim != "")]
        groups = [claim_verdict(g.verdict.tolist()) for _, g in paper.groupby("claim")]
    else:
        verdicts = table.verdict if isinstance(table, pd.DataFrame) else table
        groups = [claim_verdict([v]) for v in verdicts]
    counts = {word: groups.count(word) for word in ("holds", "fails", "inconclusive",
                                                      "undecided")}
    text = ", ".join(f"{n} {_plural(word, n)}" for word, n in counts.items() if n)
    beyond = _judged_beyond(table)
    if beyond:  # counted apart from the paper's claims
        text = (f"{text or 'no claim of the paper'}; {beyond} "
                f"{'row' if beyond == 1 else 'rows'} beyond the paper")
    return text or "n/a"


def _judged_beyond(table) -> int:
    if not (isinstance(table, pd.DataFrame) and "scope" in table.columns):
        return 0
    return int((table.scope.isin(["extension", "generator"]) & (table.verdict != "n/a")).sum())


def _plural(word: str, n: int) -> str:
    return {"holds": "hold", "fails": "fail"}.get(word, word) if n != 1 else word


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _given(value) -> bool:
    return not _missing(value)


def as_bool(value) -> bool:
    """A flag as a CSV or a YAML may hold it (True, 'True', 1.0, 'yes')."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "1.0", "yes")
    return bool(value)


def _flag(value, default: bool) -> bool:
    return default if _missing(value) else as_bool(value)


def _number(value, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def contract_keys(frame: pd.DataFrame) -> list[str]:
    """The table's own key columns: everything before `metric`."""
    return list(frame.columns[:list(frame.columns).index("metric")])


def read_artifact_csv(path) -> pd.DataFrame:
    """An artifact CSV as written: the verdict `n/a` stays a string (pandas would make it NaN)."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    frame["verdict"] = frame["verdict"].astype(str)
    for column in ("n_per_side", "direction", "why", "not_comparable", "undecided_why", "claim",
                   "scope"):
        if column in frame.columns:
            # object first: an all-empty column reads as float64, which refuses a "" fill
            frame[column] = frame[column].astype(object).fillna("").astype(str)
    return frame
