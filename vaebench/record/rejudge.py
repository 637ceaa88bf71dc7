"""Re-judge a recorded artifact under the current verdict rules, from what its CSV keeps.

A value row keeps its mean, the runs' standard deviation and their number: its confidence
interval against the tolerance band is computed from them exactly as a build would. A claim
row recorded before orderings carried their test (no `n_per_side` column) cannot be tested
again without its runs: an ordering or trend claim there reads `inconclusive`, saying so, until
the artifact is rebuilt; a count or a qualitative fact keeps its verdict. A `not-comparable`
row keeps its reason. Each row gains its claim and scope (the YAML's `claim_rows`).
"""

from pathlib import Path

import pandas as pd
import yaml

from vaebench import atomic, provenance
from vaebench.eval import verdict
from vaebench.spec import claims, specs

BEFORE_TESTS = ("recorded before orderings carried their test (a one-sided Welch p with at "
                "least 3 runs a side): rebuild the artifact to decide")
TESTED_KINDS = ("ordering", "trend")


def rejudged(frame: pd.DataFrame, spec: dict, name: str) -> pd.DataFrame:
    """`frame` (an artifact CSV as read) judged under the current rules."""
    frame = frame.copy()
    old_format = "n_per_side" not in frame.columns
    if "not_comparable" not in frame.columns:
        frame["not_comparable"] = [_recorded_reason(source) if v == "not-comparable" else ""
                                   for v, source in zip(frame.verdict, frame.source, strict=True)]
    mapping = claims.rows_of(spec, name)
    if old_format and "direction" not in frame.columns:
        frame["direction"] = ""
    if old_format and not claims.no_seed_noise(spec, name):  # exact computations need no test
        kinds = {c["id"]: c["kind"] for c in claims.register(spec)}
        untested = [cmp == "equal" and kinds.get(mapping.get(m, mapping.get("*"))) in TESTED_KINDS
                    for cmp, m in zip(frame["compare"], frame.metric, strict=True)]
        frame["undecided_why"] = [BEFORE_TESTS if u else "" for u in untested]
        # the observed direction is kept even so: the row's replicated value says whether
        # the means fell the paper's way
        frame["direction"] = [_direction(line) if u else ""
                              for u, (_, line) in zip(untested, frame.iterrows(), strict=True)]
    alpha = float(spec["artifacts"][name].get("alpha", verdict.ALPHA))
    scale = str(frame["scale"].iloc[0]) if len(frame) else ""
    frame = claims.mark_reduced(frame, spec, name, scale)
    return verdict.finalise(frame, mapping, alpha, claims.no_seed_noise(spec, name))


def _direction(line: pd.Series) -> str:
    try:
        replicated, reported = float(line["replicated"]), float(verdict.as_bool(line["reported"]))
    except (TypeError, ValueError):
        return ""
    if replicated != replicated:  # nan: nothing observed
        return ""
    same = replicated == reported
    return "as in the paper" if same else "opposite"


def _recorded_reason(source) -> str:
    text = str(source)
    start = text.find("not comparable")
    return text[start:].strip(" ()") if start >= 0 else "not comparable, as recorded"


def rejudge_record(out: Path) -> list[str]:
    """Every CSV of a record folder re-judged in place, its provenance noting the commit whose
    rules judged it; returns the artifacts whose verdicts changed (paper/artifact)."""
    changed, commit = [], provenance.code_state()["commit"] or "unknown"
    for csv in sorted(out.glob("*/*.csv")):
        paper, name = csv.parent.name, csv.stem
        spec = specs.load_spec(paper)
        if name not in spec["artifacts"]:
            continue
        before = verdict.read_artifact_csv(csv)
        after = rejudged(before, spec, name)
        if before.verdict.tolist() != after.verdict.tolist():
            changed.append(f"{paper}/{name}")
        atomic.write_csv(csv, after)
        _note(csv.with_suffix(".provenance.yaml"), commit)
    return changed


def _note(facts_file: Path, commit: str) -> None:
    if not facts_file.exists():
        return
    facts = yaml.safe_load(facts_file.read_text())
    facts["rejudged_at_commit"] = commit
    atomic.write_text(facts_file, yaml.safe_dump(facts, sort_keys=False, width=100))
