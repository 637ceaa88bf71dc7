"""benchmarks/<paper>.yaml: the specification of a paper, read and checked in one place.

A spec names the paper's artifacts (tables and figures), the training experiments they need, how
each scale changes those experiments, the numbers the paper reports (with table and page) and
the tolerance behind every verdict. Rules and the CLI read specs only through this module, so a
malformed spec is reported before anything runs: its structure against paper.schema.json
(vaebench.spec.schema), then the cross-references a schema cannot check, one line per error.
"""

import sys
from functools import cache
from pathlib import Path

import yaml

from vaebench import paths
from vaebench.errors import UserError
from vaebench.spec import baselines, claims, inconsistencies, schema, unique_yaml
from vaebench.train.config import TrainConfig

SCALES = ("smoke", "quick", "paper")
TEMPLATES = "templates"  # the top-level mapping of a spec's YAML anchors (the schema's)


PACKAGE_BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def benchmarks_dir() -> Path:
    """benchmarks/ of the workflow being run (the current directory's: a user's checkout, or a
    test's copy of it), else the one beside the package."""
    here = Path("benchmarks")
    return here if here.is_dir() else PACKAGE_BENCHMARKS


def warn_if_foreign_specs() -> None:
    """Said once on stderr by a build whose specs are not those beside the package imported:
    then the code of one checkout judges runs against another's reported numbers and
    tolerances, legitimate only on purpose (a test's edited copy)."""
    here = benchmarks_dir().resolve()
    if PACKAGE_BENCHMARKS.is_dir() and here != PACKAGE_BENCHMARKS:
        _warn_if_other_specs(here)


@cache  # once per process and folder
def _warn_if_other_specs(here: Path) -> None:
    if _differs(here, PACKAGE_BENCHMARKS):
        print(f"vaebench warning: judging with the specs of {here}, which differ from those "
              f"beside the vaebench package imported ({PACKAGE_BENCHMARKS}); run from that "
              f"checkout or put this one first on the path (PYTHONPATH=$PWD)", file=sys.stderr)


def _differs(one: Path, other: Path) -> bool:
    """Whether two benchmarks/ folders hold different spec files (names or bytes)."""
    def specs_in(folder):
        return {path.name: path.read_bytes() for path in folder.glob("*.yaml")}
    return specs_in(one) != specs_in(other)


def specified_papers(folder: Path | None = None) -> list[str]:
    """Papers that have a benchmarks/<paper>.yaml (a *.fragment.yaml is a piece of a paper's
    spec written on a branch, to be pasted into it when merging, not a paper)."""
    return sorted(path.stem for path in (folder or benchmarks_dir()).glob("*.yaml")
                  if not path.name.endswith(".fragment.yaml"))


# the papers whose specs ship beside the package: a paper is added by its spec and its package
PAPERS = tuple(specified_papers(PACKAGE_BENCHMARKS))


def check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise UserError(f"unknown scale '{scale}'; use one of {', '.join(SCALES)}")
    return scale


class SpecError(UserError):
    """Every error of one spec, a line each (`<file>: <where>: <what>`); its message is the first
    line, so a command that loads the spec still says one line."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        more = f" (and {len(lines) - 1} more: `vaebench check` lists them)"
        super().__init__(lines[0] + (more if len(lines) > 1 else ""))


@cache
def load_spec(paper: str, directory: str | None = None) -> dict:
    path = Path(directory or benchmarks_dir()) / f"{paper}.yaml"
    if not path.exists():
        raise UserError(f"no specification for paper '{paper}' at {path}; known papers: "
                        f"{', '.join(p.stem for p in path.parent.glob('*.yaml'))}")
    try:
        spec = unique_yaml.load(path.read_text())
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        raise UserError(f"{path}{line}: malformed YAML ({getattr(exc, 'problem', exc)})") from None
    problems = spec_errors(spec, path)
    if problems:
        raise SpecError(problems)
    spec.pop(TEMPLATES, None)  # its anchors are resolved where they are used; nothing reads it
    return spec


def spec_errors(spec, path) -> list[str]:
    """Every error of a spec, a line each naming the file: its structure against the schema,
    then, once the structure holds, what a schema cannot check."""
    found = schema.errors(spec) or cross_reference_errors(spec)
    return [f"{path}: {line}" for line in found]


def cross_reference_errors(spec: dict) -> list[str]:
    """What refers to another entry names one that is defined, and every run config resolves."""
    found = []
    _check_artifacts(spec, found.append)
    inconsistencies.validate(spec, found.append)
    claims.validate(spec, found.append)
    baselines.validate(spec, found.append)
    _check_experiments(spec, found.append)
    return found


def _check_artifacts(spec: dict, fail) -> None:
    experiments, defined = spec.get("experiments") or {}, spec.get("alternatives") or {}
    for name, artifact in spec["artifacts"].items():
        grids = artifact.get("experiments")
        if isinstance(grids, dict) and not _all_listed(grids):  # a list is the schema's
            fail(f"artifact '{name}': experiments is empty at every scale; list the runs it "
                 f"reads, or drop the key for an artifact computed without training")
        for experiment in _all_listed(grids or []):
            if experiment not in experiments:
                fail(f"artifact '{name}' needs experiment '{experiment}', which is not defined")
        _check_data(_all_listed(artifact.get("data") or []), name, fail)
        for other in artifact.get("from_artifacts", []):
            if other not in spec["artifacts"]:
                fail(f"artifact '{name}' reads artifact '{other}', which is not defined")
        for alternative in artifact.get("alternatives") or []:
            if alternative not in defined:
                fail(f"artifact '{name}' lists alternative '{alternative}', which is not defined "
                     f"under alternatives:")
        _check_reported(artifact.get("reported") or {}, name, fail)
        if artifact.get("alternatives") and artifact.get("from_artifacts"):
            fail(f"artifact '{name}' reads other artifacts' CSVs, so it cannot be rebuilt "
                 f"under an alternative; list it on '{artifact['from_artifacts'][0]}'")


def _check_reported(reported: dict, name: str, fail) -> None:
    """A value that has its source beside it is the paper's number or claim, never text: the
    build would fail on it, or compare against a string."""
    for key, value in reported.items():
        if isinstance(value, str) and f"{key}_source" in reported:
            fail(f"artifact '{name}': reported.{key} is text ({value!r}); give the paper's "
                 f"number (its words go in {key}_source)")


def _check_data(datasets: list[str], name: str, fail) -> None:
    from vaebench.data import catalog

    for dataset in datasets:
        try:
            catalog.dataset_info(dataset)
        except UserError as exc:
            fail(f"artifact '{name}': {exc}")


def _check_experiments(spec: dict, fail) -> None:
    experiments = spec.get("experiments") or {}
    for name, experiment in experiments.items():
        for need in experiment.get("needs", []):
            if need not in experiments:
                fail(f"experiment '{name}' needs '{need}', which is not defined")
        for scale in SCALES:
            try:
                run_config(spec, name, scale, experiment["scales"][scale]["seeds"][0])
            except UserError as exc:
                fail(f"experiment '{name}', scale '{scale}': {exc}")


def merge(base: dict, overrides: dict) -> dict:
    """`overrides` on top of `base`; nested mappings (e.g. arch) merge key by key, so a scale
    can shrink one architecture option without restating the others."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and "from" not in value:
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def needs(spec: dict, experiment: str) -> list[str]:
    """Experiments whose run (same scale, same seed) this one reads: `needs:` in the spec."""
    return list(spec["experiments"][experiment].get("needs", []))


def resolve_references(values, resolve):
    """Replace every `{from: experiment, metric: column, at: last|all}` mapping by resolve(ref)."""
    if isinstance(values, dict):
        if "from" in values:
            return resolve(values)
        return {key: resolve_references(value, resolve) for key, value in values.items()}
    if isinstance(values, list):
        return [resolve_references(value, resolve) for value in values]
    return values


def run_config(spec: dict, experiment: str, scale: str, seed: int,
               extra: dict | None = None, runs_root: str | Path | None = None,
               alternative: str | None = None) -> TrainConfig:
    """The resolved TrainConfig of one run: experiment defaults < scale overrides < the
    alternative's options (vaebench.spec.alternatives) < extra.

    With `runs_root`, references to other experiments' runs (`init_from: <experiment>`, values
    `{from: <experiment>, metric: sigma, at: last}`) are resolved by reading those runs (of the
    same alternative); without it (planning the DAG) they are left in place."""
    from vaebench.spec import alternatives

    check_scale(scale)
    if experiment not in (spec.get("experiments") or {}):
        raise UserError(f"paper '{spec['paper']}' has no experiment '{experiment}'; known: "
                        f"{', '.join(spec.get('experiments') or [])}")
    definition = spec["experiments"][experiment]
    overrides = dict(definition["scales"][scale])
    overrides.pop("seeds")
    chosen = alternatives.options(spec, alternative, scale) if alternative else {}
    values = merge(merge(merge(definition.get("train", {}), overrides), chosen), extra or {})
    values["seed"] = int(seed)
    values["meta"] = {"paper": spec["paper"], "experiment": experiment, "scale": scale,
                      **({"alternative": alternative} if alternative else {})}
    for reference in _references(values):
        if reference not in needs(spec, experiment):
            raise UserError(f"experiment '{experiment}' refers to '{reference}' but does not list "
                            f"it under needs:")
    if runs_root is not None:
        def other_run(name):
            return run_dir(runs_root, scale, alternatives.paper_dir(spec["paper"], alternative),
                           name, seed)

        from vaebench.train.runs import reference_value

        values = resolve_references(values, lambda ref: reference_value(
            other_run(ref["from"]), ref["metric"], ref.get("at", "last")))
        for mapping, key in _run_links(values):
            mapping[key] = str(other_run(mapping[key]))
    return TrainConfig.from_dict(values)


def _run_links(values: dict) -> list[tuple[dict, str]]:
    """(mapping, key) of every option that names another experiment's run: `init_from`, and
    `dataset_args: {codes_from: ...}` of the latent_codes dataset (a two-stage VAE's second
    stage). dataset_args is copied first, so resolving never edits the cached spec."""
    links = [(values, "init_from")]
    if isinstance(values.get("dataset_args"), dict) and "codes_from" in values["dataset_args"]:
        values["dataset_args"] = dict(values["dataset_args"])
        links.append((values["dataset_args"], "codes_from"))
    return [(mapping, key) for mapping, key in links if mapping.get(key)]


def _references(values) -> set[str]:
    found = set()
    resolve_references(values, lambda ref: found.add(ref["from"]))
    found.update(mapping[key] for mapping, key in _run_links(values))
    return found


def seeds(spec: dict, experiment: str, scale: str) -> list[int]:
    return list(spec["experiments"][experiment]["scales"][check_scale(scale)]["seeds"])


def artifact(spec: dict, name: str) -> dict:
    if name not in spec["artifacts"]:
        raise UserError(f"paper '{spec['paper']}' has no artifact '{name}'; known: "
                        f"{', '.join(spec['artifacts'])}")
    return spec["artifacts"][name]


def run_dir(runs_root: str | Path, scale: str, paper: str, experiment: str, seed: int) -> Path:
    return Path(paths.run_dir(scale, paper, experiment, seed, runs_root))


def _all_listed(grids) -> list[str]:
    if isinstance(grids, dict):
        return [experiment for listed in grids.values() for experiment in listed]
    return list(grids)


def artifact_experiments(spec: dict, name: str, scale: str) -> list[str]:
    """The experiments an artifact reads at a scale: `experiments:` is a list, or a mapping
    {smoke: [...], quick: [...], paper: [...]} where a scale runs a smaller grid (e.g. fewer
    depths or datasets at smoke, where every extra run costs CI minutes of start-up)."""
    grids = artifact(spec, name).get("experiments") or []
    return list(grids[check_scale(scale)] if isinstance(grids, dict) else grids)


def artifact_runs(spec: dict, name: str, scale: str, runs_root=paths.RUNS) -> list[Path]:
    """Run directories an artifact aggregates, one per (experiment, seed)."""
    return [run_dir(runs_root, scale, spec["paper"], experiment, seed)
            for experiment in artifact_experiments(spec, name, scale)
            for seed in seeds(spec, experiment, scale)]


def artifact_data(spec: dict, name: str, scale: str) -> list[str]:
    """Datasets the artifact's builder reads itself (its `data:` entry, a list or a mapping per
    scale like `experiments:`), e.g. the CelebA variants of Asperti & Trentin's Fig. 7."""
    listed = artifact(spec, name).get("data") or []
    return list(listed[check_scale(scale)] if isinstance(listed, dict) else listed)


def artifact_datasets(spec: dict, name: str, scale: str) -> list[str]:
    """Datasets the artifact's runs and builder read (empty for analytic artifacts)."""
    return sorted({run_config(spec, e, scale, seeds(spec, e, scale)[0]).dataset
                   for e in artifact_experiments(spec, name, scale)}
                  | set(artifact_data(spec, name, scale)))


def fid_references(spec: dict, name: str, scale: str) -> list[str]:
    """results/fid/<dataset>_<split>_n<N>.npz files an artifact compares images with (its
    `fid: {dataset, split, n: {scale: N}}` entry; dataset and n may each be one value or a
    mapping per scale, e.g. a stand-in at smoke, and dataset a list where each run is compared
    with its own data set); computed once by their own rule."""
    entry = artifact(spec, name).get("fid")
    if not entry:
        return []
    n, dataset = (per_scale(entry[key], scale) for key in ("n", "dataset"))
    datasets = dataset if isinstance(dataset, list) else [dataset]  # e.g. one per resize mode
    return [paths.fid_reference(name, entry.get("split", "test"), n) for name in datasets]


def per_scale(value, scale: str):
    return value[check_scale(scale)] if isinstance(value, dict) else value


def artifacts_read(spec: dict, name: str) -> list[str]:
    """CSVs of other artifacts of the same paper that this one plots (`from_artifacts:`), so that
    an expensive evaluation (e.g. FID along training) runs once for a table and its figure."""
    return [paths.artifact(spec["paper"], other)
            for other in artifact(spec, name).get("from_artifacts", [])]


def stacked_jobs(spec: dict, scale: str) -> list[tuple[str | None, str, list[int]]]:
    """(alternative or None, experiment, seeds) of every experiment whose seeds train as one
    stacked job at `scale` (vaebench.train.stacked): `stack_seeds: true` in its resolved options and
    more than one seed; also under each alternative of an artifact that reads it."""
    from vaebench.spec import alternatives

    jobs = []
    for experiment, definition in (spec.get("experiments") or {}).items():
        listed = seeds(spec, experiment, scale)
        if len(listed) < 2 or definition.get("procedure"):
            continue
        under = {alternative for name in spec["artifacts"]
                 for alternative in alternatives.of_artifact(spec, name)
                 if experiment in artifact_experiments(spec, name, scale)
                 and alternatives.changes(spec, alternative, experiment)}
        for alternative in [None, *sorted(under)]:
            if run_config(spec, experiment, scale, listed[0], alternative=alternative).stack_seeds:
                jobs.append((alternative, experiment, listed))
    return jobs
