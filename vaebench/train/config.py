"""The fully resolved configuration of one training run, validated before anything runs.

A run is defined by a plain dict (from benchmarks/<paper>.yaml, resolved for a scale and a seed, or
from a YAML file given to `vaebench train --config`). `TrainConfig.from_dict` rejects unknown keys
and invalid values with a one-line UserError; the resolved dict is saved in every run directory.
"""

import numbers
from dataclasses import asdict, dataclass, field, fields

from vaebench import models
from vaebench.errors import UserError

# Where the data and the compute are, and how the compute is organised: not part of what a run
# is (stack_seeds trains the same runs, up to float rounding, in one process).
MACHINE_KEYS = ("device", "data_root", "download", "stack_seeds")
# The model families vaebench.train.stacked can train as one vectorised model: dense layers only, no
# batch statistics (a BatchNorm's running averages would need a per-seed treatment it lacks).
# Options added after runs already existed, with the value that means "off": at that value they
# stay out of a run's identity, so adding them does not make Snakemake retrain every finished run.
LATER_OPTIONS_OFF = {"lr_decay_every": None, "lr_decay_factor": 0.5,
                     "keep_checkpoints_every": None,
                     "precision": "fp32", "channels_last": False, "compile": False,
                     "tf32": False,
                     "l2_reg": {}, "max_epochs": None, "init": "torch"}


@dataclass(frozen=True)
class TrainConfig:
    dataset: str
    model: str
    dataset_args: dict = field(default_factory=dict)  # parameters of a sampled dataset
    arch: dict = field(default_factory=dict)
    objective: str = "vae"  # vae (ELBO) | ae (deterministic autoencoder: z = μ, no KL)
    likelihood: str = "bernoulli"
    likelihood_args: dict = field(default_factory=dict)
    seed: int = 0
    epochs: int = 10
    # Train to a plateau: past `epochs`, in chunks of a quarter of `epochs`, while the loss has not
    # plateaued (the converge_* rule), up to this many epochs (None: exactly `epochs`)
    max_epochs: int | None = None
    # weight initialisation: torch (PyTorch's defaults) | keras_glorot (Keras/TF: Glorot-uniform
    # kernels, zero biases), vaebench.train.initialisation
    init: str = "torch"
    batch_size: int = 128
    lr: float = 1e-3
    lr_decay_every: int | None = None  # step decay: lr × lr_decay_factor every N epochs
    lr_decay_factor: float = 0.5  # (Dai & Wipf's and Asperti & Trentin's lr_fac)
    kl_weight: float = 1.0
    kl_warmup_epochs: int = 0  # linear KL warm-up from 0 to kl_weight over these epochs
    # L2 penalty coef·Σw² added to the loss, per group of the model's weights (its l2_groups(),
    # e.g. {decoder_upsample: 1.0e-3}); Keras' kernel_regularizer=l2(coef)
    l2_reg: dict = field(default_factory=dict)
    train_subset: int | None = None  # first N training images (None: all)
    standin_size: int = 2048  # images generated for standin_* datasets
    steps_per_epoch: int = 100  # sampled datasets: fresh batches per "epoch"
    eval_size: int = 10_000  # sampled datasets: points drawn once for the latent statistics
    checkpoint_every: int = 5  # epochs between checkpoints (and always at the end)
    keep_checkpoints_every: int | None = None  # also keep snapshots/epoch<N>.pt every N epochs
    trajectory: bool = False  # log per-minibatch Var(μ_j) and E[σ_j²]
    trajectory_epochs: int | None = None  # only during the first N epochs (None: all)
    probe_per_class: bool = False  # log μ, log σ² of one image per class after every minibatch
    probe_epochs: int = 1  # ... during the first N epochs
    init_from: str | None = None  # a run directory whose checkpoint initialises the weights
    eval_batch_size: int = 4096
    n_samples: int = 64  # prior samples drawn into samples.png
    converge_window: float = 0.1  # fraction of training whose improvement is checked
    converge_rtol: float = 0.02  # plateau: last window improved < rtol of the total improvement
    precision: str = "fp32"  # fp32 | bf16 (autocast of the network; the loss stays fp32)
    channels_last: bool = False  # conv nets on a GPU: NHWC weights and inputs
    compile: bool = False  # torch.compile the encoder and decoder
    # CUDA: TF32 matrix products and convolutions (faster, ~1e-3 relative rounding); off: fp32
    # comparable bit for bit. Recorded in done.json (backends) with cuDNN autotuning.
    tf32: bool = False
    # the workflow trains this experiment's seeds as one vectorised model in one job
    # (vaebench.train.stacked), each seed writing its own run directory as a separate run would
    stack_seeds: bool = False
    device: str = "auto"
    data_root: str | None = None
    download: bool = False
    meta: dict = field(default_factory=dict)  # provenance (paper, experiment, scale); not used

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"unknown training option(s) {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(known))}")
        missing = [name for name in ("dataset", "model") if name not in values]
        if missing:
            raise UserError(f"training config lacks {', '.join(missing)}")
        config = cls(**values)
        config._check_whole_numbers()
        try:
            config.validate()
        except TypeError:  # a comparison met a non-number: name the option, not the traceback
            raise UserError(config._first_non_number()) from None
        return config

    def _check_whole_numbers(self) -> None:
        """An integer option given 1.5 is refused, not rounded somewhere downstream."""
        for option in fields(self):
            value = getattr(self, option.name)
            whole = option.type is int or str(option.type) == "int | None"
            if whole and isinstance(value, float):
                raise UserError(f"training option {option.name} must be a whole number, "
                                f"got {value!r}")

    def _first_non_number(self) -> str:
        """The message for the first numeric option (int or float, possibly null) that holds
        something else; asked only after validation failed on a type."""
        for option in fields(self):
            value = getattr(self, option.name)
            numeric = option.type in (int, float) or str(option.type) in ("int | None",
                                                                           "float | None")
            if numeric and value is not None and (
                    isinstance(value, bool) or not isinstance(value, numbers.Real)):
                return f"training option {option.name} must be a number, got {value!r}"
        return "a training option has a value of the wrong type; compare it with the defaults"

    def validate(self) -> None:
        checks = [
            (self.lr > 0, f"lr must be > 0, got {self.lr}"),
            (self.lr_decay_every is None or self.lr_decay_every >= 1,
             f"lr_decay_every must be >= 1 or null, got {self.lr_decay_every}"),
            (0 < self.lr_decay_factor <= 1,
             f"lr_decay_factor must be in (0, 1], got {self.lr_decay_factor}"),
            (self.objective in ("vae", "ae"), f"objective must be vae or ae, got "
                                              f"'{self.objective}'"),
            (self.epochs >= 1, f"epochs must be >= 1, got {self.epochs}"),
            (self.max_epochs is None or self.max_epochs >= self.epochs,
             f"max_epochs must be >= epochs ({self.epochs}) or null, got {self.max_epochs}"),
            (self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}"),
            (self.kl_weight >= 0, f"kl_weight must be >= 0, got {self.kl_weight}"),
            (self.kl_warmup_epochs >= 0, "kl_warmup_epochs must be >= 0"),
            (isinstance(self.l2_reg, dict) and all(
                isinstance(v, int | float) and v >= 0 for v in self.l2_reg.values()),
             f"l2_reg must map weight groups to coefficients >= 0, got {self.l2_reg!r}"),
            (self.checkpoint_every >= 1, "checkpoint_every must be >= 1"),
            (self.keep_checkpoints_every is None or self.keep_checkpoints_every >= 1,
             "keep_checkpoints_every must be >= 1 or null"),
            (self.steps_per_epoch >= 1 and self.eval_size >= 2,
             "steps_per_epoch must be >= 1 and eval_size >= 2"),
            (self.train_subset is None or self.train_subset >= 2,
             f"train_subset must be >= 2 or null, got {self.train_subset}"),
            (0 < self.converge_window <= 1, "converge_window must be in (0, 1]"),
            (self.converge_rtol > 0, "converge_rtol must be > 0"),
            (self.init in ("torch", "keras_glorot"),
             f"init must be torch or keras_glorot, got '{self.init}'"),
            (isinstance(self.tf32, bool), f"tf32 must be true or false, got {self.tf32!r}"),
            (self.precision in ("fp32", "bf16"),
             f"precision must be fp32 or bf16, got '{self.precision}'"),
            (not self.stack_seeds or models.stackable(self.model),
             f"stack_seeds: model {self.model} cannot be stacked (only "
             f"{', '.join(models.stackable_models())}); set "
             f"stack_seeds: false"),
            (self.device == "auto" or self.device.split(":")[0] in ("cpu", "cuda", "mps"),
             f"device must be auto, cpu, cuda[:N] or mps, got '{self.device}'"),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(message)

    def first_epochs(self) -> int:
        """Epochs trained before any plateau check: `epochs`, or a σ schedule's length when that
        is longer (a scheduled run follows its schedule to the end, e.g. Berger & Sebag's F-VAE
        driven by an LS-VAE that was itself trained to its plateau)."""
        schedule = self.likelihood_args.get("schedule")
        return max(self.epochs, len(schedule) if isinstance(schedule, list) else 0)

    def to_dict(self) -> dict:
        return asdict(self)

    def identity(self) -> dict:
        """What makes two runs the same run: every option but where the data and the compute
        are (a run resumed on another machine, or with the data moved, is still the same run)."""
        return {key: value for key, value in self.to_dict().items() if key not in MACHINE_KEYS
                and not (key in LATER_OPTIONS_OFF and value == LATER_OPTIONS_OFF[key])}
