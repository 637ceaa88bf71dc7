"""The committed replication record: `record/<scale>/`, filled from a run's `results/`.

`vaebench record --scale quick` copies every artifact built at that scale (CSV, PNG shrunk to at
most 200 KB) into `record/quick/<paper>/`, writes beside each a provenance file (the commits its
runs were trained and it was built at, the machine, the data each run read, the wall time of
every job behind it), then regenerates the record's summary.csv, REPLICATION.md and the README's
status table. Artifacts not in the record are listed with the reason in `pending.yaml`.

It refuses, before writing anything, an artifact built at another scale or from a tree with
uncommitted changes: a record entry must be reproducible from a commit.
"""

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import yaml
from PIL import Image

from vaebench import atomic, paths
from vaebench.artifacts import build_file
from vaebench.data import celeba
from vaebench.errors import UserError
from vaebench.eval.verdict import read_artifact_csv
from vaebench.record import pages as record_pages
from vaebench.record.pages import PENDING, STALE, read_mapping
from vaebench.spec import alternatives, data_present, specs

RECORD_ROOT = Path("record")
MAX_PNG_BYTES = 200_000


HEADERS = {
    PENDING: "# Artifacts of the DAG not (yet) in this record, and why. `vaebench record` removes "
             "an entry\n# when it records that artifact.\n",
    STALE: "# Recorded artifacts that no longer match benchmarks/<paper>.yaml or the code that "
           "judges them (their\n# reported numbers or quick settings changed, or a claim row is "
           "now decided by a test where the\n# record compared means), and why; `vaebench "
           "record` removes an entry when it records that\n# artifact again.\n",
}


COMMITTED_SCALES = ("quick", "paper")  # smoke decides nothing: no record of its own


def record_dir(scale: str, root: str | Path = RECORD_ROOT) -> Path:
    """record/<scale>; a smoke build only into another root than the committed record's (the
    tests record one into a temporary folder)."""
    specs.check_scale(scale)
    if scale not in COMMITTED_SCALES and Path(root).resolve() == RECORD_ROOT.resolve():
        held = " and ".join(COMMITTED_SCALES)
        raise UserError(f"the committed record ({RECORD_ROOT}/) holds {held} builds, not "
                        f"{scale}; record a {scale} build elsewhere with --record DIR")
    return Path(root) / scale


def runs_behind(spec: dict, name: str, scale: str, runs_root: Path) -> list[Path]:
    """Every run an artifact reads, the runs those need (a second stage's first), and the runs
    its alternatives retrain (vaebench.spec.alternatives), once each."""
    found: dict[Path, None] = {}
    present = data_present.present_experiments(spec, name, scale)
    pending = [(spec["paper"], experiment, seed) for experiment in present
               for seed in specs.seeds(spec, experiment, scale)]
    pending += [(alternatives.paper_dir(spec["paper"], alternative), experiment, seed)
                for alternative in alternatives.of_artifact(spec, name) for experiment in present
                if alternatives.changes(spec, alternative, experiment)
                for seed in specs.seeds(spec, experiment, scale)]
    while pending:
        folder, experiment, seed = pending.pop(0)
        run = specs.run_dir(runs_root, scale, folder, experiment, seed)
        if run not in found:
            found[run] = None
            pending += [(folder, need, seed) for need in specs.needs(spec, experiment)]
    return list(found)


def read_json(path: Path, fix: str) -> dict:
    if not path.exists():
        raise UserError(f"{path} is missing; {fix}")
    return json.loads(path.read_text())


def check_entry(paper: str, name: str, scale: str, results: Path, runs: list[Path]) -> dict:
    """The artifact's build.json after every refusal has been checked (scale, clean tree)."""
    target = f"snakemake --cores all {paths.artifact(paper, name)} --config scale={scale}"
    csv = results / paper / f"{name}.csv"
    built = read_artifact_csv(csv)["scale"].iloc[0] if csv.exists() else None
    if built is None:
        raise UserError(f"{csv} is missing; build it first: {target}")
    if built != scale:
        raise UserError(f"{paper}/{name} was built at scale '{built}', not '{scale}': the "
                        f"{scale} record takes only {scale} artifacts; rebuild with {target}")
    build = read_json(build_file(csv), f"rebuild it with {target}")
    dirty = [str(results / paper / name)] if not build["code"]["tree_clean"] else []
    for run in runs:
        done = read_json(Path(paths.done(run)), f"train it with {target}")
        if not done.get("code", {}).get("tree_clean"):
            dirty.append(str(run))
    if dirty:
        raise UserError(f"{paper}/{name}: {dirty[0]} was computed from a tree with uncommitted "
                        f"changes (or before runs recorded their commit); commit, then rebuild "
                        f"with {target}")
    return build


def job_seconds(benchmark: Path, column: str = "s") -> float | None:
    """Wall seconds (`s`) or CPU seconds (`cpu_time`) of one job from its Snakemake benchmark
    TSV (None when it has none)."""
    if not benchmark.exists():
        return None
    return round(float(pd.read_csv(benchmark, sep="\t")[column].median()), 1)


def jobs_behind(spec: dict, name: str, scale: str, results: Path, runs: list[Path]) -> list:
    """[{job, wall_s}] for every job the artifact needed: datasets, FID references, runs, itself."""
    paper = spec["paper"]

    def bench(job: str) -> Path:
        return Path(paths.benchmark(job, results))

    datasets = {json.loads(Path(paths.done(run)).read_text())["data"]["dataset"] for run in runs}
    datasets |= set(specs.artifact_data(spec, name, scale))
    caches = {paths.celeba_cache_name(*celeba.VARIANTS[d]) for d in datasets
              if d in celeba.VARIANTS}
    files = {f"dataset {d}": bench(paths.dataset_job(d)) for d in sorted(datasets | caches)
             if bench(paths.dataset_job(d)).exists()}  # sampled data has no job
    files |= {f"fid reference {Path(ref).stem}": bench(paths.fid_reference_job(ref))
              for ref in specs.fid_references(spec, name, scale)}
    runs_root = Path(paths.runs_root(results))
    files |= {f"train {run.relative_to(runs_root / scale).as_posix()}":
              bench(paths.train_job(run.relative_to(runs_root).as_posix())) for run in runs}
    files[f"artifact {paper}/{name}"] = bench(paths.artifact_job(paper, name))
    for alternative in alternatives.of_artifact(spec, name):
        files[f"artifact {paper}/{name} under {alternative}"] = bench(
            paths.alternative_job(paper, alternative, name))
    # CPU seconds as well: jobs that shared the cores ran longer than they would alone, and
    # their CPU time over the cores is what the build costs on a machine of its own
    return [{"job": job, "wall_s": job_seconds(path), "cpu_s": job_seconds(path, "cpu_time")}
            for job, path in files.items()]


def run_entry(run: Path, runs_root: Path) -> dict:
    done = json.loads(Path(paths.done(run)).read_text())
    return {"run": run.relative_to(runs_root).as_posix(), "commit": done["code"]["commit"],
            "finished": done.get("finished"), "device": done.get("device"),
            "data": done.get("data"), "epochs": done.get("epochs"),
            "converged": done.get("converged"), "train_wall_s": round(done["wall_seconds"], 1)}


def provenance(paper: str, name: str, scale: str, results: Path, build: dict,
               runs: list[Path]) -> dict:
    spec = specs.load_spec(paper)
    runs_root = Path(paths.runs_root(results))
    entries = [run_entry(run, runs_root) for run in runs]
    jobs = jobs_behind(spec, name, scale, results, runs)
    return {
        "artifact": f"{paper}/{name}", "scale": scale,
        "built_at_commit": build["code"]["commit"], "built": build["finished"],
        "trained_at_commits": sorted({entry["commit"] for entry in entries}),
        "machine": build["machine"],
        "jobs_wall_s_total": round(sum(job["wall_s"] or 0 for job in jobs), 1),
        "jobs_cpu_s_total": round(sum(job["cpu_s"] or 0 for job in jobs), 1),
        "jobs": jobs, "runs": entries,
    }


def shrunk_png(source: Path) -> bytes:
    """The PNG as is when small enough, else scaled down (and quantised) until it is."""
    raw = source.read_bytes()
    image = Image.open(io.BytesIO(raw))
    while len(raw) > MAX_PNG_BYTES:
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)),
                             Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.convert("RGB").quantize(256).save(buffer, format="PNG", optimize=True)
        raw = buffer.getvalue()
    return raw


def built_artifacts(results: Path) -> list[tuple[str, str]]:
    """(paper, artifact) of every artifact CSV under results/ that the specs know."""
    found = []
    for paper in specs.specified_papers():
        names = specs.load_spec(paper)["artifacts"]
        found += [(paper, csv.stem) for csv in sorted((results / paper).glob("*.csv"))
                  if csv.stem in names]
    return found


def parse_names(names: list[str]) -> list[tuple[str, str]]:
    chosen = []
    for item in names:
        paper, sep, name = item.partition("/")
        if not sep:
            raise UserError(f"'{item}': name artifacts as paper/artifact, e.g. asperti2019/table1")
        specs.artifact(specs.load_spec(paper), name)
        chosen.append((paper, name))
    return chosen


def record(scale: str, results: str | Path = paths.RESULTS, root: str | Path = RECORD_ROOT,
           names: list[str] | None = None) -> list[str]:
    """Copy the chosen (default: every built) artifacts of `scale` into the record; returns
    their names. Every refusal is raised before the first file is written."""
    results, out = Path(results), record_dir(scale, root)
    chosen = parse_names(names) if names else built_artifacts(results)
    if not chosen:
        raise UserError(f"no artifact CSVs under {results}/<paper>/; build some first, e.g. "
                        f"snakemake --cores all --config scale={scale}")
    checked = []
    for paper, name in chosen:
        runs = runs_behind(specs.load_spec(paper), name, scale, Path(paths.runs_root(results)))
        build = check_entry(paper, name, scale, results, runs)
        checked.append((paper, name, provenance(paper, name, scale, results, build, runs)))
    for paper, name, facts in checked:
        source = results / paper / name
        atomic.write_with(out / paper / f"{name}.csv",
                          lambda tmp, s=source: shutil.copyfile(s.with_suffix(".csv"), tmp))
        atomic.write_with(out / paper / f"{name}.png",
                          lambda tmp, s=source: tmp.write_bytes(shrunk_png(s.with_suffix(".png"))))
        atomic.write_text(out / paper / f"{name}.provenance.yaml",
                          yaml.safe_dump(facts, sort_keys=False, width=100))
    settle_pending(out, [f"{paper}/{name}" for paper, name, _ in checked])
    record_pages.write_index(out)
    return [f"{paper}/{name}" for paper, name, _ in checked]


def settle_pending(out: Path, recorded: list[str]) -> None:
    """Recorded artifacts leave pending.yaml (and stale.yaml: they were just rebuilt)."""
    for file in (PENDING, STALE):
        entries = read_mapping(out / file)
        kept = {key: reason for key, reason in entries.items() if key not in recorded}
        if kept != entries:
            atomic.write_text(out / file, HEADERS[file] + yaml.safe_dump(kept, sort_keys=True,
                                                                        width=100))
