"""Artifact builders: `build(paper, name, scale, runs_root, results)` writes <name>.csv and .png.

Each paper has a module here, named after the paper key, declaring `BUILDERS = {artifact:
function}` (a large paper may split into several modules that declare `PAPER = "<key>"`); a
builder reads the run directories its spec names (or computes an analytic result) and writes the
tidy reported-vs-replicated CSV and a plot, atomically.
"""

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from vaebench import atomic, data_present, provenance, table_html
from vaebench import spec as specs
from vaebench.errors import UserError


@cache
def _builders() -> dict:
    builders = {}
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        paper = getattr(loaded, "PAPER", module.name)
        declared = getattr(loaded, "BUILDERS", {})
        builders.update({(paper, name): function for name, function in declared.items()})
    return builders


def implemented(paper: str, name: str) -> bool:
    return (paper, name) in _builders()


def build(paper: str, name: str, scale: str, runs_root: str | Path = "results/runs",
          results: str | Path = "results") -> Path:
    spec = specs.load_spec(paper)
    specs.artifact(spec, name)
    specs.check_scale(scale)
    builder = _builders().get((paper, name))
    if builder is None:
        raise UserError(f"artifact '{paper}/{name}' is specified but not implemented yet")
    runs = data_present.present_runs(spec, name, scale, runs_root)  # all, unless partial_data
    unfinished = [str(run) for run in runs if not (run / "done.json").exists()]
    if unfinished:
        raise UserError(f"{paper}/{name} needs finished runs; missing done.json in "
                        f"{unfinished[0]} (and {len(unfinished) - 1} more); run `snakemake "
                        f"--cores 2 results/{paper}/{name}.csv --config scale={scale}`")
    out = Path(results) / paper / f"{name}.csv"
    builder(spec=spec, name=name, scale=scale, runs=runs, out=out)
    table_html.write(out, table_file(out), f"{paper} {name}: reported vs replicated ({scale})")
    # written last: the record reads the commit and machine an artifact was built at from here
    atomic.write_json(build_file(out), {"paper": paper, "artifact": name, "scale": scale,
                                        **provenance.stamp()})
    return out


def table_file(csv: str | Path) -> Path:
    """`<artifact>.table.html` beside its CSV: the same table, for the HTML report."""
    return Path(csv).with_suffix(".table.html")


def build_file(csv: str | Path) -> Path:
    """`<artifact>.build.json` beside its CSV: the code and machine that built it."""
    return Path(csv).with_suffix(".build.json")
