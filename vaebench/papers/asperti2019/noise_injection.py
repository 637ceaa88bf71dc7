"""Asperti 2019, Sec. 5 / Fig. 7: push an active latent variable into collapse with noise, then
take the noise away and watch whether it comes back.

Starting from a trained VAE, the variables that are already inactive are held at the prior
(μ = 0, log σ² = 0, z ~ N(0, 1)) so the network cannot revive one of them instead; Gaussian noise
of amplitude `a` is added to the sampled z of one active variable (the target). Each step is one
epoch of ordinary training (train.loop.train, initialised from the previous step, so a killed
procedure resumes step by step). Phases: `noise` (a grows by `noise_step` per step until the
target's reconstruction gain falls below its KL), `hold` (a kept for `hold_epochs`), `recovery`
(a = 0 for `recovery_epochs`). After every step the target's reconstruction gain (NLL with the
target zeroed minus NLL as trained), its KL and its variances are measured on fixed images.
"""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
import yaml

from vaebench import atomic
from vaebench import device as device_policy
from vaebench.data import datasets as data
from vaebench.errors import UserError
from vaebench.train import runs as run_files
from vaebench.train.config import TrainConfig
from vaebench.train.loop import train
from vaebench.train.objective import gaussian_kl, reparameterise


@dataclass(frozen=True)
class Schedule:
    noise_step: float  # increment of the noise standard deviation per step
    max_noise_steps: int  # safety stop of the noise phase
    hold_epochs: int  # steps at the final amplitude once gain < KL
    recovery_epochs: int  # steps without noise
    eval_size: int  # training images the measurements use

    @classmethod
    def from_settings(cls, settings: dict) -> "Schedule":
        return cls(**{key: settings[key] for key in cls.__dataclass_fields__})


class NoiseHook:
    """`run.latent_hook`: held variables at the prior, noise of amplitude `a` on the target."""

    def __init__(self, target: int, held: list[int], amplitude: float, generator=None):
        self.target, self.held, self.amplitude = target, list(held), float(amplitude)
        self.generator = generator  # fixed noise for measurements; None: training randomness

    def __call__(self, mu: torch.Tensor, logvar: torch.Tensor):
        held = torch.zeros(mu.shape[1], dtype=torch.bool, device=mu.device)
        held[self.held] = True
        mu = torch.where(held, torch.zeros_like(mu), mu)
        logvar = torch.where(held, torch.zeros_like(logvar), logvar)
        if self.generator is None:
            z = reparameterise(mu, logvar)
        else:
            z = mu + self._normal(mu) * torch.exp(0.5 * logvar)
        if self.amplitude > 0:
            noise = torch.zeros_like(z)
            noise[:, self.target] = self.amplitude * self._normal(mu)[:, self.target]
            z = z + noise
        return mu, logvar, z

    def _normal(self, like: torch.Tensor) -> torch.Tensor:
        if self.generator is None:
            return torch.randn_like(like)
        return torch.randn(like.shape, generator=self.generator).to(like.device)


@torch.no_grad()
def measure(model, likelihood, images: torch.Tensor, target: int, held: list[int],
            amplitude: float, seed: int = 0) -> dict:
    """The target's reconstruction gain, KL, Var(μ) and E[σ²] on `images` (float, one batch)."""
    hook = NoiseHook(target, held, amplitude, torch.Generator().manual_seed(seed))
    mu, logvar, z = hook(*model.encode(images))
    nll = likelihood.nll(images, model.decode(z)).mean()
    zeroed = z.clone()
    zeroed[:, target] = 0.0
    nll_zeroed = likelihood.nll(images, model.decode(zeroed)).mean()
    return {"nll": float(nll), "gain": float(nll_zeroed - nll),
            "kl": float(gaussian_kl(mu[:, target], logvar[:, target]).mean()),
            "kl_total": float(gaussian_kl(mu, logvar).sum(1).mean()),
            "var_mu": float(mu[:, target].var(unbiased=False)),
            "mean_sigma2": float(logvar[:, target].exp().mean())}


def choose_target(model, likelihood, images, stats: pd.DataFrame) -> int:
    """The active variable of smallest reconstruction gain (the paper does not name one)."""
    held = stats.index[stats.inactive_sigma2].tolist()
    active = stats.index[~stats.inactive_sigma2].tolist()
    if not active:
        raise UserError("figure7: the source run has no active latent variable to corrupt; "
                        "train it longer (more epochs or data)")
    gains = {j: measure(model, likelihood, images, j, held, 0.0)["gain"] for j in active}
    return min(gains, key=gains.get)


def step_config(source_cfg: TrainConfig, previous: Path, step: int, phase: str,
                amplitude: float, target: int, held: list[int]) -> TrainConfig:
    values = source_cfg.to_dict()
    values.update(epochs=1, checkpoint_every=1, init_from=str(previous), trajectory=False,
                  probe_per_class=False, seed=source_cfg.seed * 1000 + step, n_samples=16)
    values["meta"] = {**source_cfg.meta, "procedure": "asperti2019 figure7", "step": step,
                      "phase": phase, "noise": amplitude, "target": target, "held": held}
    return TrainConfig.from_dict(values)


def train_step(cfg: TrainConfig, out_dir: Path, hook: NoiseHook) -> None:
    def prepare(run):
        run.latent_hook = hook

    train(cfg, out_dir, progress=False, prepare=prepare)


def measured_step(step_dir: Path, images, target, held, amplitude, device) -> dict:
    """Measurements of a finished step, cached beside it (a resumed procedure re-reads them)."""
    cache = step_dir / "noise_eval.json"
    if cache.exists():
        return yaml.safe_load(cache.read_text())
    model, likelihood, _ = run_files.load_model(step_dir, device)
    values = measure(model, likelihood, images, target, held, amplitude)
    atomic.write_json(cache, values)
    return values


def run_procedure(source: Path, out_root: Path, schedule: Schedule) -> pd.DataFrame:
    """One row per step (step 0 is the source model): phase, noise, gain, KL, variances."""
    cfg = run_files.config(source)
    device = device_policy.resolve(cfg.device)
    model, likelihood, _ = run_files.load_model(source, device)
    images = data.to_float(data.load(cfg.dataset, "train", cfg.data_root, cfg.download,
                                     cfg.standin_size)[0][:schedule.eval_size]).to(device)
    stats = run_files.latent_stats(source)
    held = stats.index[stats.inactive_sigma2].tolist()
    target = choose_target(model, likelihood, images, stats)
    rows = [{"step": 0, "phase": "start", "noise": 0.0,
             **measure(model, likelihood, images, target, held, 0.0)}]
    previous, amplitude, phase, phase_steps = source, 0.0, "noise", 0
    for step in range(1, schedule.max_noise_steps + schedule.hold_epochs
                      + schedule.recovery_epochs + 1):
        if phase == "noise":
            amplitude = round(amplitude + schedule.noise_step, 10)
        step_dir = out_root / f"step{step:03d}"
        hook = NoiseHook(target, held, amplitude if phase != "recovery" else 0.0)
        train_step(step_config(cfg, previous, step, phase, hook.amplitude, target, held),
                   step_dir, hook)
        values = measured_step(step_dir, images, target, held, hook.amplitude, device)
        rows.append({"step": step, "phase": phase, "noise": hook.amplitude, **values})
        previous, phase_steps = step_dir, phase_steps + 1
        phase, phase_steps = next_phase(phase, phase_steps, values, schedule)
        if phase == "done":
            break
    frame = pd.DataFrame(rows)
    frame.insert(0, "target", target)
    frame["held_inactive"] = len(held)
    return frame


def procedure(source: Path, out_root: Path, settings: dict) -> pd.DataFrame:
    """The procedure as vaebench.artifacts.procedures runs it: settings from the spec."""
    return run_procedure(source, out_root, Schedule.from_settings(settings))


def next_phase(phase: str, phase_steps: int, values: dict, schedule: Schedule):
    """(phase, steps taken in it) after a step: noise -> hold -> recovery -> done."""
    if phase == "noise" and (values["gain"] < values["kl"]
                             or phase_steps >= schedule.max_noise_steps):
        phase, phase_steps = "hold", 0
    if phase == "hold" and phase_steps >= schedule.hold_epochs:
        phase, phase_steps = "recovery", 0
    if phase == "recovery" and phase_steps >= schedule.recovery_epochs:
        phase = "done"
    return phase, phase_steps
