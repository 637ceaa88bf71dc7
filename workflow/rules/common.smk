# Which artifacts exist, which can be built here, and the runs each needs (read from the specs).
import shlex
import sys
from types import SimpleNamespace

import torch
from snakemake.settings.types import DeploymentMethod

from vaebench.spec import alternatives as vb_alt
from vaebench import artifacts as vb_artifacts
from vaebench.data import datasets as vb_data
from vaebench.spec import data_present as vb_present
from vaebench.spec import specs as vb_spec
from vaebench import workflow_config as vb_workflow
from vaebench.errors import UserError

SCALE = config["scale"]
DATA_ROOT = str(vb_data.resolve_data_root(config["data_root"]))
# data root, cache, device and this workflow's vaebench reach the jobs through the environment
vb_workflow.export_environment(DATA_ROOT, config["device"], config["download"],
                               workflow.basedir)
CONDA_ENV = "../../envs/vaebench.yaml"  # every rule's, under --sdm conda (relative to rules/)
# The interpreter that runs Snakemake has vaebench installed (pip/venv users, CI); under
# `--sdm conda` each rule's own environment provides `python`.
USES_CONDA = DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
PYTHON = "python" if USES_CONDA else shlex.quote(sys.executable)
# The GPUs a job asks for (a cluster profile can set its own); the device itself is resolved by
# each job on the machine it runs on.
GPUS_PER_JOB = int(config["device"].startswith("cuda")
                   or (config["device"] == "auto" and torch.cuda.is_available()))


def load_specs():
    """Every paper's spec; a broken one is left out with a warning, so that one paper's YAML
    does not block the others' targets (asking for its own says what is wrong)."""
    specs, broken = {}, {}
    for paper in vb_spec.specified_papers():
        try:
            specs[paper] = vb_spec.load_spec(paper)
        except UserError as exc:
            broken[paper] = str(exc)
            print(f"vaebench: warning: {exc}; {paper}'s artifacts are left out", file=sys.stderr)
    return specs, broken


SPECS, BROKEN_SPECS = load_specs()


def fetchable(dataset):
    """Whether the workflow can download a dataset that is not here (before any training)."""
    return bool(config["download"] and vb_data.can_download(dataset)
                and not vb_data.download_unreachable(dataset))


def skip_reason(paper, artifact):
    """Why an artifact cannot be built here, or None. An artifact built from the datasets
    present (`partial_data`) is skipped only when none of them is here."""
    if not vb_artifacts.implemented(paper, artifact):
        return "not implemented yet"
    spec = SPECS[paper]
    left_out = vb_present.missing_datasets(spec, artifact, SCALE, DATA_ROOT, fetchable)
    if left_out and not vb_present.present_experiments(spec, artifact, SCALE, DATA_ROOT,
                                                       fetchable):
        return "; ".join(left_out.values())
    for dataset in vb_spec.artifact_datasets(spec, artifact, SCALE):
        if dataset in left_out or vb_data.is_available(dataset, DATA_ROOT):
            continue
        if not vb_data.can_download(dataset):  # CelebA: the user provides it
            return vb_data.missing_reason(dataset, DATA_ROOT)
        if not config["download"]:
            return (f"dataset {dataset} not found under {DATA_ROOT}; set data_root or "
                    f"VAEBENCH_DATA, or --config download=true")
        host = vb_data.download_unreachable(dataset)
        if host:  # offline: build the rest instead of failing at the first download
            return (f"dataset {dataset} not found under {DATA_ROOT} and its download host "
                    f"{host} cannot be reached (offline?); copy it there, or set data_root or "
                    f"VAEBENCH_DATA to a folder holding it")
    return None


ARTIFACTS = [(p, a) for p, spec in SPECS.items() for a in spec["artifacts"]]
BUILDABLE = [(p, a) for p, a in ARTIFACTS if skip_reason(p, a) is None]
SKIPPED = [(p, a, skip_reason(p, a)) for p, a in ARTIFACTS if skip_reason(p, a) is not None]


FID_THREADS_MAX = 8  # Inception on a CPU gains little beyond this; on a GPU threads are moot


def artifact_threads(wildcards):
    """Every core (up to FID_THREADS_MAX) for an artifact that passes generated images through
    Inception: that pass is most of its time, and it starts only once its runs are trained, so
    the cores would otherwise idle at the end of a DAG (dai2020 figure1_top at quick: ~3,000
    images at ~4 images/s on one thread). One thread for the others, which run beside training,
    and for every artifact at smoke, whose Inception pass is a few dozen images: there, holding
    every core would only serialise CI's DAG around the FID artifacts."""
    if (wildcards.paper, wildcards.artifact) not in ARTIFACTS:
        return 1
    if SCALE != "smoke" and vb_spec.fid_references(SPECS[wildcards.paper], wildcards.artifact,
                                                   SCALE):
        return min(max(workflow.cores or 1, config["train_threads"]), FID_THREADS_MAX)
    return config["train_threads"]


def artifact_inputs(wildcards):
    """done.json of every run the artifact aggregates (one training job each), the FID
    reference statistics it compares images with, and the datasets it reads itself."""
    if (wildcards.paper, wildcards.artifact) not in ARTIFACTS:
        return []  # rule unknown_target answers
    spec = SPECS[wildcards.paper]
    runs = vb_present.present_runs(spec, wildcards.artifact, SCALE, root=DATA_ROOT,
                                   fetchable=fetchable)
    under = [str(vb_alt.artifact_csv("results", wildcards.paper, wildcards.artifact, name))
             for name in vb_alt.of_artifact(spec, wildcards.artifact)]
    return ([str(run / "done.json") for run in runs] + references_and_data(spec, wildcards.artifact)
            + vb_spec.artifacts_read(spec, wildcards.artifact) + under)


def references_and_data(spec, artifact):
    """The FID reference statistics an artifact compares with and the datasets it reads."""
    read = [f"results/data/{d}.json" for d in vb_spec.artifact_data(spec, artifact, SCALE)
            if not d.startswith(vb_data.STANDIN_PREFIX)]
    return vb_spec.fid_references(spec, artifact, SCALE) + read


def alternative_inputs(wildcards):
    """What an artifact rebuilt under an alternative reads: the runs trained under it, and the
    same references and data as the artifact itself."""
    if (wildcards.paper, wildcards.artifact) not in ARTIFACTS:
        return []
    spec = SPECS[wildcards.paper]
    if wildcards.alternative not in vb_alt.of_artifact(spec, wildcards.artifact):
        raise ValueError(f"{wildcards.paper}/{wildcards.artifact} has no alternative "
                         f"'{wildcards.alternative}'")
    runs = vb_alt.run_dirs(spec, vb_present.present_runs(spec, wildcards.artifact, SCALE,
                                                         root=DATA_ROOT, fetchable=fetchable),
                           wildcards.alternative)
    return [str(run / "done.json") for run in runs] + references_and_data(spec, wildcards.artifact)


def dataset_inputs(wildcards):
    """A prepared dataset's cache file (CelebA), built by its own rule; nothing for the others."""
    from vaebench.data import celeba as vb_celeba

    if wildcards.dataset not in vb_celeba.VARIANTS:
        return []
    crop, resize = vb_celeba.VARIANTS[wildcards.dataset]
    return [str(vb_celeba.cache_path(crop, resize, "results/data"))]


def run_inputs(wildcards):
    """What a training run reads: its prepared dataset (checked/downloaded once) and the runs
    (same scale and seed) of the experiments it `needs:`."""
    paper, alternative = vb_alt.split_paper_dir(wildcards.paper)
    spec = SPECS[paper]
    run = vb_spec.run_config(spec, wildcards.experiment, wildcards.scale, int(wildcards.seed),
                             alternative=alternative)
    # a run under an alternative needs the runs of the same alternative (its own folder)
    inputs = [str(vb_spec.run_dir("results/runs", wildcards.scale, wildcards.paper, need,
                                  wildcards.seed) / "done.json")
              for need in vb_spec.needs(spec, wildcards.experiment)]
    if vb_data.is_sampled(run.dataset) or run.dataset.startswith(vb_data.STANDIN_PREFIX):
        return inputs
    return inputs + [f"results/data/{run.dataset}.json"]


def run_config_hash(wildcards):
    """Changes when the experiment's resolved options change, so Snakemake re-runs the job."""
    import hashlib
    import json

    paper, alternative = vb_alt.split_paper_dir(wildcards.paper)
    run = vb_spec.run_config(SPECS[paper], wildcards.experiment, wildcards.scale,
                             int(wildcards.seed), alternative=alternative)
    # a procedure's settings (vaebench.artifacts.procedures) are part of what the job computes
    procedure = SPECS[paper]["experiments"][wildcards.experiment].get("procedure")
    identity = {**run.identity(),
                **({"procedure": procedure["scales"][wildcards.scale]} if procedure else {})}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def stacked_jobs():
    """(runs folder of the paper, experiment, seeds) of every experiment whose seeds train as one
    job at this scale (stack_seeds: rule train_stacked_*); the others train a job per seed."""
    return [(vb_alt.paper_dir(paper, alternative), experiment, seeds)
            for paper, spec in SPECS.items()
            for alternative, experiment, seeds in vb_spec.stacked_jobs(spec, SCALE)]


STACKED = stacked_jobs()


def per_seed_scale_regex():
    """The {scale} wildcard of the per-seed train rule: any scale, except where the path goes on
    to a stacked experiment's run at this scale (the lookahead sees the rest of the path), so
    each run has one rule."""
    import re

    stacked = "|".join(re.escape(f"{SCALE}/{paper_dir}/{experiment}/")
                       for paper_dir, experiment, _ in STACKED)
    return (rf"(?!(?:{stacked}))" if stacked else "") + "(?:smoke|quick|paper)"


def stacked_inputs(paper_dir, experiment, seeds):
    """What the stacked job of an experiment reads: every seed's run inputs."""
    return sorted({path for seed in seeds for path in run_inputs(SimpleNamespace(
        paper=paper_dir, experiment=experiment, scale=SCALE, seed=str(seed)))})


def seed_pattern(runs):
    """`--out` of a stacked job: <runs>/seed{seed}, the braces kept from Snakemake's wildcard
    expansion (a function's value is not expanded)."""
    return lambda wildcards: f"{runs}/seed{{seed}}"


def stacked_config_hash(paper_dir, experiment, seeds):
    """Changes when any seed's resolved options change (run_config_hash of each)."""
    return "-".join(run_config_hash(SimpleNamespace(paper=paper_dir, experiment=experiment,
                                                    scale=SCALE, seed=str(seed)))
                    for seed in seeds)


def paper_flags(wildcards):
    """`--paper P` and, for a run under an alternative (its folder P~NAME), `--alternative NAME`."""
    paper, alternative = vb_alt.split_paper_dir(wildcards.paper)
    return f"--paper {paper}" + (f" --alternative {alternative}" if alternative else "")


def skipped_flags():
    return " ".join(f"--skipped {shlex.quote(f'{p}/{a}: {why}')}" for p, a, why in SKIPPED)


def per_paper_names(wildcards):
    names = [f"results/{p}/{wildcards.flat}.csv" for p, spec in SPECS.items()
             if wildcards.flat in spec["artifacts"]]
    return " ".join(names) or "none: no paper has an artifact of that name"


def known_targets_regex():
    """A regex for `<paper>/<artifact>` matching every pair that is *not* an artifact of a spec
    (rule unknown_target answers those in one line instead of a KeyError traceback)."""
    import re

    known = "|".join(re.escape(f"{p}/{a}") for p, a in ARTIFACTS) or "(?!)"
    return rf"(?!(?:{known})\.csv$)[^/]+/[^/]+"  # the lookahead sees the rest of the path


def unknown_target_message(target: str) -> str:
    """One line for `<paper>/<artifact>` of no spec: what is wrong, and what exists."""
    paper, _, artifact = target.partition("/")
    if paper in BROKEN_SPECS:
        return f"vaebench: {BROKEN_SPECS[paper]}"
    if paper not in SPECS:
        return f"vaebench: unknown paper '{paper}'; known: {', '.join(SPECS)}"
    return (f"vaebench: paper {paper} has no artifact '{artifact}'; known: "
            f"{', '.join(SPECS[paper]['artifacts'])}")


def logged(command: str) -> str:
    """A rule's shell command with its output in {log}; every attempt is appended to
    {log}.attempts (Snakemake deletes {log} before a re-run), and a failure puts the log's last
    line, the one-line cause, on the console."""
    # braces doubled: Snakemake formats the result ({log}, {params...})
    return (f"{{{{ {command} ; }}}} > {{log}} 2>&1 && status=0 || status=$?; "
            "{{ echo \"== $(date -u +%FT%TZ) exit $status\"; cat {log}; }} >> {log}.attempts; "
            "if [ $status -ne 0 ]; then echo \"$(tail -n 1 {log}) (log: {log})\" >&2; fi; "
            "exit $status")


def refuse_unknown_targets(argv: list[str]) -> None:
    """A target results/<paper>/<artifact>.csv that no spec has stops the run before any job,
    in one line naming what exists, with exit code 2 (the command line is all Snakemake gives a
    Snakefile to look at; rule unknown_target answers targets that come another way)."""
    import re

    for arg in argv[1:]:
        match = re.fullmatch(r"results/([a-z]+\d{4})/([^/]+)\.csv", arg)
        if match and (match[1], match[2]) not in ARTIFACTS:
            print(unknown_target_message(f"{match[1]}/{match[2]}"), file=sys.stderr)
            sys.exit(2)


refuse_unknown_targets(sys.argv)


# Wall time and memory per job, per rule and scale - what a cluster scheduler needs to place a job
# (SLURM: --time, --mem). Locally they are only tokens, limited only by `--resources mem_mb=N`.
# Which jobs take a GPU is the profile's business (profiles/slurm/config.yaml): the machine
# that submits the jobs may have none.

# rule: {scale: (runtime in minutes, mem_mb)}. Generous on purpose: a job killed at its time
# limit costs more than one that waits a little longer in the queue. `paper` training runs are up
# to 1000 epochs of a conv net (Berger & Sebag's MNIST runs), about a day on one GPU.
JOB_LIMITS = {
    "train": {"smoke": (15, 2000), "quick": (240, 8000), "paper": (2880, 16000)},
    "fid_reference": {"smoke": (15, 4000), "quick": (60, 8000), "paper": (240, 16000)},
    "artifact": {"smoke": (15, 4000), "quick": (120, 8000), "paper": (720, 32000)},
}


def job_runtime(rule):
    return JOB_LIMITS[rule][SCALE][0]


def job_mem_mb(rule):
    return JOB_LIMITS[rule][SCALE][1]


def benchmark_patterns(wildcards):
    """--pattern RULE=PATTERN for each rule with a benchmark file, so each TSV is named by the
    rule that wrote it (a function, evaluated once every rule file is read)."""
    return " ".join(f"--pattern {shlex.quote(f'{each.name}={each.benchmark}')}"
                    for each in workflow.rules
                    if each.benchmark is not None)
