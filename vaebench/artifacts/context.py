"""The one shape of an artifact builder: `builder(ctx: BuildContext) -> Built`.

A builder reads what its context names (the spec, the artifact, the scale, the finished runs)
and returns its reported-vs-replicated table, its figure and any side tables; it writes nothing.
`vaebench.artifacts.build` writes them all, atomically: <name>.csv, <name>.png and
<name>_<key>.csv for each side table.
"""

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from vaebench.artifacts.common import Outcome, claim
from vaebench.errors import UserError
from vaebench.spec import specs
from vaebench.train import runs as run_files


class Reported(dict):
    """An artifact's reported values. A key the spec lacks is a one-line error naming the spec,
    not a KeyError traceback: a value removed from the YAML passes the schema, which cannot know
    what each builder reads."""

    def __init__(self, values: dict, where: str):
        super().__init__(values)
        self.where = where

    def __missing__(self, key):
        raise UserError(f"{self.where}.reported has no '{key}', which its builder reads; "
                        f"restore the paper's value there")


@dataclass(frozen=True)
class BuildContext:
    spec: dict
    name: str  # the artifact
    scale: str
    runs: tuple[Path, ...] = ()  # its finished run directories, in the spec's order
    folder: Path = Path(".")  # where its CSV goes, beside the other artifacts it may read

    @property
    def paper(self) -> str:
        return self.spec["paper"]

    @property
    def art(self) -> dict:
        """The artifact's entry in the spec, its `reported` a Reported."""
        entry = self.spec["artifacts"][self.name]
        where = f"{specs.benchmarks_dir() / self.paper}.yaml: artifacts.{self.name}"
        return {**entry, "reported": Reported(entry.get("reported") or {}, where)}

    @property
    def reported(self) -> dict:
        return self.art["reported"]

    @property
    def tolerance(self) -> dict:
        return self.art.get("tolerance", {})

    @property
    def settings(self) -> dict:
        """The artifact's settings at this scale (its `scales: {<scale>: ...}`), or {}."""
        return (self.art.get("scales") or {}).get(self.scale, {})

    @cached_property
    def groups(self) -> dict[str, list[Path]]:
        """The runs grouped by experiment, in the spec's order."""
        return run_files.by_experiment(list(self.runs))

    @property
    def converged(self) -> bool:
        """Whether every run of the artifact converged."""
        return run_files.all_converged(list(self.runs))

    def judged(self, converged: bool | None = None) -> dict:
        """The `scale` and `converged` keywords of verdict.row (converged: all the runs')."""
        return {"scale": self.scale,
                "converged": self.converged if converged is None else converged}

    def claim(self, keys: dict, metric: str, key: str, outcome: Outcome | None,
              converged: bool | None = None) -> dict:
        """common.claim of what the YAML says: `reported[key]`, with its text in
        `reported[key + "_source"]`; converged: all the runs', unless given."""
        return claim(keys, metric, self.reported[key], outcome,
                     source=self.reported[f"{key}_source"], **self.judged(converged))

    def budget_reason(self, *groups: list[Path]) -> str | None:
        """Why an ordering between these groups of runs is not comparable: their training
        budgets differ and the artifact's YAML does not say (`unequal_budget_why`) why the
        difference cannot favour either side; None when comparable."""
        differ = run_files.unequal_budgets([list(group) for group in groups])
        return None if differ is None or self.art.get("unequal_budget_why") else differ

    def beside(self, file: str) -> Path:
        """A file beside this artifact's CSV, e.g. another artifact's `table1.csv` that this
        one is drawn from."""
        return Path(self.folder) / file


@dataclass(frozen=True)
class Built:
    """What a builder returns: the tidy table (<name>.csv), its figure (<name>.png) and side
    tables (<name>_<key>.csv, e.g. the per-run values)."""
    table: pd.DataFrame
    figure: Figure
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
