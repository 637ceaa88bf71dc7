"""results/summary.csv and REPLICATION.md: each artifact with its verdict, or why it was skipped."""

from pathlib import Path

import pandas as pd

from vaebench import atomic
from vaebench.errors import UserError
from vaebench.eval.verdict import artifact_verdict, read_artifact_csv
from vaebench.record import replication_md
from vaebench.spec import specs

COLUMNS = ["paper", "artifact", "kind", "verdict", "scale", "n_rows", "n_match", "n_differs",
           "n_not_converged", "path", "claim", "skipped_reason"]


def artifact_row(paper: str, name: str, csv: Path) -> dict:
    art = specs.load_spec(paper)["artifacts"][name]
    frame = read_artifact_csv(csv)
    verdicts = frame["verdict"]
    return {"paper": paper, "artifact": name, "kind": art["kind"],
            "verdict": artifact_verdict(frame), "scale": frame["scale"].iloc[0],
            "n_rows": len(frame),
            "n_match": int(verdicts.isin(["match", "qualitative-match"]).sum()),
            "n_differs": int((verdicts == "differs").sum()),
            "n_not_converged": int((verdicts == "not-converged").sum()),
            "path": str(csv), "claim": " ".join(str(art["claim"]).split()), "skipped_reason": ""}


def skipped_row(paper: str, name: str, reason: str, scale: str) -> dict:
    art = specs.load_spec(paper)["artifacts"][name]
    return {"paper": paper, "artifact": name, "kind": art["kind"], "verdict": "skipped",
            "scale": scale, "n_rows": 0, "n_match": 0, "n_differs": 0, "n_not_converged": 0,
            "path": "", "claim": " ".join(str(art["claim"]).split()), "skipped_reason": reason}


def write_summary(csvs: list[str], skipped: list[str], scale: str, out: str | Path) -> None:
    """`csvs`: results/<paper>/<artifact>.csv; `skipped`: 'paper/artifact: reason' strings."""
    rows = [artifact_row(Path(c).parent.name, Path(c).stem, Path(c)) for c in csvs]
    for entry in skipped:
        key, colon, reason = entry.partition(":")
        paper, slash, name = key.partition("/")
        if not (colon and slash and reason.strip()):
            raise UserError(f"--skipped expects PAPER/ARTIFACT: REASON, got '{entry}'")
        specs.artifact(specs.load_spec(paper), name)
        rows.append(skipped_row(paper, name, reason.strip(), scale))
    summary = pd.DataFrame(rows, columns=COLUMNS)
    atomic.write_csv(out, summary)
    replication_md.write(summary, Path(out).with_name("REPLICATION.md"))
