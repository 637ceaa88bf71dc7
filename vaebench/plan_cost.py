"""What a scale costs before it runs (`vaebench plan`): the jobs of each rule, and GPU-hours,
CPU-hours and disk per artifact, each as a low-high range.

The cost model, per training job (an experiment's seed, or an experiment's stacked seeds):

- work: examples processed = epochs x examples per epoch (a sampled dataset: steps_per_epoch x
  batch_size); a run that may train on to `max_epochs` counts `epochs` at the low end and
  `max_epochs` at the high end. Asperti 2019's noise-injection procedure counts its hold and
  recovery epochs (half the noise steps at the low end, all at the high end).
- CPU cost per example: forward FLOPs per example of the model as this scale builds it (counted
  by torch's FlopCounterMode on one example), times core-seconds per FLOP calibrated on what the
  record measured: the same experiment's quick-scale jobs (record/quick/*/*.provenance.yaml: the
  job's CPU seconds over its examples and FLOPs, so start-up, evaluation and data handling are
  in it) or, for an experiment with no quick record, the throughput benchmark of the same model
  (record/perf/throughput_cpu.csv: core-seconds per example = threads / examples per second),
  else the median over all calibrations. The range is x0.8 to x1.5 of that (the record was
  measured on 2 shared cores).
- GPU cost: an assumed GPU speed, stated as its range (ASSUMED_GPU): per optimiser step a floor
  (kernel launches of a small net in eager PyTorch) plus 3x the forward FLOPs (forward and
  backward) at an effective rate, plus a start-up per job. Their ratio to the CPU estimate is
  the GPU/CPU speed ratio it implies, printed per experiment.

FID reference statistics are GPU jobs (N images through Inception); artifacts are CPU jobs (the
SLURM profile gives them no GPU): their quick-scale CPU time scaled by their runs and FID images.
Disk: checkpoints (weights and Adam's two moments), kept snapshots, per-minibatch logs, FID
reference files and the CelebA caches.
"""

import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from vaebench.errors import UserError
from vaebench.spec import specs

RECORD = Path(__file__).resolve().parents[1] / "record"


@dataclass(frozen=True)
class GpuAssumption:
    """One end of the assumed GPU speed (a data-centre GPU of the H100 class, fp32/TF32)."""

    step_floor_s: float  # per optimiser step, whatever the net's size
    flops_per_s: float  # effective, on the papers' small nets and batches
    startup_s: float  # per job: imports, data onto the device, evaluation, outputs
    fid_images_per_s: float  # Inception (299x299) feature extraction


ASSUMED_GPU = {"low": GpuAssumption(0.5e-3, 25e12, 30.0, 4000.0),
               "high": GpuAssumption(3e-3, 5e12, 120.0, 1000.0)}
CPU_SPREAD = {"low": 0.8, "high": 1.5}
# core-seconds per image of FID features on the CPU (record/perf: fid_mnist, 2 threads)
FID_CPU_S_PER_IMAGE_FALLBACK = 2 / 26.4
TRAIN_IMAGES = {"mnist": 60_000, "fashion_mnist": 60_000, "cifar10": 50_000, "cifar100": 50_000,
                "svhn": 73_257, "celeba": 162_770}
CELEBA_IMAGES, CELEBA_BYTES_PER_IMAGE = 202_599, 3 * 64 * 64
FID_FILE_BYTES = 2048 * 2048 * 8 + 2048 * 8
CELEBA_CACHE_CPU_S = (300.0, 1800.0)  # decode, crop and resize 202,599 JPEGs (low, high)
DEFAULT_ARTIFACT_CPU_S = 60.0
OUTLIER_FACTOR = 5.0  # a quick-record calibration this far off its model's is not used


# ---------------------------------------------------------------- one run's work


def train_images(dataset: str, standin_size: int | None = None) -> int:
    """The training split's size of a stored dataset (its variants share their base's)."""
    if dataset.startswith("standin_"):
        return int(standin_size or 1000)
    for base in sorted(TRAIN_IMAGES, key=len, reverse=True):
        if dataset == base or dataset.startswith(base + "_"):
            return TRAIN_IMAGES[base]
    raise ValueError(f"no training-set size known for dataset '{dataset}'")


def examples_per_epoch(cfg, sampled: bool) -> int:
    if sampled:
        return cfg.steps_per_epoch * cfg.batch_size
    n = train_images(cfg.dataset, cfg.standin_size)
    return min(n, cfg.train_subset) if cfg.train_subset else n


def epochs_range(cfg, procedure: dict | None = None) -> tuple[int, int]:
    """(low, high) epochs of a run: `epochs` (its sigma schedule's length) to `max_epochs`; a
    noise-injection procedure's hold and recovery epochs (half or all of its noise steps)."""
    if procedure:
        hold = procedure.get("hold_epochs", 0) * procedure.get("max_noise_steps", 0)
        recovery = procedure.get("recovery_epochs", 0)
        return hold // 2 + recovery, hold + recovery
    first = cfg.first_epochs()
    return first, max(first, cfg.max_epochs or first)


# ---------------------------------------------------------------- the model's size

_flops_cache: dict = {}


def model_size(cfg, shape: tuple[int, ...]) -> tuple[float, int]:
    """(forward FLOPs per example, parameters) of `cfg`'s model on examples of `shape`."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from vaebench import registry
    from vaebench.models import build_model
    from vaebench.models.likelihoods import likelihood_class

    # the likelihood's class says how many decoder outputs a dimension takes (its arguments may
    # still refer to runs not trained yet)
    known = registry.has("likelihood", cfg.likelihood)
    per_dim = likelihood_class(cfg.likelihood).params_per_dim if known else 1
    key = (cfg.model, repr(sorted(cfg.arch.items())), tuple(shape), per_dim)
    if key not in _flops_cache:
        model = build_model(cfg.model, shape, per_dim, **cfg.arch).eval()
        x = torch.zeros(2, *shape)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model.decode(model.encode(x)[0])
        params = sum(p.numel() for p in model.parameters())
        _flops_cache[key] = (max(counter.get_total_flops() / 2, 1.0), params)
    return _flops_cache[key]


def example_shape(spec: dict, cfg, scale: str, alternative: str | None) -> tuple[int, ...]:
    """The shape of one training example; a second stage's codes: its first stage's latent."""
    from vaebench.data import datasets as data

    args = cfg.dataset_args or {}
    if "codes_from" in args:
        first = specs.run_config(spec, str(args["codes_from"]), scale, cfg.seed,
                                 alternative=alternative)
        return (int(first.arch["latent_dim"]),)
    return tuple(data.data_shape(cfg.dataset, args))


# ---------------------------------------------------------------- the jobs


@dataclass
class TrainJob:
    """One training job: an experiment's seed, or its seeds stacked into one job."""

    paper: str
    alternative: str | None
    experiment: str
    seeds: list[int]
    stacked: bool
    model: str
    flops: float  # forward FLOPs per example
    params: int
    images: tuple[int, int]  # examples processed per seed (low, high)
    steps: tuple[int, int]  # optimiser steps of the job (low, high)
    disk_bytes: int
    artifact: str = ""  # the first artifact that reads it (its cost is counted there)

    @property
    def name(self) -> str:
        paper = self.paper + (f"~{self.alternative}" if self.alternative else "")
        return f"{paper}/{self.experiment}"


def run_disk_bytes(cfg, params: int, steps: int, epochs: int, latent: int) -> int:
    """A run's files: the checkpoint (weights and Adam's two moments), kept snapshots, and the
    per-minibatch CSVs (about 12 bytes a number)."""
    size = 3 * 4 * params
    if cfg.keep_checkpoints_every:
        size += (epochs // cfg.keep_checkpoints_every) * 4 * params
    steps_per_epoch = steps / max(epochs, 1)
    if cfg.trajectory:
        logged = steps_per_epoch * (cfg.trajectory_epochs or epochs)
        size += int(logged * (1 + 2 * latent) * 12)
    if cfg.probe_per_class:
        size += int(steps_per_epoch * cfg.probe_epochs * 10 * (2 + 2 * latent) * 12)
    return int(size + 200_000)  # samples, metrics, config, latent statistics


def training_jobs(spec: dict, scale: str, runs: set[tuple]) -> list[TrainJob]:
    """The training jobs of the (alternative, experiment, seed) runs of `spec` in `runs`, with
    stacked experiments as one job."""
    from vaebench.data import datasets as data

    stacked = {(alternative, experiment): seeds
               for alternative, experiment, seeds in specs.stacked_jobs(spec, scale)}
    grouped: dict[tuple, list[int]] = {}
    for alternative, experiment, seed in sorted(runs, key=lambda r: (r[0] or "", r[1], r[2])):
        together = (alternative, experiment) in stacked
        key = (alternative, experiment, None if together else seed)
        grouped.setdefault(key, []).append(seed)
    jobs = []
    for (alternative, experiment, _), seeds in grouped.items():
        cfg = specs.run_config(spec, experiment, scale, seeds[0], alternative=alternative)
        procedure = (spec["experiments"][experiment].get("procedure") or {}).get("scales", {})
        procedure = procedure.get(scale)
        shape = example_shape(spec, cfg, scale, alternative)
        flops, params = model_size(cfg, shape)
        per_epoch = examples_per_epoch(cfg, data.is_sampled(cfg.dataset))
        epochs = epochs_range(cfg, procedure)
        steps_per_epoch = math.ceil(per_epoch / cfg.batch_size)
        latent = int(cfg.arch.get("latent_dim", 1))
        jobs.append(TrainJob(
            spec["paper"], alternative, experiment, seeds,
            (alternative, experiment) in stacked, cfg.model, flops, params,
            (epochs[0] * per_epoch, epochs[1] * per_epoch),
            (epochs[0] * steps_per_epoch, epochs[1] * steps_per_epoch),
            len(seeds) * run_disk_bytes(cfg, params, epochs[1] * steps_per_epoch, epochs[1],
                                        latent)))
    return jobs


def artifact_runs(spec: dict, artifact: str, scale: str) -> set[tuple]:
    """(alternative, experiment, seed) of every run an artifact needs, under its alternatives
    too, with the runs those runs need (`needs:`)."""
    from vaebench.spec import alternatives

    found: set[tuple] = set()

    def add(alternative, experiment, seed):
        if (alternative, experiment, seed) in found:
            return
        found.add((alternative, experiment, seed))
        for need in specs.needs(spec, experiment):
            add(alternative, need, seed)

    direct = [(experiment, seed) for experiment in specs.artifact_experiments(spec, artifact, scale)
              for seed in specs.seeds(spec, experiment, scale)]
    for experiment, seed in direct:
        add(None, experiment, seed)
    for alternative in alternatives.of_artifact(spec, artifact):
        for experiment, seed in direct:  # the others are read from the default runs
            if alternatives.changes(spec, alternative, experiment):
                add(alternative, experiment, seed)
    return found


# ---------------------------------------------------------------- calibration


@dataclass
class Calibration:
    """Core-seconds per forward FLOP per example: by (paper, experiment) from the quick record,
    by model from the throughput benchmark; `median` for the rest."""

    by_experiment: dict[tuple[str, str], float] = field(default_factory=dict)
    by_model: dict[str, float] = field(default_factory=dict)
    fid_cpu_s_per_image: float = FID_CPU_S_PER_IMAGE_FALLBACK
    artifact_cpu_s: dict[tuple[str, str], float] = field(default_factory=dict)
    fid_images_quick: dict[tuple[str, str], int] = field(default_factory=dict)
    runs_quick: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def median(self) -> float:
        values = list(self.by_experiment.values()) + list(self.by_model.values())
        return statistics.median(values) if values else 1e-9

    def core_s_per_flop(self, job: TrainJob) -> tuple[float, str]:
        if (job.paper, job.experiment) in self.by_experiment:
            return self.by_experiment[(job.paper, job.experiment)], "quick record"
        if job.model in self.by_model:
            return self.by_model[job.model], "throughput benchmark"
        return self.median, "median of the calibrations"


def quick_run_work(spec: dict, run: dict) -> tuple[str, str, int, float] | None:
    """(experiment, model, examples processed, forward FLOPs per example) of a run the
    quick record lists, from its epochs and data and the experiment's quick configuration."""
    from vaebench.spec import alternatives

    parts = str(run.get("run", "")).split("/")
    if len(parts) != 4 or parts[0] != "quick" or not run.get("epochs"):
        return None
    paper, alternative = alternatives.split_paper_dir(parts[1])
    experiment, seed = parts[2], int(parts[3].removeprefix("seed"))
    if paper != spec["paper"] or experiment not in spec["experiments"]:
        return None
    used = run.get("data") or {}
    per_epoch = used.get("fresh_samples_per_epoch") or used.get("images")
    if not per_epoch:
        return None
    try:
        cfg = specs.run_config(spec, experiment, "quick", seed, alternative=alternative)
        flops, _ = model_size(cfg, example_shape(spec, cfg, "quick", alternative))
    except Exception:  # a run of a configuration the spec no longer has: not a calibration
        return None
    return experiment, cfg.model, int(run["epochs"]) * int(per_epoch), flops


def calibrate(spec_by_paper: dict[str, dict], record: Path = RECORD) -> Calibration:
    """Calibration from the committed record (quick provenance and the CPU throughput)."""
    calibration = Calibration()
    samples: dict[tuple[str, str], list[float]] = {}
    models: dict[tuple[str, str], str] = {}
    for provenance in sorted((record / "quick").glob("*/*.provenance.yaml")):
        content = yaml.safe_load(provenance.read_text()) or {}
        paper, artifact = provenance.parent.name, provenance.name.split(".")[0]
        spec = spec_by_paper.get(paper)
        if spec is None:
            continue
        jobs = {job["job"]: job for job in content.get("jobs") or []}
        built = jobs.get(f"artifact {paper}/{artifact}")
        if built:
            calibration.artifact_cpu_s[(paper, artifact)] = float(built["cpu_s"])
            calibration.runs_quick[(paper, artifact)] = len(content.get("runs") or [])
        for job in jobs:
            if job.startswith("fid reference ") and "_n" in job:
                calibration.fid_images_quick[(paper, artifact)] = int(job.rsplit("_n", 1)[1])
        for run in content.get("runs") or []:
            work = quick_run_work(spec, run)
            if work is None:
                continue
            experiment, model, examples, flops = work
            token = run["run"].split("/", 1)[1]
            job = jobs.get(f"train {token}")
            if job and job.get("cpu_s") and examples:
                samples.setdefault((paper, experiment), []).append(
                    float(job["cpu_s"]) / (examples * flops))
                models[(paper, experiment)] = model
    throughput = record / "perf" / "throughput_cpu.csv"
    if throughput.exists():
        by_model, fid = throughput_calibration(pd.read_csv(throughput))
        calibration.by_model = by_model
        calibration.fid_cpu_s_per_image = fid or calibration.fid_cpu_s_per_image
    calibration.by_experiment = consistent({key: statistics.median(values)
                                            for key, values in samples.items()},
                                           models, calibration.by_model)
    return calibration


def consistent(by_experiment: dict, models: dict, by_model: dict) -> dict:
    """The experiments' calibrations within OUTLIER_FACTOR of their model's (the benchmark's,
    else the median over the model's experiments): one further off was recorded under another
    configuration than the spec's quick one (a net since narrowed), so its FLOPs do not match."""
    pooled: dict[str, list[float]] = {}
    for key, value in by_experiment.items():
        pooled.setdefault(models.get(key, ""), []).append(value)
    kept = {}
    for key, value in by_experiment.items():
        model = models.get(key, "")
        reference = by_model.get(model) or statistics.median(pooled[model])
        if reference / OUTLIER_FACTOR <= value <= reference * OUTLIER_FACTOR:
            kept[key] = value
    return kept


def throughput_calibration(frame: pd.DataFrame) -> tuple[dict[str, float], float | None]:
    """Core-seconds per forward FLOP per example by model, from the benchmark's training rows
    (its cases' configurations, benchmarks/perf/throughput.yaml), and FID core-seconds/image."""
    from vaebench.data import datasets as data
    from vaebench.train.config import TrainConfig

    cases_file = specs.benchmarks_dir() / "perf" / "throughput.yaml"
    cases = (yaml.safe_load(cases_file.read_text()) or {}).get("cases", {}) \
        if cases_file.exists() else {}
    by_model: dict[str, list[float]] = {}
    rows = frame[(frame["what"] == "train_vaebench") & (frame["options"] == "default")]
    for row in rows.itertuples():
        case = cases.get(row.case) or {}
        if "train" not in case or not row.samples_per_s:
            continue
        cfg = TrainConfig.from_dict(dict(case["train"]))
        flops, _ = model_size(cfg, tuple(data.data_shape(cfg.dataset, cfg.dataset_args)))
        threads = case.get("threads") or row.threads
        by_model.setdefault(cfg.model, []).append(float(threads) / row.samples_per_s / flops)
    fid_rows = frame[frame["what"] == "fid_features"]
    fid = (float(fid_rows.threads.iloc[0]) / float(fid_rows.samples_per_s.iloc[0])
           if len(fid_rows) else None)
    return {model: statistics.median(values) for model, values in by_model.items()}, fid


# ---------------------------------------------------------------- costs


def train_cost(job: TrainJob, calibration: Calibration) -> dict:
    """CPU core-hours and GPU-hours (low, high) of a training job, and the implied ratio."""
    per_flop, source = calibration.core_s_per_flop(job)
    seeds = len(job.seeds)
    cpu = {end: CPU_SPREAD[end] * per_flop * job.flops * job.images[i] * seeds / 3600
           for i, end in enumerate(("low", "high"))}
    gpu = {}
    for i, end in enumerate(("low", "high")):
        assumed = ASSUMED_GPU[end]
        # stacked seeds take one step together; separate ones a step each
        steps = job.steps[i] * (1 if job.stacked else seeds)
        gpu[end] = (steps * assumed.step_floor_s
                    + 3 * job.flops * job.images[i] * seeds / assumed.flops_per_s
                    + assumed.startup_s * (1 if job.stacked else seeds)) / 3600
    return {"cpu_h": (cpu["low"], cpu["high"]), "gpu_h": (gpu["low"], gpu["high"]),
            "ratio": (cpu["low"] / gpu["high"] if gpu["high"] else math.inf,
                      cpu["high"] / gpu["low"] if gpu["low"] else math.inf),
            "calibration": source}


def fid_reference_cost(n: int, calibration: Calibration) -> dict:
    gpu = tuple((ASSUMED_GPU[end].startup_s + n / ASSUMED_GPU[end].fid_images_per_s) / 3600
                for end in ("low", "high"))
    cpu = tuple(CPU_SPREAD[end] * n * calibration.fid_cpu_s_per_image / 3600
                for end in ("low", "high"))
    return {"gpu_h": gpu, "cpu_h": cpu}


def artifact_cost(spec: dict, artifact: str, scale: str, runs: int,
                  calibration: Calibration) -> tuple[float, float]:
    """CPU core-hours (low, high) of building an artifact: its quick build scaled by its runs
    and, for an artifact that computes FIDs, by its FID images."""
    key = (spec["paper"], artifact)
    quick = calibration.artifact_cpu_s.get(key, DEFAULT_ARTIFACT_CPU_S)
    factor = max(1.0, runs / max(calibration.runs_quick.get(key, runs) or 1, 1))
    references = specs.fid_references(spec, artifact, scale)
    if references and key in calibration.fid_images_quick:
        n = int(references[0].rsplit("_n", 1)[1].removesuffix(".npz"))
        factor *= max(1.0, n / calibration.fid_images_quick[key])
    return tuple(CPU_SPREAD[end] * quick * factor / 3600 for end in ("low", "high"))


# ---------------------------------------------------------------- the plan


@dataclass
class Plan:
    jobs: pd.DataFrame  # rule -> count
    experiments: pd.DataFrame  # one row per (paper[~alternative], experiment)
    artifacts: pd.DataFrame  # one row per artifact
    totals: dict


def targets_by_paper(targets: list[str], spec_by_paper: dict[str, dict]) -> dict[str, list[str]]:
    """{paper: [artifacts]} of `targets` (results/<paper>/<artifact>.csv, <paper>/<artifact>
    or <paper>); every artifact of every paper when there are none."""
    if not targets:
        return {paper: list(spec["artifacts"]) for paper, spec in spec_by_paper.items()}
    chosen: dict[str, list[str]] = {}
    for target in targets:
        text = target.removeprefix("results/").removesuffix(".csv").strip("/")
        paper, _, artifact = text.partition("/")
        if paper not in spec_by_paper:
            raise UserError(f"unknown paper '{paper}' in target '{target}'; known: "
                             f"{', '.join(spec_by_paper)}")
        names = [artifact] if artifact else list(spec_by_paper[paper]["artifacts"])
        for name in names:
            specs.artifact(spec_by_paper[paper], name)  # a one-line error for an unknown one
            chosen.setdefault(paper, [])
            if name not in chosen[paper]:
                chosen[paper].append(name)
    return chosen


def make_plan(scale: str, spec_by_paper: dict[str, dict], targets: list[str] | None = None,
              calibration: Calibration | None = None) -> Plan:
    from vaebench.spec import alternatives

    calibration = calibration or calibrate(spec_by_paper)
    chosen = targets_by_paper(list(targets or []), spec_by_paper)
    counts = {"train": 0, "train_stacked": 0, "fid_reference": 0, "artifact": 0,
              "artifact_alternative": 0, "celeba_cache": 0}
    experiment_rows, artifact_rows = [], []
    fid_files: dict[str, str] = {}  # file -> the first artifact that reads it
    celeba: dict[str, str] = {}
    for paper, artifacts in chosen.items():
        spec = spec_by_paper[paper]
        runs_of = {artifact: artifact_runs(spec, artifact, scale) for artifact in artifacts}
        every_run = set().union(*runs_of.values()) if runs_of else set()
        jobs = training_jobs(spec, scale, every_run)
        for job in jobs:
            job.artifact = next(a for a in artifacts if any(
                (job.alternative, job.experiment, seed) in runs_of[a] for seed in job.seeds))
            counts["train_stacked" if job.stacked else "train"] += 1
        for artifact in artifacts:
            counts["artifact"] += 1
            counts["artifact_alternative"] += len(alternatives.of_artifact(spec, artifact))
            mine = [job for job in jobs if job.artifact == artifact]
            costs = [train_cost(job, calibration) for job in mine]
            fids = [f for f in specs.fid_references(spec, artifact, scale) if f not in fid_files]
            for file in fids:
                fid_files[file] = f"{paper}/{artifact}"
            fid_costs = [fid_reference_cost(int(f.rsplit("_n", 1)[1].removesuffix(".npz")),
                                            calibration) for f in fids]
            caches = [d for d in specs.artifact_datasets(spec, artifact, scale)
                      if d.startswith("celeba") and d not in celeba]
            for dataset in caches:
                celeba[dataset] = f"{paper}/{artifact}"
            builds = 1 + len(alternatives.of_artifact(spec, artifact))
            build = artifact_cost(spec, artifact, scale, len(runs_of[artifact]), calibration)
            gpu = [sum(c["gpu_h"][i] for c in costs + fid_costs) for i in (0, 1)]
            cpu = [build[i] * builds + sum(CELEBA_CACHE_CPU_S[i] / 3600 for _ in caches)
                   for i in (0, 1)]
            all_cpu = [sum(c["cpu_h"][i] for c in costs + fid_costs) + cpu[i] for i in (0, 1)]
            disk = (sum(job.disk_bytes for job in mine) + FID_FILE_BYTES * len(fids)
                    + CELEBA_IMAGES * CELEBA_BYTES_PER_IMAGE * len(caches))
            artifact_rows.append({
                "artifact": f"{paper}/{artifact}", "runs": len(runs_of[artifact]),
                "train_jobs": len(mine), "fid_refs": len(fids),
                "gpu_h_low": gpu[0], "gpu_h_high": gpu[1], "cpu_h_low": cpu[0],
                "cpu_h_high": cpu[1], "cpu_only_h_low": all_cpu[0],
                "cpu_only_h_high": all_cpu[1], "disk_gb": disk / 1e9})
        for job in jobs:
            cost = train_cost(job, calibration)
            experiment_rows.append({
                "experiment": job.name, "jobs": 1, "seeds": len(job.seeds),
                "stacked": job.stacked, "model": job.model, "mflop_per_example": job.flops / 1e6,
                "examples_per_seed": job.images[1], "gpu_h_low": cost["gpu_h"][0],
                "gpu_h_high": cost["gpu_h"][1], "cpu_only_h_low": cost["cpu_h"][0],
                "cpu_only_h_high": cost["cpu_h"][1], "ratio_low": cost["ratio"][0],
                "ratio_high": cost["ratio"][1], "calibration": cost["calibration"]})
    counts["fid_reference"] = len(fid_files)
    counts["celeba_cache"] = len({variant_cache(d) for d in celeba})
    experiments = pd.DataFrame(experiment_rows)
    if len(experiments):
        experiments = (experiments.groupby("experiment", sort=False)
                       .agg({"jobs": "sum", "seeds": "sum", "stacked": "first", "model": "first",
                             "mflop_per_example": "first", "examples_per_seed": "max",
                             "gpu_h_low": "sum", "gpu_h_high": "sum", "cpu_only_h_low": "sum",
                             "cpu_only_h_high": "sum", "ratio_low": "min", "ratio_high": "max",
                             "calibration": "first"}).reset_index())
    artifacts_frame = pd.DataFrame(artifact_rows)
    totals = {column: float(artifacts_frame[column].sum()) if len(artifacts_frame) else 0.0
              for column in ("gpu_h_low", "gpu_h_high", "cpu_h_low", "cpu_h_high",
                             "cpu_only_h_low", "cpu_only_h_high", "disk_gb")}
    jobs_frame = pd.DataFrame([{"rule": rule, "jobs": n} for rule, n in counts.items()])
    return Plan(jobs_frame, experiments, artifacts_frame, totals)


def variant_cache(dataset: str) -> str:
    """The CelebA cache file a dataset reads (its crop and resize)."""
    from vaebench.data import celeba

    crop, resize = celeba.VARIANTS.get(dataset, (dataset, ""))
    return f"{crop}_{resize}"


# ---------------------------------------------------------------- printing


def span(low: float, high: float, digits: int = 1) -> str:
    return f"{low:.{digits}f}-{high:.{digits}f}"


def format_plan(plan: Plan, scale: str) -> str:
    lines = [f"vaebench plan --scale {scale}: jobs per rule", ""]
    lines += [f"  {row.rule:22s} {row.jobs:6d}" for row in plan.jobs.itertuples()]
    lines += ["", "training jobs per experiment (GPU-h, and CPU core-h were they run on CPUs; "
              "ratio: the GPU/CPU-core speed ratio the assumptions imply)", ""]
    header = (f"  {'experiment':48s} {'jobs':>4s} {'seeds':>5s} {'MFLOP/ex':>9s} "
              f"{'examples/seed':>13s} {'GPU-h':>13s} {'CPU-h (all)':>15s} {'ratio':>11s}  "
              "calibrated on")
    lines.append(header)
    for row in plan.experiments.itertuples():
        lines.append(f"  {row.experiment:48s} {row.jobs:4d} {row.seeds:5d} "
                     f"{row.mflop_per_example:9.2f} {row.examples_per_seed:13,d} "
                     f"{span(row.gpu_h_low, row.gpu_h_high, 2):>13s} "
                     f"{span(row.cpu_only_h_low, row.cpu_only_h_high):>15s} "
                     f"{span(row.ratio_low, row.ratio_high, 0):>11s}  {row.calibration}")
    lines += ["", "per artifact (its training runs, FID references and CelebA caches counted "
              "with the first artifact that needs them)", ""]
    lines.append(f"  {'artifact':40s} {'runs':>5s} {'GPU-h':>13s} {'CPU-h':>11s} "
                 f"{'CPU-h (all on CPUs)':>20s} {'disk GB':>8s}")
    for row in plan.artifacts.itertuples():
        lines.append(f"  {row.artifact:40s} {row.runs:5d} "
                     f"{span(row.gpu_h_low, row.gpu_h_high):>13s} "
                     f"{span(row.cpu_h_low, row.cpu_h_high):>11s} "
                     f"{span(row.cpu_only_h_low, row.cpu_only_h_high):>20s} "
                     f"{row.disk_gb:8.2f}")
    t = plan.totals
    lines += ["", f"total: {span(t['gpu_h_low'], t['gpu_h_high'])} GPU-hours (training and FID "
              f"references, one GPU per job) + {span(t['cpu_h_low'], t['cpu_h_high'])} CPU "
              f"core-hours (artifacts, CelebA caches); all on CPU cores instead: "
              f"{span(t['cpu_only_h_low'], t['cpu_only_h_high'], 0)} core-hours; disk "
              f"{t['disk_gb']:.1f} GB",
              f"assumed GPU: per step {ASSUMED_GPU['low'].step_floor_s * 1e3:g}-"
              f"{ASSUMED_GPU['high'].step_floor_s * 1e3:g} ms + 3x forward FLOPs at "
              f"{ASSUMED_GPU['low'].flops_per_s / 1e12:g}-"
              f"{ASSUMED_GPU['high'].flops_per_s / 1e12:g} TFLOP/s + "
              f"{ASSUMED_GPU['low'].startup_s:g}-{ASSUMED_GPU['high'].startup_s:g} s a job; "
              f"CPU cost x{CPU_SPREAD['low']:g}-x{CPU_SPREAD['high']:g} of the record's; "
              f"the high end also trains max_epochs where a run may extend"]
    return "\n".join(lines)
