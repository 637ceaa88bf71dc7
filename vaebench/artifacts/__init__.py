"""Artifact builders: `build(paper, name, scale, runs_root, results)` writes <name>.csv and .png.

A paper's package (vaebench/papers/<paper>/) registers a builder for each artifact under kind
"builder" and name "<paper>/<artifact>" (vaebench.registry); a builder takes a `BuildContext`
(the spec, the artifact, the scale, the run directories the spec names) and returns a `Built`:
the tidy reported-vs-replicated table, its figure and any side tables
(vaebench.artifacts.context). `build` writes them, atomically.
"""

import dataclasses
from pathlib import Path

from vaebench import atomic, paths, plots, provenance, registry
from vaebench.artifacts import figure_note, table_html
from vaebench.artifacts.context import BuildContext, Built
from vaebench.errors import UserError
from vaebench.eval import verdict
from vaebench.eval.verdict import read_artifact_csv
from vaebench.spec import alternatives, claims, data_present, inconsistencies, specs


def implemented(paper: str, name: str) -> bool:
    return registry.has("builder", registry.builder_name(paper, name))


def build(paper: str, name: str, scale: str, runs_root: str | Path = paths.RUNS,
          results: str | Path = paths.RESULTS, alternative: str | None = None) -> Path:
    """Build an artifact from its finished runs; under an `alternative`, from the runs trained
    under it, into its own folder. An artifact that lists alternatives gets its `sensitivity`
    column from their CSVs, which must be built first."""
    spec = specs.load_spec(paper)
    specs.artifact(spec, name)
    specs.check_scale(scale)
    if not implemented(paper, name):
        raise UserError(f"artifact '{paper}/{name}' is specified but not implemented yet")
    builder = registry.get("builder", registry.builder_name(paper, name))
    listed = alternatives.of_artifact(spec, name)
    if alternative is not None and alternative not in listed:
        raise UserError(f"artifact '{paper}/{name}' is not rebuilt under '{alternative}'; its "
                        f"alternatives: {', '.join(listed) or 'none'}")
    runs = data_present.present_runs(spec, name, scale, runs_root)  # all, unless partial_data
    if alternative is not None:
        runs = alternatives.run_dirs(spec, runs, alternative)
    unfinished = [str(run) for run in runs if not (run / "done.json").exists()]
    if unfinished:
        raise UserError(f"{paper}/{name} needs finished runs; missing done.json in "
                        f"{unfinished[0]} (and {len(unfinished) - 1} more); run `snakemake "
                        f"--cores 2 {paths.artifact(paper, name)} --config scale={scale}`")
    specs.warn_if_foreign_specs()
    out = (Path(paths.artifact(paper, name, results=results)) if alternative is None
           else alternatives.artifact_csv(results, paper, name, alternative))
    built = builder(BuildContext(spec, name, scale, tuple(runs), out.parent))
    table = claims.mark_reduced(built.table, spec, name, scale)
    judged = verdict.finalise(table, claims.rows_of(spec, name), alpha_of(spec, name),
                              claims.no_seed_noise(spec, name))
    plots.note(built.figure, figure_note.lines(judged))
    write_built(dataclasses.replace(built, table=judged), out)
    if alternative is not None:
        return out
    add_sensitivity(spec, name, out, results)
    if inconsistencies.of_artifact(spec, name):
        atomic.write_csv(out, inconsistencies.annotate(read_artifact_csv(out), spec, name))
    table_html.write(out, table_file(out), f"{paper} {name}: reported vs replicated ({scale})")
    # written last: the record reads the commit and machine an artifact was built at from here
    atomic.write_json(build_file(out), {"paper": paper, "artifact": name, "scale": scale,
                                        **provenance.stamp()})
    return out


def alpha_of(spec: dict, name: str) -> float:
    """The artifact's α: 0.05 unless its YAML states `alpha` (with `alpha_why`)."""
    return float(spec["artifacts"][name].get("alpha", verdict.ALPHA))


def write_built(built: Built, out: Path) -> None:
    """A builder's result beside `out` (<name>.csv): its side tables as <name>_<key>.csv, the
    table itself, and its figure as <name>.png; each file written atomically."""
    plots.check_readable(built.figure, str(out.with_suffix(".png")))  # before any file
    for key, table in built.extra_tables.items():
        atomic.write_csv(out.with_name(f"{out.stem}_{key}.csv"), table)
    atomic.write_csv(out, built.table)
    plots.save(built.figure, out.with_suffix(".png"))


def add_sensitivity(spec: dict, name: str, out: Path, results: str | Path) -> None:
    """The artifact's CSV with its verdicts set beside those under each alternative."""
    listed = alternatives.of_artifact(spec, name)
    if not listed:
        return
    under = {}
    for alternative in listed:
        csv = alternatives.artifact_csv(results, spec["paper"], name, alternative)
        if not csv.exists():
            raise UserError(f"{spec['paper']}/{name}: {csv} is missing; build it first with "
                            f"`vaebench artifact {spec['paper']} {name} --alternative "
                            f"{alternative}` (snakemake does)")
        under[alternative] = read_artifact_csv(csv)
    atomic.write_csv(out, alternatives.with_sensitivity(read_artifact_csv(out), under))


def table_file(csv: str | Path) -> Path:
    """`<artifact>.table.html` beside its CSV: the same table, for the HTML report."""
    return Path(csv).with_suffix(".table.html")


def build_file(csv: str | Path) -> Path:
    """`<artifact>.build.json` beside its CSV: the code and machine that built it."""
    return Path(csv).with_suffix(".build.json")
