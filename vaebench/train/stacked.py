"""The seeds of one experiment trained as one vectorised model, in one process (issue 23).

Every seed keeps what its separate run has (vaebench.train.loop.Run): the model initialised from its
seed, its likelihood, its Adam state, its data generator, its reparameterisation noise (drawn
from a generator holding the global RNG state its separate run would continue from), and its run
directory with the same files, checkpoint and resume. Only the arithmetic is shared: the seeds'
parameters are stacked along a leading dimension (torch.func.stack_module_state), one step runs
every seed's objective at once (torch.func.functional_call under torch.vmap: batched matrix
products) and one fused Adam step updates the stacked tensors (elementwise, so each seed's update
is its own). Per seed, the results equal its separate run's up to float rounding: batched and
single matrix products round differently, so after 100 steps the weights agree to ~1e-7, and
over a long run the rounding grows as any change of kernel or thread count would make it (10,000
steps of the Theorem 1 net: epoch losses within 5e-5, single weights up to 0.3 apart).

Seeds train in lockstep; a seed that has planned fewer epochs (a shorter σ schedule, a plateau
reached sooner) writes its outputs and leaves the stack, and after a kill the seeds whose
checkpoints lag train on their own until they catch up with the others. A seed whose run
directory holds done.json is left alone.
"""

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.func import functional_call, stack_module_state

from vaebench import models, provenance
from vaebench.data import datasets as data
from vaebench.errors import UserError
from vaebench.models.likelihoods import Likelihood
from vaebench.train import loop as train
from vaebench.train.config import TrainConfig
from vaebench.train.latent_stats import batch_variance_summary
from vaebench.train.objective import batch_terms
from vaebench.train.progress import StepReporter, report_interval, run_label

# Options that may differ between stacked seeds, because each seed's Run holds its own copy: a σ
# or σ schedule read from the same seed's LS-VAE (F*-VAE, scheduled F-VAE), weights of that seed.
PER_SEED = ("seed", "likelihood_args", "init_from")
# Options whose per-step work the stacked step does not do; such seeds train one by one.
UNSUPPORTED = {"probe_per_class": lambda cfg: cfg.probe_per_class,
               "l2_reg": lambda cfg: bool(cfg.l2_reg),
               "precision": lambda cfg: cfg.precision != "fp32",
               "compile": lambda cfg: cfg.compile,
               "channels_last": lambda cfg: cfg.channels_last}


def check_stackable(cfgs: list[TrainConfig]) -> None:
    """One-line UserErrors for seeds that cannot be trained as one model."""
    seeds = [cfg.seed for cfg in cfgs]
    if not cfgs or len(set(seeds)) != len(seeds):
        raise UserError(f"stacked training needs distinct seeds, got {seeds}")
    first = cfgs[0]
    if not models.stackable(first.model):
        raise UserError(f"stacked training supports the models "
                        f"{', '.join(models.stackable_models())}, "
                        f"not '{first.model}'; train its seeds one by one (--seed N)")
    unsupported = [name for name, used in UNSUPPORTED.items() if used(first)]
    if unsupported:
        raise UserError(f"stacked training does not support {', '.join(unsupported)}; train "
                        f"these seeds one by one (--seed N)")
    shared = _shared_options(first)
    for cfg in cfgs[1:]:
        differ = sorted(key for key, value in _shared_options(cfg).items() if shared[key] != value)
        if differ:
            raise UserError(f"seeds {first.seed} and {cfg.seed} differ in {', '.join(differ)}; "
                            f"only {', '.join(PER_SEED)} may differ between stacked seeds")


def _shared_options(cfg: TrainConfig) -> dict:
    return {key: value for key, value in cfg.to_dict().items() if key not in PER_SEED}


def check_likelihood(run: train.Run) -> None:
    """A likelihood that updates itself after every step (the computed γ) would need that update
    vectorised too; it is refused rather than silently skipped."""
    if type(run.likelihood).after_step is not Likelihood.after_step:
        raise UserError(f"stacked training does not support likelihood '{run.cfg.likelihood}' "
                        f"(it updates itself after every step); train its seeds one by one "
                        f"(--seed N)")


class SeedObjective(nn.Module):
    """One seed's model and likelihood as one module whose forward is the batch objective: the
    function whose state torch.func stacks and which it maps over the seeds."""

    def __init__(self, model: nn.Module, likelihood: nn.Module, autoencoder: bool):
        super().__init__()
        self.model, self.likelihood, self.autoencoder = model, likelihood, autoencoder

    def forward(self, x, noise, kl_weight: float):
        terms = batch_terms(self.model, self.likelihood, x, kl_weight,
                            autoencoder=self.autoencoder, noise=noise)
        return terms.loss, terms.nll, terms.kl, terms.mu, terms.logvar


class Stack:
    """The parameters, buffers and Adam state of a group of seeds' runs, stacked along a leading
    seed dimension. The Runs stay the record: write_back() copies the stacked state into them
    (for checkpoints, σ in the metrics and the outputs), and a new Stack is built from them when
    the group changes."""

    def __init__(self, runs: list[train.Run]):
        for run in runs:
            check_likelihood(run)
        self.runs = runs
        cfg, device = runs[0].cfg, runs[0].device
        self.autoencoder = cfg.objective == "ae"
        self.modules = [SeedObjective(run.model, run.likelihood, self.autoencoder)
                        for run in runs]
        self.params, self.buffers = stack_module_state(self.modules)
        template = copy.deepcopy(self.modules[0]).to("meta")  # the structure, without storage

        def one_seed(params, buffers, x, noise, kl_weight):
            return functional_call(template, (params, buffers), (x, noise, kl_weight))

        self.objective = torch.vmap(one_seed, in_dims=(0, 0, 0, None if self.autoencoder else 0,
                                                       None))
        self.optimizer = torch.optim.Adam(list(self.params.values()), lr=cfg.lr,
                                          fused=device.type in train.FUSED_ADAM)
        self._stack_optimizer_state()

    def _seed_tensors(self, kind: str, name: str) -> list[torch.Tensor]:
        return [dict(getattr(module, kind)())[name] for module in self.modules]

    def _stack_optimizer_state(self) -> None:
        """Each seed's Adam moments (a resumed or regrouped run has some) stacked like its
        parameters; the step count is the same for every seed of a group (same epoch)."""
        for name, stacked in self.params.items():
            states = [run.optimizer.state.get(param) for run, param
                      in zip(self.runs, self._seed_tensors("named_parameters", name), strict=True)]
            if not any(states):
                continue
            self.optimizer.state[stacked] = {
                key: value.clone() if key == "step" else torch.stack([s[key] for s in states])
                for key, value in states[0].items()}

    @torch.no_grad()
    def begin_epoch(self) -> None:
        """After train.begin_epoch on every run: their buffers (a σ schedule's σ of this epoch)
        and learning rate into the stack."""
        for name, stacked in self.buffers.items():
            stacked.copy_(torch.stack(self._seed_tensors("named_buffers", name)))
        for group in self.optimizer.param_groups:
            group["lr"] = self.runs[0].optimizer.param_groups[0]["lr"]

    def step(self, xs: list[torch.Tensor], kl_weight: float):
        """One optimiser step of every seed on its own batch; returns the stacked (loss, nll,
        kl, mu, logvar), one row per seed."""
        x = torch.stack(xs)
        noise = None
        if not self.autoencoder:
            # the ε each separate run would draw with randn_like(μ) from its global RNG, drawn
            # where the seeds train (a generator on the GPU: no copy from the host each step)
            shape = (len(xs[0]), self.runs[0].model.latent_dim)
            noise = torch.stack([torch.randn(shape, generator=run.noise, device=run.noise.device)
                                 for run in self.runs])
            if noise.device != x.device:  # a host generator handed to a GPU run (the bench's)
                noise = noise.to(x.device)
        loss, nll, kl, mu, logvar = self.objective(self.params, self.buffers, x, noise, kl_weight)
        self.optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()  # the seeds share no weights: each gets its own loss's gradient
        self.optimizer.step()
        return loss, nll, kl, mu, logvar

    @torch.no_grad()
    def write_back(self) -> None:
        """The stacked parameters and Adam state into each seed's model and optimiser."""
        for k, (run, module) in enumerate(zip(self.runs, self.modules, strict=True)):
            for name, param in module.named_parameters():
                param.copy_(self.params[name][k])
                state = self.optimizer.state.get(self.params[name])
                if state:
                    run.optimizer.state[param] = {
                        key: value.clone() if key == "step" else value[k].clone()
                        for key, value in state.items()}


def train_group_epoch(stack: Stack, batches: list, reporter: StepReporter | None = None
                      ) -> list[dict | train.TrainingDiverged]:
    """One epoch of every seed in the stack (all at the same epoch): per seed its metrics row,
    or the TrainingDiverged its separate run would have raised. `reporter` counts the steps for
    the job's progress lines (it reads the clock, never a tensor)."""
    runs = stack.runs
    cfg, epoch = runs[0].cfg, runs[0].epoch
    for run in runs:
        train.begin_epoch(run)
    stack.begin_epoch()
    sums = torch.zeros(len(runs), 3, device=runs[0].device, dtype=torch.float64)
    first_bad = torch.full((len(runs), 4), -1.0, device=runs[0].device, dtype=torch.float64)
    steps = train.steps_per_epoch(cfg, batches[0])
    log_trajectory = cfg.trajectory and (cfg.trajectory_epochs is None
                                         or epoch < cfg.trajectory_epochs)
    started, n = time.perf_counter(), 0
    # every seed's batches from its own generator: its data order, or its fresh points
    epochs = [b.epoch(run.shuffle) for b, run in zip(batches, runs, strict=True)]
    for step, xs in enumerate(zip(*epochs, strict=True)):
        loss, nll, kl, mu, logvar = stack.step(list(xs),
                                               train.kl_weight_at(cfg, epoch, step, steps))
        values = torch.stack([loss, nll, kl], dim=1).detach().double()
        sums += values * len(xs[0])
        n += len(xs[0])
        torch.vmap(train.record_first_nonfinite, in_dims=(0, None, 0), out_dims=None)(
            first_bad, step, values)  # in place, each seed its own row
        if log_trajectory:
            summaries = torch.vmap(batch_variance_summary)(mu, logvar)
            for run, row in zip(runs, summaries, strict=True):
                run.trajectory.append(row.clone())  # its own storage, not a view of all seeds'
        if reporter is not None:
            reporter.step(len(xs[0]) * len(xs))
    stack.write_back()
    # the epoch's one read, every seed's row: first non-finite step, mean loss/nll/kl, sigma
    read = torch.cat([first_bad, sums / n, torch.stack([train.sigma_column(run) for run in runs])],
                     dim=1).tolist()
    seconds = time.perf_counter() - started
    rows = []
    for run, values in zip(runs, read, strict=True):
        try:
            train.check_finite(values[:4], run.epoch)
        except train.TrainingDiverged as exc:
            rows.append(exc)
            continue
        rows.append(train.epoch_row(run, values[4:7], seconds, values[7]))
    return rows


def seed_batches(cfgs: list[TrainConfig], device: torch.device) -> list:
    """Each seed's batches: a sampled dataset's own (its evaluation points come from its seed),
    or one image set shared by all (each seed shuffles it with its own generator), so ten seeds
    hold one copy of the images."""
    if data.is_sampled(cfgs[0].dataset):
        return [train.make_batches(cfg, device) for cfg in cfgs]
    return [train.make_batches(cfgs[0], device)] * len(cfgs)


@dataclass
class Seed:
    """One seed's run in a stacked job, with where it writes and how long it trains."""
    run: train.Run
    batches: object
    out_dir: Path
    target: int = 0
    failure: str | None = None
    done: dict = field(default_factory=dict)


def open_seeds(pending: list[tuple[TrainConfig, Path]], device: torch.device,
               restart_if_changed: bool) -> list[Seed]:
    """Each pending seed's Run, built and resumed as its separate run would be, with its noise
    generator holding the global RNG state that run would continue from."""
    seeds = []
    for (cfg, out_dir), batches in zip(pending, seed_batches([c for c, _ in pending], device),
                                       strict=True):
        run = train.open_run(cfg, device, out_dir, restart_if_changed)
        run.noise = noise_from_global_rng(device)  # Run() seeded it, a checkpoint restored it
        check_likelihood(run)
        target = train.planned_epochs(cfg, [row["loss"] for row in run.metrics])
        seeds.append(Seed(run, batches, out_dir, target))
    return seeds


def noise_from_global_rng(device: torch.device | None = None) -> torch.Generator:
    """A generator on `device` (default the CPU) continuing from that device's global RNG state:
    the noise stream of the Run built (or resumed) last, which its separate run would draw there
    with randn_like (on a GPU from the GPU's generator, so the stacked seeds draw their noise
    on the GPU too)."""
    if device is not None and device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        generator = torch.Generator(device=torch.device("cuda", index))
        generator.set_state(torch.cuda.get_rng_state(index))
        return generator
    generator = torch.Generator()
    generator.set_state(torch.get_rng_state())
    return generator


def next_group(seeds: list[Seed]) -> list[Seed]:
    """The seeds to train next: those still training at the lowest epoch (after a kill, the
    seeds whose checkpoints lag catch up before the others go on)."""
    training = [s for s in seeds if s.failure is None and not s.done and s.run.epoch < s.target]
    if not training:
        return []
    epoch = min(s.run.epoch for s in training)
    return [s for s in training if s.run.epoch == epoch]


def train_stacked(cfgs: list[TrainConfig], out_dirs: list[str | Path],
                  progress: bool | None = None, restart_if_changed: bool = False
                  ) -> dict[int, dict]:
    """Train (or resume, or skip if done) the runs of `cfgs`, seeds of one experiment, into
    `out_dirs` as one vectorised model; returns every seed's done.json by seed. Each done.json
    records `stacked_with`, the seeds of this job. `progress=False`: no line per epoch."""
    check_stackable(cfgs)
    interval = report_interval()  # a bad $VAEBENCH_PROGRESS_SECONDS stops before any work
    stacked_with = sorted(cfg.seed for cfg in cfgs)
    finished, pending = {}, []
    for cfg, out_dir in zip(cfgs, map(Path, out_dirs), strict=True):
        done = train.finished_run(cfg, out_dir, restart_if_changed)
        if done is None:
            pending.append((cfg, out_dir))
        else:
            finished[cfg.seed] = done
    if not pending:
        return finished
    device = train.training_device(cfgs[0])
    seeds = open_seeds(pending, device, restart_if_changed)
    code = provenance.code_state()  # the code that trains, read before it does
    started = time.perf_counter()
    reporter = StepReporter(run_label(cfgs[0].meta, stacked_with), interval)
    stack = None
    while group := next_group(seeds):
        if stack is None or stack.runs != [s.run for s in group]:
            stack = Stack([s.run for s in group])  # the Runs hold the state: written back
        begin_group_epoch(reporter, group, seeds)
        for seed, row in zip(group, train_group_epoch(stack, [s.batches for s in group],
                                                      reporter), strict=True):
            end_seed_epoch(seed, row, time.perf_counter() - started, code, stacked_with)
        if progress is not False:  # one line per epoch, for the job's log
            print(progress_line(group), flush=True)
    failures = [s.failure for s in seeds if s.failure]
    if failures:
        raise train.TrainingDiverged("; ".join(failures))
    return {**finished, **{s.run.cfg.seed: s.done for s in seeds}}


def begin_group_epoch(reporter: StepReporter, group: list[Seed], seeds: list[Seed]) -> None:
    """The reporter told the group's epoch; the job trains until its longest seed ends."""
    training = [s for s in seeds if s.failure is None and not s.done]
    reporter.begin_epoch(group[0].run.epoch, max(s.target for s in training),
                         train.steps_per_epoch(group[0].run.cfg, group[0].batches))


def end_seed_epoch(seed: Seed, row, wall: float, code: dict, stacked_with: list[int]) -> None:
    """After a seed's epoch: as train.train does after one (row, checkpoint, and the outputs
    once it has trained its epochs), or the divergence its separate run would have stopped on."""
    if isinstance(row, train.TrainingDiverged):
        seed.failure = f"seed {seed.run.cfg.seed}: {row}"
        return
    seed.target = train.end_epoch(seed.run, row)
    train.save_due(seed.run, seed.target, seed.out_dir)
    if seed.run.epoch >= seed.target:
        seed.done = train.write_outputs(seed.run, seed.batches.eval_data, seed.out_dir, wall, code,
                                        {"stacked_with": stacked_with})


def progress_line(group: list[Seed]) -> str:
    """One log line per stacked epoch: the epoch and each seed's loss."""
    trained = [s for s in group if s.failure is None]
    losses = " ".join(f"seed{s.run.cfg.seed} {s.run.metrics[-1]['loss']:.5g}" for s in trained)
    failed = " ".join(f"seed{s.run.cfg.seed} diverged" for s in group if s.failure is not None)
    seconds = trained[0].run.metrics[-1]["seconds"] if trained else float("nan")
    epoch = trained[0].run.epoch if trained else group[0].run.epoch + 1
    return f"epoch {epoch}: loss {losses} {failed}".rstrip() + f" ({seconds:.1f}s)"
