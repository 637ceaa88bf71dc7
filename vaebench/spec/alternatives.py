"""Sensitivity to the choices a paper leaves open: an artifact rebuilt under each alternative.

A paper's YAML names its alternatives at the top level:

    alternatives:
      <name>: {set: {<option>: <value>}, scales: {<scale>: {...}}, experiments: [...], choice: ...}

and each artifact lists those that could decide its verdicts (`alternatives: [<name>, ...]`).
Every run of such an artifact (or of the alternative's `experiments:` only) is trained again with
the alternative's options, in results/runs/<scale>/<paper>~<name>/<experiment>/seed<N>/ (second
stages read the first stages of the same alternative); the artifact is built again from those
runs into results/<paper>/alternatives/<name>/<artifact>.csv; and the artifact's own CSV gains a
`sensitivity` column that says, row by row, whether the verdict survives: `robust` (the same
verdict under every alternative) or `depends on <name> (there: <verdict>)`.
"""

from pathlib import Path

import pandas as pd

from vaebench import paths
from vaebench.errors import UserError
from vaebench.eval.verdict import contract_keys

SEPARATOR = "~"  # results/runs/<scale>/<paper>~<alternative>/...


def paper_dir(paper: str, alternative: str | None = None) -> str:
    """The runs folder of a paper's runs, or of its runs under an alternative."""
    return f"{paper}{SEPARATOR}{alternative}" if alternative else paper


def split_paper_dir(token: str) -> tuple[str, str | None]:
    """(paper, alternative or None) of a runs folder name."""
    paper, _, alternative = token.partition(SEPARATOR)
    return paper, alternative or None


def options(spec: dict, alternative: str, scale: str) -> dict:
    """The training options an alternative sets at a scale: its `set:`, then its `scales:`
    entry for that scale (e.g. a longer training whose length depends on the scale)."""
    defined = spec.get("alternatives") or {}
    if alternative not in defined:
        raise UserError(f"paper '{spec['paper']}' has no alternative '{alternative}'; known: "
                        f"{', '.join(defined) or 'none'}")
    definition = defined[alternative]
    return {**definition.get("set", {}), **(definition.get("scales") or {}).get(scale, {})}


def changes(spec: dict, alternative: str, experiment: str) -> bool:
    """Whether an alternative retrains an experiment: every one, unless its `experiments:`
    names some (e.g. a longer training of the conv net only; the dense net it is compared with
    is then read from the default runs)."""
    listed = (spec.get("alternatives") or {})[alternative].get("experiments")
    return listed is None or experiment in listed


def run_dirs(spec: dict, runs: list[Path], alternative: str) -> list[Path]:
    """The default run directories of an artifact mapped to those it reads under an
    alternative: <paper>~<alternative>/ for the experiments the alternative changes."""
    moved = []
    for run in runs:
        experiment = run.parent.name
        if changes(spec, alternative, experiment):
            run = run.parent.parent.with_name(paper_dir(spec["paper"], alternative)) \
                / experiment / run.name
        moved.append(run)
    return moved


def of_artifact(spec: dict, name: str) -> list[str]:
    """The alternatives an artifact is rebuilt under (none unless its YAML lists some)."""
    return list(spec["artifacts"][name].get("alternatives") or [])


def artifact_csv(results: str | Path, paper: str, name: str, alternative: str) -> Path:
    """Where the artifact built under an alternative writes (its own folder, so that the side
    files a builder writes beside its CSV, e.g. `<name>_runs.csv`, stay apart)."""
    return Path(paths.alternative_artifact(paper, alternative, name, "csv", results))


def with_sensitivity(frame: pd.DataFrame, under: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """`frame` with a `sensitivity` column: per row, `robust` when the row's verdict is the
    same in the artifact built under every alternative in `under`, else which ones change it
    and to what. Rows without a verdict to compare (n/a) are left blank."""
    keys = contract_keys(frame) + ["metric"]
    # a key can hold a replicated value (berger2020's F*-VAE row is keyed by the sigma LS-VAE
    # learned): such a row is found under the alternative by its experiment and metric instead
    by_run = ["experiment", "metric"] if "experiment" in keys else None
    column = []
    for _, line in frame.iterrows():
        if line["verdict"] == "n/a":
            column.append("")
            continue
        changed = []
        for name, other in under.items():
            there = _row_there(line, other, keys, by_run)
            verdict = None if there is None else there["verdict"]
            if verdict != line["verdict"]:
                changed.append(f"{name} (there: {verdict or 'no such row'})")
            elif _opposite_sides(line, there):
                changed.append(f"{name} (there: {verdict} too, but on the other side of the "
                               f"paper's number: the tolerance accepts both)")
        column.append("robust" if not changed else "depends on " + "; ".join(changed))
    return frame.assign(sensitivity=column)


def _opposite_sides(line: pd.Series, there: pd.Series) -> bool:
    """Whether a value row and its twin under an alternative both match while lying on
    opposite sides of the paper's number: then the match is the tolerance's, not the data's."""
    if line["verdict"] != "match" or line.get("compare") == "equal":
        return False
    try:
        here = float(line["replicated"]) - float(line["reported"])
        other = float(there["replicated"]) - float(there["reported"])
    except (TypeError, ValueError):
        return False
    return here * other < 0


def _row_there(line: pd.Series, other: pd.DataFrame, keys: list[str],
               by_run: list[str] | None) -> pd.Series | None:
    """`line`'s row in `other`: by all its keys, else by experiment and metric when exactly
    one row there has them (None: no such row)."""
    for columns in (keys, by_run):
        if columns is None:
            continue
        wanted = _key(line, columns)
        found = [row for _, row in other.iterrows() if _key(row, columns) == wanted]
        if len(found) == 1 or (found and columns is keys):
            return found[0]
    return None


def _key(line: pd.Series, keys: list[str]) -> tuple:
    # as strings: a CSV read back gives 8 where the frame held 8.0 or "8"
    return tuple(_text(line.get(k)) for k in keys)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if pd.isna(value) else str(value)

