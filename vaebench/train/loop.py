"""One training loop for every model: seeded, checkpointed, resumable, atomic outputs.

A run directory ends up holding config.yaml (resolved), metrics.csv (per epoch),
trajectory.csv (per minibatch, when asked), latent_stats.csv, samples.png, checkpoint.pt and,
written last, done.json. Re-running on a directory with a checkpoint resumes from it and ends
where an uninterrupted run would (bitwise on the CPU); a directory with done.json is left alone.
"""

import math
import os
import signal
import sys
import time
from pathlib import Path

import pandas as pd
import torch
import yaml
from tqdm import tqdm

from vaebench import atomic, provenance
from vaebench import device as device_policy
from vaebench.data import datasets as data
from vaebench.errors import UserError
from vaebench.models import build_model
from vaebench.models.likelihoods import build_likelihood
from vaebench.train import precision
from vaebench.train.config import TrainConfig
from vaebench.train.convergence import has_plateaued, plateau_ratio, rule_text
from vaebench.train.epochs import planned_epochs
from vaebench.train.initialisation import initialise
from vaebench.train.latent_stats import batch_variance_summary, latent_statistics
from vaebench.train.objective import batch_terms
from vaebench.train.progress import (
    METRICS_EVERY_SECONDS,
    StepReporter,
    print_line,
    report_interval,
    run_label,
)
from vaebench.train.runs import snapshot_name

# Fault injection for the resume test: SIGKILL ourselves right after this epoch's checkpoint.
KILL_AFTER_EPOCH_ENV = "VAEBENCH_TEST_KILL_AFTER_EPOCH"


class TrainingDiverged(UserError):
    """A non-finite loss: the message names the step and the loss terms."""


def training_device(cfg: TrainConfig) -> torch.device:
    """The device a training run resolves to, with the CUDA backends set for it (cuDNN
    autotuning; TF32 as `cfg.tf32` says): what train, stacked training and the preflight call."""
    device = device_policy.resolve(cfg.device)
    precision.apply_backends(cfg, device)
    return device


def to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A host tensor onto the run's device. On CUDA through pinned memory and without blocking
    the host (the copy is ordered before any kernel that reads it on the same stream); elsewhere
    an ordinary `.to` (a no-op on the CPU)."""
    if device.type == "cuda" and tensor.device.type == "cpu":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


class ImageBatches:
    """A fixed uint8 image set on the device, reshuffled by index every epoch."""

    def __init__(self, cfg: TrainConfig, device: torch.device,
                 loaded: tuple[torch.Tensor, torch.Tensor] | None = None):
        """`loaded`: the split's (images, labels) as data.load returns them, read already."""
        images, labels = loaded or data.load(cfg.dataset, "train", cfg.data_root, cfg.download,
                                             cfg.standin_size)
        self.eval_data = images[:cfg.train_subset].to(device)  # [:None] keeps all
        self.labels = labels[:cfg.train_subset]
        self.batch_size, self.device = cfg.batch_size, device

    def probe_set(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The first image of each class (float, on the device) and the classes."""
        classes = self.labels.unique()
        index = torch.stack([(self.labels == c).nonzero()[0, 0] for c in classes])
        return data.to_float(self.eval_data[to_device(index, self.device)]), classes

    def epoch(self, generator: torch.Generator):
        order = to_device(torch.randperm(len(self.eval_data), generator=generator), self.device)
        for index in order.split(self.batch_size):
            yield data.to_float(self.eval_data[index])


class SampledBatches:
    """A synthetic distribution: a fresh batch every step (the large-sample regime)."""

    def __init__(self, cfg: TrainConfig, device: torch.device):
        self.cfg, self.device = cfg, device
        fixed = torch.Generator().manual_seed(10_000 + cfg.seed)  # eval set apart from training
        self.eval_data = data.sample(cfg.dataset, cfg.eval_size, fixed, cfg.dataset_args).to(device)

    def probe_set(self):
        raise UserError(f"probe_per_class needs a labelled image dataset, not '{self.cfg.dataset}'")

    def epoch(self, generator: torch.Generator):
        """The epoch's fresh points drawn in one call and moved to the device at once, then
        served a batch at a time: the same distribution as a draw per step, without a third of
        a small net's step spent in per-call sampler overhead (`vaebench bench`, berger2020's
        2-D ResNet). Checkpoints fall between epochs, so a resumed run draws the same points."""
        steps, size = self.cfg.steps_per_epoch, self.cfg.batch_size
        points = data.sample(self.cfg.dataset, steps * size, generator, self.cfg.dataset_args)
        yield from to_device(points, self.device).split(size)


def make_batches(cfg: TrainConfig, device: torch.device):
    return (SampledBatches if data.is_sampled(cfg.dataset) else ImageBatches)(cfg, device)


FUSED_ADAM = ("cpu", "cuda")  # device types with a fused Adam kernel in torch 2.14


class Run:
    """Model, likelihood, optimiser and the state that a checkpoint must carry."""

    def __init__(self, cfg: TrainConfig, device: torch.device):
        self.cfg = cfg
        self.device = device
        torch.manual_seed(cfg.seed)
        self.likelihood = build_likelihood(cfg.likelihood, **cfg.likelihood_args).to(device)
        shape = data.data_shape(cfg.dataset, cfg.dataset_args)
        self.model = build_model(cfg.model, shape, self.likelihood.params_per_dim,
                                 **cfg.arch).to(device)
        initialise(self.model, cfg.init)
        precision.prepare_model(self.model, cfg.channels_last)
        self.forward = precision.forward_for(self.model, cfg, device)  # what the step calls
        params = list(self.model.parameters()) + list(self.likelihood.parameters())
        # The fused kernel: the same Adam update in one pass over all parameters. For the small
        # nets of the papers the per-tensor loop of the default implementation is a third of
        # the step on a CPU (Berger & Sebag's 2-D ResNet: 1.33 s -> 1.00 s per 100 steps).
        self.optimizer = torch.optim.Adam(params, lr=cfg.lr, fused=device.type in FUSED_ADAM)
        self.l2 = l2_terms(self.model, cfg.l2_reg)
        self.shuffle = torch.Generator().manual_seed(cfg.seed)
        self.epoch = 0
        self.metrics: list[dict] = []
        self.trajectory: list[torch.Tensor] = []
        self.probe: list[torch.Tensor] = []
        self.latent_hook = None  # see objective.batch_terms
        # The generator of the reparameterisation noise when it is not the global RNG: a stacked
        # run's (vaebench.train.stacked), whose seeds share one process; checkpointed as rng_cpu.
        self.noise: torch.Generator | None = None
        self.metrics_saved_at = -math.inf  # when metrics.csv was last written (monotonic clock)

    def state(self) -> dict:
        return {
            "model": self.model.state_dict(), "likelihood": self.likelihood.state_dict(),
            "optimizer": self.optimizer.state_dict(), "epoch": self.epoch,
            "metrics": self.metrics, "trajectory": [t.cpu() for t in self.trajectory],
            "probe": [t.cpu() for t in self.probe],
            "config": self.cfg.to_dict(),
            "rng_cpu": (self.noise.get_state() if self.noise_on("cpu")
                        else torch.get_rng_state()),
            "rng_cuda": self.cuda_rng_states(),
            "rng_shuffle": self.shuffle.get_state(),
        }

    def noise_on(self, kind: str) -> bool:
        """Whether this run draws its noise from a generator of its own on this device kind."""
        return self.noise is not None and self.noise.device.type == kind

    def cuda_rng_states(self) -> list[torch.Tensor] | None:
        """Every GPU's generator state; a stacked run's noise generator (drawing on its GPU)
        stands for that GPU's, the state its separate run would have left there."""
        if self.device.type != "cuda":
            return None
        states = torch.cuda.get_rng_state_all()
        if self.noise_on("cuda"):
            states[self.noise.device.index or 0] = self.noise.get_state()
        return states

    def load_state(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.likelihood.load_state_dict(state["likelihood"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch, self.metrics = state["epoch"], state["metrics"]
        self.trajectory = [t.to(self.device) for t in state["trajectory"]]
        self.probe = [t.to(self.device) for t in state["probe"]]
        if self.noise_on("cpu"):
            self.noise.set_state(cpu_rng(state["rng_cpu"]))
        else:
            torch.set_rng_state(cpu_rng(state["rng_cpu"]))
        if state["rng_cuda"] is not None and self.device.type == "cuda":
            restore_cuda_rng(state["rng_cuda"])
            if self.noise_on("cuda"):
                self.noise.set_state(cpu_rng(state["rng_cuda"][self.noise.device.index or 0]))
        self.shuffle.set_state(cpu_rng(state["rng_shuffle"]))


def cpu_rng(rng_state: torch.Tensor) -> torch.Tensor:
    """A saved generator state as set_state takes it: a CPU ByteTensor, wherever the checkpoint
    was mapped (read_checkpoint keeps them on the CPU; this is for a state mapped elsewhere)."""
    return rng_state.cpu() if rng_state.device.type != "cpu" else rng_state


def restore_cuda_rng(states: list[torch.Tensor]) -> None:
    """The per-GPU generator states of the GPUs this machine has: a checkpoint of an 8-GPU node
    resumes on a 1-GPU one (the states of absent GPUs are dropped, as nothing draws from them)."""
    for index, rng_state in enumerate(states[:torch.cuda.device_count()]):
        torch.cuda.set_rng_state(cpu_rng(rng_state), index)


def l2_terms(model, l2_reg: dict) -> list[tuple[float, list]]:
    """(coefficient, weights) of every group `l2_reg` names; a one-line error for a group the
    model does not have."""
    if not l2_reg:
        return []
    groups = model.l2_groups() if hasattr(model, "l2_groups") else {}
    unknown = sorted(set(l2_reg) - set(groups))
    if unknown:
        raise UserError(f"l2_reg: model {type(model).__name__} has no weight group(s) "
                        f"{', '.join(unknown)}; known: {', '.join(sorted(groups)) or 'none'}")
    return [(float(coef), groups[name]) for name, coef in sorted(l2_reg.items()) if coef > 0]


def l2_penalty(terms: list[tuple[float, list]]) -> torch.Tensor:
    """Σ_groups coef · Σ_w Σ w² (what Keras adds to the loss for kernel_regularizer=l2(coef))."""
    return sum(coef * sum(w.pow(2).sum() for w in weights) for coef, weights in terms)


def kl_weight_at(cfg: TrainConfig, epoch: int, step: int, steps: int) -> float:
    if cfg.kl_warmup_epochs == 0:
        return cfg.kl_weight
    progress = (epoch + step / steps) / cfg.kl_warmup_epochs
    return cfg.kl_weight * min(1.0, progress)


def lr_at(cfg: TrainConfig, epoch: int) -> float:
    """Step decay, as the two-stage VAE code: lr · factor^floor(epoch / every)."""
    if cfg.lr_decay_every is None:
        return cfg.lr
    return cfg.lr * cfg.lr_decay_factor ** (epoch // cfg.lr_decay_every)


def train_step(run: Run, x: torch.Tensor, kl_weight: float):
    """One optimiser step on the batch `x`: (its BatchTerms, the L2 penalty or None). Nothing
    here reads a value back to the host."""
    terms = batch_terms(run.forward, run.likelihood, x, kl_weight, run.latent_hook,
                        autoencoder=run.cfg.objective == "ae")
    run.optimizer.zero_grad(set_to_none=True)
    penalty = None
    if run.l2:
        penalty = l2_penalty(run.l2)
        (terms.loss + penalty).backward()
    else:
        terms.loss.backward()
    run.optimizer.step()
    run.likelihood.after_step(x, terms.out.detach())
    return terms, penalty


def train_epoch(run: Run, batches, reporter: StepReporter | None = None) -> dict:
    """One pass over the data. The running sums stay on the device and are read back once, at
    the epoch's end (one host sync per epoch, however many steps it has). `reporter` counts the
    steps for the job's progress lines (it reads the clock, never a tensor)."""
    cfg = run.cfg
    sums = torch.zeros(3, device=run.device, dtype=torch.float64)
    l2_sum = torch.zeros((), device=run.device, dtype=torch.float64)
    first_bad = torch.full((4,), -1.0, device=run.device, dtype=torch.float64)
    started = time.perf_counter()
    n = 0
    steps = steps_per_epoch(cfg, batches)
    log_trajectory = cfg.trajectory and (cfg.trajectory_epochs is None
                                         or run.epoch < cfg.trajectory_epochs)
    probe = batches.probe_set()[0] if cfg.probe_per_class and run.epoch < cfg.probe_epochs else None
    begin_epoch(run)
    for step, x in enumerate(batches.epoch(run.shuffle)):
        terms, penalty = train_step(run, x, kl_weight_at(cfg, run.epoch, step, steps))
        if penalty is not None:
            l2_sum += penalty.detach().double() * len(x)
        values = torch.stack([terms.loss, terms.nll, terms.kl]).detach().double()
        sums += values * len(x)
        n += len(x)
        record_first_nonfinite(first_bad, step, values)
        if log_trajectory:
            run.trajectory.append(batch_variance_summary(terms.mu, terms.logvar))
        if probe is not None:
            run.probe.append(encode_eval(run.model, probe))
        if reporter is not None:
            reporter.step(len(x))
    # the epoch's one read: first non-finite step, mean loss/nll/kl, sigma, mean L2 penalty
    read = torch.cat([first_bad, sums / n, sigma_column(run), (l2_sum / n).reshape(1)]).tolist()
    check_finite(read[:4], run.epoch)
    row = epoch_row(run, read[4:7], time.perf_counter() - started, read[7])
    if run.l2:  # the penalty is trained on but kept out of `loss` (the VAE objective)
        row["l2"] = read[8]
    return row


def sigma_column(run: Run) -> torch.Tensor:
    """The likelihood's σ as a float64 [1] on the device (NaN when it has none), to be read
    with the epoch's sums."""
    sigma = run.likelihood.sigma()
    if sigma is None:
        return torch.full((1,), math.nan, device=run.device, dtype=torch.float64)
    return sigma.detach().double().reshape(1)


def begin_epoch(run: Run) -> None:
    """What changes at an epoch's start: the likelihood's σ schedule and the learning rate."""
    run.likelihood.on_epoch(run.epoch)
    for group in run.optimizer.param_groups:
        group["lr"] = lr_at(run.cfg, run.epoch)


def epoch_row(run: Run, means: list[float], seconds: float, sigma: float) -> dict:
    """metrics.csv's row of the epoch just trained, from its mean loss, NLL and KL and the
    likelihood's σ (NaN when it has none), read back already."""
    loss, nll, kl = means
    return {"epoch": run.epoch + 1, "loss": loss, "nll": nll, "kl": kl, "sigma": sigma,
            "seconds": seconds}


def end_epoch(run: Run, row: dict) -> int:
    """Count the epoch and keep its row; return how many epochs the run trains now (it grows
    while a `max_epochs` run has not plateaued)."""
    run.epoch += 1
    run.metrics.append(row)
    return planned_epochs(run.cfg, [each["loss"] for each in run.metrics])


def save_due(run: Run, target: int, out_dir: Path) -> None:
    """The snapshot and the checkpoint due after this epoch (the checkpoint always at the end),
    and metrics.csv when a checkpoint was written or METRICS_EVERY_SECONDS have passed."""
    if run.cfg.keep_checkpoints_every and run.epoch % run.cfg.keep_checkpoints_every == 0:
        save_snapshot(run, out_dir)
    checkpoint = run.epoch % run.cfg.checkpoint_every == 0 or run.epoch == target
    if checkpoint:
        save_checkpoint(run, out_dir)
    if checkpoint or time.monotonic() - run.metrics_saved_at >= METRICS_EVERY_SECONDS:
        save_metrics(run, out_dir)


def save_metrics(run: Run, out_dir: Path) -> None:
    """metrics.csv of the epochs trained so far; none before the first (a stale file of a
    discarded run goes). write_outputs writes the finished run's."""
    if run.metrics:
        atomic.write_csv(out_dir / "metrics.csv", pd.DataFrame(run.metrics))
    else:
        (out_dir / "metrics.csv").unlink(missing_ok=True)
    run.metrics_saved_at = time.monotonic()


@torch.no_grad()
def encode_eval(model, x: torch.Tensor) -> torch.Tensor:
    """[μ, log σ²] in eval mode, so probing never touches BatchNorm's running statistics."""
    model.eval()
    moments = torch.cat(model.encode(x), dim=1)
    model.train()
    return moments


def steps_per_epoch(cfg: TrainConfig, batches) -> int:
    if isinstance(batches, SampledBatches):
        return cfg.steps_per_epoch
    return -(-len(batches.eval_data) // cfg.batch_size)


def record_first_nonfinite(first_bad: torch.Tensor, step: int, values: torch.Tensor) -> None:
    """Keep (step, loss, nll, kl) of the first non-finite step, without a host sync (the step
    number is filled in on the device, not copied from the host)."""
    is_first = (~torch.isfinite(values).all()) & (first_bad[0] < 0)
    candidate = torch.cat([values.new_full((1,), float(step)), values])
    first_bad.copy_(torch.where(is_first, candidate, first_bad))


def check_finite(first_bad: list[float], epoch: int) -> None:
    """`first_bad`: record_first_nonfinite's (step, loss, nll, kl), read back."""
    step, loss, nll, kl = first_bad
    if step >= 0:
        raise TrainingDiverged(
            f"non-finite loss at epoch {epoch + 1}, step {int(step)}: loss={loss}, nll={nll}, "
            f"kl={kl}; lower lr or check the likelihood's sigma")


def save_checkpoint(run: Run, out_dir: Path) -> None:
    atomic.write_torch(out_dir / "checkpoint.pt", run.state())  # a full disk: one line
    if os.environ.get(KILL_AFTER_EPOCH_ENV) == str(run.epoch):
        os.kill(os.getpid(), signal.SIGKILL)


def save_snapshot(run: Run, out_dir: Path) -> None:
    """The weights (model, likelihood, config) after this epoch, kept for evaluation along
    training (e.g. FID every 50 epochs); written before the checkpoint, so a resumed run that
    repeats no epoch has every snapshot."""
    state = {"model": run.model.state_dict(), "likelihood": run.likelihood.state_dict(),
             "epoch": run.epoch, "config": run.cfg.to_dict()}
    atomic.write_torch(out_dir / snapshot_name(run.epoch), state)


def read_checkpoint(path: Path) -> dict:
    """A checkpoint as saved, every tensor on the CPU whatever device wrote or resumes it: the
    generator states must reach set_state as CPU tensors (mapped to a GPU they are refused), and
    load_state_dict moves the weights and the optimiser's state to the run's device itself."""
    return torch.load(path, map_location="cpu", weights_only=False)


def initialise_from(run: Run, source: str) -> None:
    """Start from another run's trained weights (model and likelihood, not the optimiser)."""
    path = Path(source) / "checkpoint.pt"
    if not path.exists():
        raise UserError(f"init_from: no checkpoint at {path}; train that run first")
    state = read_checkpoint(path)
    run.model.load_state_dict(state["model"])
    run.likelihood.load_state_dict(state["likelihood"])


def resume_if_possible(run: Run, out_dir: Path, restart_if_changed: bool = False) -> None:
    path = out_dir / "checkpoint.pt"
    if not path.exists():
        if run.cfg.init_from:
            initialise_from(run, run.cfg.init_from)
        return
    try:
        state = read_checkpoint(path)
    except Exception as exc:  # a checkpoint is written atomically; a bad one is foreign
        raise UserError(f"cannot read checkpoint {path} ({type(exc).__name__}); "
                        f"delete it to restart the run") from None
    if TrainConfig.from_dict(state["config"]).identity() != run.cfg.identity():
        if not restart_if_changed:
            raise UserError(f"{path} was written by a different configuration; delete the run "
                            f"directory {out_dir} to retrain, or choose another --out")
        path.unlink()  # the spec changed: this checkpoint belongs to a run nobody asked for
        return resume_if_possible(run, out_dir)
    run.load_state(state)


def write_outputs(run: Run, eval_data: torch.Tensor, out_dir: Path, wall: float,
                  code: dict | None = None, extra: dict | None = None) -> dict:
    """Evaluation and every output file; done.json last. `code`: the code state when this
    process started training; a checkout that moved to another commit during the run shows as
    `code_at_end` beside it (the record's commit is the one that trained). `extra`: more keys
    for done.json (a stacked run's `stacked_with`)."""
    cfg = run.cfg
    frame = pd.DataFrame(run.metrics)
    atomic.write_csv(out_dir / "metrics.csv", frame)
    if cfg.trajectory:
        atomic.write_csv(out_dir / "trajectory.csv", trajectory_frame(run))
    if cfg.probe_per_class:
        atomic.write_csv(out_dir / "probe.csv", probe_frame(run))
    atomic.write_csv(out_dir / "latent_stats.csv",
                     latent_statistics(run.model, eval_data, cfg.eval_batch_size))
    save_samples(run, out_dir)
    losses = frame["loss"].tolist()
    done = {
        "epochs": run.epoch, "extended_by": run.epoch - cfg.epochs, "final_loss": losses[-1],
        "converged": has_plateaued(losses, cfg.converge_window, cfg.converge_rtol),
        # null, not Infinity (which is not JSON), when the ratio is undefined (< 3 epochs)
        "plateau_ratio": finite_or_none(plateau_ratio(losses, cfg.converge_window)),
        "converge_rule": rule_text(cfg.converge_window, cfg.converge_rtol),
        "wall_seconds": wall, "epoch_seconds_median": float(frame["seconds"].median()),
        "device": str(run.device), "torch": torch.__version__,
        "threads": torch.get_num_threads(), "n_eval": len(eval_data),
        "backends": precision.backend_settings(cfg, run.device),
        "data": data_used(cfg, len(eval_data)), **provenance.stamp(), **(extra or {}),
    }
    if code is not None and code != done["code"]:
        done["code"], done["code_at_end"] = code, done["code"]
    atomic.write_json(out_dir / "done.json", done)
    return done


def finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def data_used(cfg: TrainConfig, n_images: int) -> dict:
    """The data this run read, for the record: dataset, its format, and how much of it."""
    used = {"dataset": cfg.dataset, "format": data.describe(cfg.dataset, cfg.data_root)}
    if data.is_sampled(cfg.dataset):
        return {**used, "fresh_samples_per_epoch": cfg.steps_per_epoch * cfg.batch_size,
                "eval_samples": n_images}
    return {**used, "split": "train", "images": n_images}


def trajectory_frame(run: Run) -> pd.DataFrame:
    rows = torch.stack(run.trajectory).cpu().numpy()
    k = run.model.latent_dim
    columns = [f"var_mu_{j}" for j in range(k)] + [f"mean_sigma2_{j}" for j in range(k)]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(0, "minibatch", range(len(frame)))
    return frame


def probe_frame(run: Run) -> pd.DataFrame:
    """Long format: one row per (minibatch, probed image) with its μ_j and log σ²_j."""
    steps = torch.stack(run.probe).cpu()  # [minibatches, classes, 2k]
    k = run.model.latent_dim
    n_steps, n_images, _ = steps.shape
    frame = pd.DataFrame(steps.reshape(n_steps * n_images, 2 * k).numpy(),
                         columns=[f"mu_{j}" for j in range(k)] + [f"logvar_{j}" for j in range(k)])
    frame.insert(0, "image", list(range(n_images)) * n_steps)
    frame.insert(0, "minibatch", [step for step in range(n_steps) for _ in range(n_images)])
    return frame


@torch.no_grad()
def save_samples(run: Run, out_dir: Path) -> None:
    """Decoder means of prior samples: samples.png for images, samples.csv for vectors."""
    from torchvision.utils import save_image

    gen = torch.Generator().manual_seed(run.cfg.seed)
    z = torch.randn(run.cfg.n_samples, run.model.latent_dim, generator=gen).to(run.device)
    run.model.eval()
    means = run.likelihood.mean(run.model.decode(z)).cpu()
    run.model.train()
    if means.dim() == 4:
        atomic.write_with(out_dir / "samples.png", lambda tmp: save_image(
            means.clamp(0, 1), tmp, nrow=8, format="png"))
    else:
        columns = [f"x{i}" for i in range(means.shape[1])]
        atomic.write_csv(out_dir / "samples.csv", pd.DataFrame(means.numpy(), columns=columns))


def finished_as(out_dir: Path, cfg: TrainConfig, restart_if_changed: bool) -> bool:
    """Whether the finished run in `out_dir` is the run `cfg` asks for. Another configuration's
    is refused (its result would be reported as this one's), or with `restart_if_changed`
    discarded so the run trains anew."""
    saved = out_dir / "config.yaml"
    written = TrainConfig.from_dict(yaml.safe_load(saved.read_text())) if saved.exists() else None
    if written is not None and written.identity() == cfg.identity():
        return True
    if not restart_if_changed:
        differ = sorted(key for key in {**cfg.identity(), **(written.identity() if written else {})}
                        if written is None
                        or cfg.identity().get(key) != written.identity().get(key))
        raise UserError(f"{out_dir} holds a finished run of another configuration (differs in "
                        f"{', '.join(differ[:5]) or 'its saved config'}); choose another --out, "
                        f"or delete the directory to retrain")
    (out_dir / "done.json").unlink()
    (out_dir / "checkpoint.pt").unlink(missing_ok=True)
    return False


def finished_run(cfg: TrainConfig, out_dir: Path, restart_if_changed: bool) -> dict | None:
    """done.json of the finished run of `cfg` in `out_dir`, or None when it has still to train
    (see finished_as for a finished run of another configuration)."""
    if (out_dir / "done.json").exists() and finished_as(out_dir, cfg, restart_if_changed):
        return yaml.safe_load((out_dir / "done.json").read_text())
    return None


def open_run(cfg: TrainConfig, device: torch.device, out_dir: Path,
             restart_if_changed: bool) -> Run:
    """The run of `cfg` built, resumed from its checkpoint in `out_dir` when there is one, and
    its config.yaml written."""
    run = Run(cfg, device)
    out_dir.mkdir(parents=True, exist_ok=True)
    resume_if_possible(run, out_dir, restart_if_changed)
    # after the checkpoint was accepted: a refused run leaves the directory as it was
    atomic.write_text(out_dir / "config.yaml", yaml.safe_dump(cfg.to_dict(), sort_keys=True))
    save_metrics(run, out_dir)  # the checkpoint's epochs: none lost after it stay on disk
    return run


def train(cfg: TrainConfig, out_dir: str | Path, progress: bool | None = None,
          prepare=None, restart_if_changed: bool = False) -> dict:
    """Train (or resume, or skip if done) the run described by `cfg` into `out_dir`.

    `prepare(run)`, if given, is called once the run is built and resumed (an experiment sets
    `run.latent_hook` there). `restart_if_changed`: a checkpoint of another configuration is
    discarded (the DAG re-runs a job whose spec changed) instead of refused."""
    out_dir = Path(out_dir)
    interval = report_interval()  # a bad $VAEBENCH_PROGRESS_SECONDS stops before any work
    done = finished_run(cfg, out_dir, restart_if_changed)
    if done is not None:
        return done
    device = training_device(cfg)
    batches = make_batches(cfg, device)
    run = open_run(cfg, device, out_dir, restart_if_changed)
    if prepare is not None:
        prepare(run)
    show = sys.stderr.isatty() if progress is None else progress
    code = provenance.code_state()  # the code that trains, read before it does (see outputs)
    started = time.perf_counter()
    target = planned_epochs(cfg, [row["loss"] for row in run.metrics])
    bar = tqdm(total=target, initial=run.epoch, disable=not show, unit="epoch")
    # on a terminal the bar's line shows the reports; in a log file each is a line of its own
    reporter = StepReporter(run_label(cfg.meta, [cfg.seed]), interval,
                            bar.set_postfix_str if show else print_line)
    steps = steps_per_epoch(cfg, batches)
    while run.epoch < target:
        reporter.begin_epoch(run.epoch, target, steps)
        row = train_epoch(run, batches, reporter)
        target = end_epoch(run, row)
        bar.total = target  # grows when a run that has not plateaued is extended
        bar.update(1)
        bar.set_postfix(loss=f"{row['loss']:.4g}", kl=f"{row['kl']:.3g}")
        if not show:  # a log file instead of a terminal: one line per epoch
            print(f"epoch {run.epoch}/{target} loss {row['loss']:.5g} nll {row['nll']:.5g} "
                  f"kl {row['kl']:.4g} ({row['seconds']:.1f}s)", flush=True)
        save_due(run, target, out_dir)
    bar.close()
    return write_outputs(run, batches.eval_data, out_dir, time.perf_counter() - started, code)
