"""Artifact builders: `build(paper, name, scale, runs_root, results)` writes <name>.csv and .png.

Each paper has one module here; a builder reads the run directories its spec names (or computes
an analytic result), writes the tidy reported-vs-replicated CSV and a plot, atomically.
"""

from pathlib import Path

from vaebench import spec as specs
from vaebench.errors import UserError


def _builders():
    from vaebench.artifacts import asperti2019, berger2020

    return {("asperti2019", "table1"): asperti2019.table1,
            ("berger2020", "figure2"): berger2020.figure2}


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
    runs = specs.artifact_runs(spec, name, scale, runs_root)
    unfinished = [str(run) for run in runs if not (run / "done.json").exists()]
    if unfinished:
        raise UserError(f"{paper}/{name} needs finished runs; missing done.json in "
                        f"{unfinished[0]} (and {len(unfinished) - 1} more); run `snakemake "
                        f"--cores 2 results/{paper}/{name}.csv --config scale={scale}`")
    out = Path(results) / paper / f"{name}.csv"
    builder(spec=spec, name=name, scale=scale, runs=runs, out=out)
    return out
