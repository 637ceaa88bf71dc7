"""`vaebench preflight`: every experiment of a scale tried on this machine before the long run.

For each experiment of the specs (its first seed's resolved config) the preflight builds the model
at the scale's real shapes and settings (precision, channels_last, compile, TF32) on the device
training resolves to, trains a few steps on a batch of the real shape, writes a checkpoint to a
temporary folder, resumes a fresh run from it and trains one more step. One line per experiment:
peak memory (resident set on a CPU, torch.cuda.max_memory_allocated on a GPU), seconds per step,
and ok or the one-line error. A failure of any makes the command fail (exit code 2).

What the preflight cannot have, it stands in for, and its line says so:
- data absent from the data root (or a CelebA variant whose cache is not built: building it takes
  an hour): generated images of the dataset's shape (its `standin_` dataset); a real dataset is
  held on the device as the run holds it, a stand-in only as a few batches, so the memory of a
  stand-in line lacks the dataset's;
- a second stage's latent codes (they come from a trained first stage): points of the codes'
  dimension;
- values read from another experiment's run (a σ, a σ schedule) and `init_from`: σ = 1 and the
  experiment's own initialisation.
An experiment whose seeds train as one stacked model (`stack_seeds`) is checked as one seed's run.
"""

import contextlib
import ctypes
import gc
import math
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from vaebench import device as device_policy
from vaebench.data import celeba
from vaebench.data import datasets as data
from vaebench.errors import UserError
from vaebench.spec import specs
from vaebench.train import loop, precision
from vaebench.train.config import TrainConfig

STANDIN_PREFIX = "standin_"
PLACEHOLDER_SIGMA = 1.0


@dataclass
class Check:
    """One experiment's preflight line."""
    name: str  # paper/experiment
    data: str = ""  # where its batches came from
    memory: int | None = None  # peak bytes
    seconds_per_step: float | None = None
    first_step: float | None = None  # seconds, the first step alone (allocation, autotuning)
    error: str | None = None

    def line(self, memory_kind: str) -> str:
        memory = "-" if self.memory is None else f"{self.memory / 2**30:.2f} GiB {memory_kind}"
        speed = ("-" if self.seconds_per_step is None
                 else f"{self.seconds_per_step:.3f} s/step (first {self.first_step:.3f} s)")
        verdict = "ok" if self.error is None else f"FAILED: {self.error}"
        return f"{self.name:44s} {memory:24s} {speed:32s} {self.data}: {verdict}"


# ---------------------------------------------------------------- which experiments, which config


def experiments(scale: str, papers: list[str] | None = None,
                only: list[str] | None = None) -> list[tuple[dict, str]]:
    """(spec, experiment) of every experiment of `papers` (default every specified paper),
    or of the experiments named in `only`."""
    directory = str(specs.benchmarks_dir().resolve())  # the specs of the folder run from
    chosen = []
    for paper in papers or specs.specified_papers():
        spec = specs.load_spec(paper, directory)
        names = list(spec.get("experiments") or {})
        unknown = sorted(set(only or []) - set(names)) if papers and len(papers) == 1 else []
        if unknown:
            raise UserError(f"paper '{paper}' has no experiment(s) {', '.join(unknown)}")
        chosen += [(spec, name) for name in names if not only or name in only]
    if not chosen:
        raise UserError(f"no experiment to check (papers {papers}, experiments {only})")
    return chosen


def placeholder(reference: dict):
    """A value read from another experiment's run, which the preflight does not have."""
    return [PLACEHOLDER_SIGMA] if reference.get("at") == "all" else PLACEHOLDER_SIGMA


def preflight_config(spec: dict, experiment: str, scale: str) -> tuple[TrainConfig, list[str]]:
    """The experiment's first seed's config at `scale`, with what comes from other runs stood in
    for; and notes saying what was."""
    seed = specs.seeds(spec, experiment, scale)[0]
    values = specs.run_config(spec, experiment, scale, seed).to_dict()
    notes, read_from = [], []

    def stand_in(reference: dict):
        read_from.append(reference["from"])
        return placeholder(reference)

    values = specs.resolve_references(values, stand_in)
    if read_from:
        notes.append(f"sigma of {', '.join(sorted(set(read_from)))}: {PLACEHOLDER_SIGMA}")
    if values.get("init_from"):
        notes.append(f"init_from {values['init_from']} not loaded")
        values["init_from"] = None
    codes_from = (values.get("dataset_args") or {}).get("codes_from")
    if values["dataset"] == "latent_codes" and codes_from:
        dim = codes_dimension(spec, codes_from, scale, seed)
        values["dataset"], values["dataset_args"] = "hypersphere", {"dim": dim, "radius": 1.0}
        notes.append(f"codes of {codes_from}: random {dim}-dim points")
    if values.get("stack_seeds"):
        notes.append("its seeds train stacked: one seed checked alone")
    return TrainConfig.from_dict(values), notes


def codes_dimension(spec: dict, experiment: str, scale: str, seed: int) -> int:
    """The latent dimension of the first stage `experiment` (a second stage's data)."""
    arch = specs.run_config(spec, experiment, scale, seed).arch
    if "latent_dim" not in arch:
        raise UserError(f"codes_from {experiment}: its arch names no latent_dim")
    return int(arch["latent_dim"])


# ---------------------------------------------------------------- data


def data_present(cfg: TrainConfig) -> bool:
    """Whether the run's data can be read as it is, without downloading or building a cache."""
    if not data.is_available(cfg.dataset, cfg.data_root):
        return False
    variant = celeba.VARIANTS.get(cfg.dataset)
    return variant is None or celeba.cache_path(*variant).exists()


def with_data(cfg: TrainConfig, steps: int) -> tuple[TrainConfig, str]:
    """The config to train on, and what its data is: the real data, a sampled dataset, or (data
    absent) generated images of the dataset's shape, enough for the preflight's steps."""
    if data.is_sampled(cfg.dataset):
        return cfg, "sampled"
    if cfg.dataset.startswith(STANDIN_PREFIX):
        return cfg, "stand-in data"
    if data_present(cfg):
        return cfg, "real data"
    standin = STANDIN_PREFIX + cfg.dataset
    if standin not in data.known_datasets():
        raise UserError(f"dataset '{cfg.dataset}' absent and has no stand-in")
    return (replace(cfg, dataset=standin, standin_size=cfg.batch_size * (steps + 1),
                    train_subset=None),
            f"random images {'x'.join(map(str, data.data_shape(cfg.dataset)))} (data absent)")


_loaded: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}  # the last real dataset read


def batches_of(cfg: TrainConfig, device: torch.device):
    """The run's own batches (vaebench.train.loop), a real dataset read once for the experiments
    in a row that use it."""
    if data.is_sampled(cfg.dataset) or cfg.dataset.startswith(STANDIN_PREFIX):
        return loop.make_batches(cfg, device)
    key = (cfg.dataset, cfg.data_root)
    if key not in _loaded:
        _loaded.clear()  # one dataset held at a time
        _loaded[key] = data.load(cfg.dataset, "train", cfg.data_root, cfg.download,
                                 cfg.standin_size)
    return loop.ImageBatches(cfg, device, _loaded[key])


def stream(batches, run: loop.Run):
    """Batches without end: the run's epochs one after another."""
    while True:
        yield from batches.epoch(run.shuffle)


# ---------------------------------------------------------------- measuring


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak_memory(device: torch.device) -> None:
    """Start a new peak: CUDA's allocator statistics, or the process's peak resident set (Linux:
    writing 5 to clear_refs resets VmHWM to the current resident set, which still holds what the
    allocator kept of earlier experiments; elsewhere the peak stays the process's)."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc: hand freed memory back first
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory(device: torch.device) -> int | None:
    """Bytes: torch.cuda.max_memory_allocated on a GPU, the peak resident set on a CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def memory_kind(device: torch.device) -> str:
    return "CUDA peak" if device.type == "cuda" else "peak RSS"


def timed_steps(run: loop.Run, batches, steps: int) -> list[float]:
    """Seconds of each of `steps` training steps (the device synchronised around each)."""
    seconds = []
    for x in batches:
        if len(seconds) == steps:
            break
        synchronise(run.device)
        started = time.perf_counter()
        terms, _ = loop.train_step(run, x, run.cfg.kl_weight)
        synchronise(run.device)
        seconds.append(time.perf_counter() - started)
        if not math.isfinite(float(terms.loss.detach())):
            raise loop.TrainingDiverged(f"non-finite loss at preflight step {len(seconds)}")
    return seconds


def resume_and_step(run: loop.Run, cfg: TrainConfig, batches, folder: Path) -> None:
    """Checkpoint `run` into `folder`, resume a fresh run from it, and train that one step."""
    loop.save_checkpoint(run, folder)
    resumed = loop.Run(cfg, run.device)
    loop.resume_if_possible(resumed, folder)
    if resumed.optimizer.state_dict()["state"].keys() != run.optimizer.state_dict()["state"].keys():
        raise UserError("the resumed run lacks optimiser state the checkpoint had")
    timed_steps(resumed, batches, 1)


def check(cfg: TrainConfig, device: torch.device, steps: int, name: str,
          notes: list[str] = ()) -> Check:
    """One experiment's preflight; any error becomes its line's message."""
    result = Check(name)
    try:
        cfg, result.data = with_data(cfg, steps)
        result.data = "; ".join([result.data, *notes])
        precision.apply_backends(cfg, device)
        reset_peak_memory(device)
        batches = batches_of(cfg, device)
        run = loop.Run(cfg, device)
        seconds = timed_steps(run, stream(batches, run), steps)
        with tempfile.TemporaryDirectory(prefix="vaebench-preflight-") as folder:
            resume_and_step(run, cfg, stream(batches, run), Path(folder))
        result.memory = peak_memory(device)
        result.first_step = seconds[0]
        result.seconds_per_step = sum(seconds[1:]) / (steps - 1) if steps > 1 else seconds[0]
    except Exception as exc:  # noqa: BLE001 - every failure is the line's verdict
        result.error = one_line(exc)
        if isinstance(exc, torch.cuda.OutOfMemoryError):
            result.memory = peak_memory(device)
    return result


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


# ---------------------------------------------------------------- the command


def run_preflight(scale: str, papers: list[str] | None = None, only: list[str] | None = None,
                  steps: int = 2, device_name: str | None = None, say=print) -> list[Check]:
    """Check every chosen experiment, saying each line as it is done and a summary at the end;
    returns the checks."""
    device = device_policy.resolve(device_name)
    chosen = experiments(scale, papers, only)
    say(f"vaebench preflight --scale {scale}: {len(chosen)} experiment(s), {steps} step(s) "
        f"each then a checkpoint, a resume and one step, on {device} (torch {torch.__version__})")
    started, checks = time.perf_counter(), []
    for spec, experiment in chosen:
        name = f"{spec['paper']}/{experiment}"
        try:
            cfg, notes = preflight_config(spec, experiment, scale)
        except Exception as exc:  # noqa: BLE001 - a config that does not resolve fails its line
            result = Check(name, "config", error=one_line(exc))
        else:
            result = check(cfg, device, steps, name, notes)
        checks.append(result)
        say(result.line(memory_kind(device)))
    say(summary(checks, time.perf_counter() - started, device))
    return checks


def summary(checks: list[Check], seconds: float, device: torch.device) -> str:
    failed = [c for c in checks if c.error is not None]
    measured = [c for c in checks if c.memory is not None]
    largest = max(measured, key=lambda c: c.memory, default=None)
    most = (f"; largest memory {largest.memory / 2**30:.2f} GiB {memory_kind(device)} "
            f"({largest.name})" if largest else "")
    return (f"preflight: {len(checks)} experiments, {len(checks) - len(failed)} ok, "
            f"{len(failed)} failed, {seconds:.0f} s{most}")
