"""The record read by claims: per paper, every claim of its register with the verdict of the
rows that judge it, and the counts the README's status table and REPLICATION.md lead with.

A claim's verdict: `holds` / `fails` / `inconclusive` (its rows decided on converged runs, or
converged and undecidable by the test), `undecided` (its rows not converged or not
comparable), `untested` (no artifact tests it: the register says why), `not recorded` (its
artifacts are not in the record yet). Rows beyond the paper (extensions, checks of our own
generators) are counted apart.
"""

from pathlib import Path

import pandas as pd

from vaebench.eval.verdict import claim_verdict, read_artifact_csv
from vaebench.spec import claims, specs

DECIDED = ("holds", "fails", "inconclusive")
COUNTS = ("listed", "tested", "holds", "fails", "inconclusive", "undecided", "untested",
          "not recorded")


def recorded_rows(out: Path, paper: str) -> pd.DataFrame:
    """Every judged row of the paper's recorded artifacts, with its artifact's name."""
    frames = [read_artifact_csv(csv).assign(artifact=csv.stem)
              for csv in sorted((out / paper).glob("*.csv"))]
    frames = [f for f in frames if "claim" in f.columns]
    if not frames:
        return pd.DataFrame(columns=["artifact", "metric", "verdict", "claim", "scope"])
    rows = pd.concat(frames, ignore_index=True)
    return rows[rows.verdict != "n/a"]


def claim_table(out: Path, paper: str) -> pd.DataFrame:
    """One row per claim of the register: its verdict, the rows behind it, the observed
    direction of its tests and the runs a side that would settle an undecided one."""
    spec = specs.load_spec(paper)
    rows = recorded_rows(out, paper)
    recorded = {csv.stem for csv in (out / paper).glob("*.csv")}
    table = []
    for claim in claims.register(spec):
        behind = rows[(rows.claim == claim["id"]) & (rows.scope == "paper")]
        tested_by = claim.get("tested_by") or []
        table.append({"id": claim["id"], "claim": " ".join(str(claim["claim"]).split()),
                      "where": claim["where"], "kind": claim["kind"],
                      "verdict": _verdict(behind, tested_by, recorded),
                      "direction": _direction(behind), "p": _numbers(behind, "p_holm").min(),
                      "seeds_needed": _numbers(behind, "seeds_needed").max(),
                      "rows": _rows_text(behind),
                      "note": "" if tested_by else " ".join(str(claim["untested_why"]).split())})
    return pd.DataFrame(table)


def _verdict(behind: pd.DataFrame, tested_by: list[str], recorded: set[str]) -> str:
    if not tested_by:
        return "untested"
    if not set(tested_by) & recorded:
        return "not recorded"
    verdict = claim_verdict(behind.verdict.tolist())
    return "undecided" if verdict == "n/a" else verdict


def _direction(behind: pd.DataFrame) -> str:
    if "direction" not in behind.columns:
        return ""
    seen = sorted({d for d in behind.direction if d})
    return "; ".join(seen)


def _numbers(behind: pd.DataFrame, column: str) -> pd.Series:
    if column not in behind.columns:
        return pd.Series([], dtype="float64")
    return pd.to_numeric(behind[column], errors="coerce")


def _rows_text(behind: pd.DataFrame) -> str:
    counted = behind.groupby(["artifact", "metric", "verdict"]).size()
    return "; ".join(f"{a}.{m} {v}" + (f" x{n}" if n > 1 else "")
                     for (a, m, v), n in counted.items())


def counts(table: pd.DataFrame) -> dict[str, int]:
    """listed, tested and each verdict's number of claims."""
    verdicts = table.verdict.tolist() if len(table) else []
    found = {word: verdicts.count(word) for word in COUNTS[2:]}
    return {"listed": len(verdicts), "tested": len(verdicts) - found["untested"], **found}


def beyond_the_paper(out: Path, paper: str) -> dict[str, int]:
    """Judged rows that go beyond the paper's claims, by scope."""
    rows = recorded_rows(out, paper)
    return {scope: int((rows.scope == scope).sum()) for scope in ("extension", "generator")}


def opposite(out: Path, paper: str) -> pd.DataFrame:
    """Every judged row of the paper's claims whose observed direction is opposite to the
    paper's, decided or not."""
    rows = recorded_rows(out, paper)
    if "direction" not in rows.columns:
        return rows.iloc[0:0]
    return rows[(rows.scope == "paper") & (rows.direction == "opposite")]


def section(out: Path, paper: str) -> list[str]:
    """REPLICATION.md's claims part for one paper."""
    table = claim_table(out, paper)
    n = counts(table)
    beyond = beyond_the_paper(out, paper)
    lines = ["", f"### Claims of {paper}", "",
             f"{n['listed']} claims listed, {n['tested']} tested; decided on converged runs: "
             f"{n['holds']} hold, {n['fails']} fail, {n['inconclusive']} inconclusive; "
             f"undecided (not converged, not comparable): {n['undecided']}; not recorded yet: "
             f"{n['not recorded']}; untested: {n['untested']}. Rows beyond the paper, counted "
             f"apart: {beyond['extension']} extensions, {beyond['generator']} checks of our own "
             f"generators.", "",
             "| claim | where | kind | verdict | direction | p (Holm) | runs a side to settle "
             "| rows behind it |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for claim in table.itertuples():
        rows = claim.rows or claim.note
        lines.append(f"| `{claim.id}`: {claim.claim} | {claim.where} | {claim.kind} | "
                     f"**{claim.verdict}** | {claim.direction} | {_fmt(claim.p)} | "
                     f"{_fmt(claim.seeds_needed)} | {rows} |")
    reversed_rows = opposite(out, paper)
    lines += ["", f"Observed direction opposite to the paper's ({len(reversed_rows)} rows):"
              + ("" if len(reversed_rows) else " none.")]
    for row in reversed_rows.itertuples():
        lines.append(f"- {row.artifact}.{row.metric} (claim `{row.claim}`): {row.verdict}, "
                     f"{row.why}")
    return lines


def _fmt(value) -> str:
    if pd.isna(value):
        return ""
    return f"{value:.3g}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
