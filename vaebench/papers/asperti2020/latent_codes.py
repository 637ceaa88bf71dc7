"""The latent codes of a finished first-stage run: what the second stage of a two-stage VAE
trains on (Dai & Wipf 2019; Asperti & Trentin 2020).

A sampled dataset (vaebench.data.samplers) named `latent_codes`, with `dataset_args: {codes_from:
<experiment>}` resolved by spec.specs to that experiment's run directory (same scale, seed).
As in the authors' code (reference_code_facts.md §1.5), μ_z and σ_z are computed once for the
first stage's training images with the encoder in inference mode (BatchNorm's moving averages),
and every batch draws fresh codes z = μ_z + σ_z·ε. Rows are drawn with replacement (the code
permutes them once per epoch); recorded in benchmarks/asperti2020.yaml.
"""

from functools import cache
from pathlib import Path

import torch

from vaebench import device as device_policy
from vaebench.data import datasets as data
from vaebench.data.samplers import Sampler
from vaebench.errors import UserError
from vaebench.train import runs as run_files
from vaebench.train.latent_stats import posterior_moments


def _checkpoint(codes_epoch: int | None) -> str:
    return "checkpoint.pt" if codes_epoch is None else run_files.snapshot_name(int(codes_epoch))


def _run(codes_from, codes_epoch: int | None = None) -> Path:
    run, name = Path(str(codes_from)), _checkpoint(codes_epoch)
    if not (run / name).exists():
        raise UserError(f"latent_codes: no first-stage checkpoint at {run / name}; train that "
                        f"run first (list it under needs: and codes_from:; a codes_epoch needs "
                        f"keep_checkpoints_every in that run)")
    return run


@cache
def posterior(codes_from: str, codes_epoch: int | None = None):
    """μ_z and σ_z (CPU float tensors [N, k]) of the first stage's training images, with its
    final weights or, given `codes_epoch`, those of its snapshot after that epoch."""
    device = device_policy.resolve()
    model, _, cfg = run_files.load_model(_run(codes_from, codes_epoch), str(device),
                                         _checkpoint(codes_epoch))
    images, _ = data.load(cfg.dataset, "train", cfg.data_root, cfg.download, cfg.standin_size)
    mu, logvar = posterior_moments(model, images[:cfg.train_subset].to(device),
                                   cfg.eval_batch_size)
    return mu.cpu(), (0.5 * logvar).exp().cpu()


def shape(codes_from: str, codes_epoch: int | None = None) -> tuple[int]:
    """(k,): the latent size of the first stage's model."""
    run = _run(codes_from, codes_epoch)
    return (run_files.load_model(run, checkpoint=_checkpoint(codes_epoch))[0].latent_dim,)


def sample(n: int, generator: torch.Generator, codes_from: str,
           codes_epoch: int | None = None) -> torch.Tensor:
    """n codes z = μ_z + σ_z·ε of training images drawn uniformly, from `generator` only."""
    mu, sd = posterior(str(codes_from), codes_epoch)
    rows = torch.randint(len(mu), (n,), generator=generator)
    return mu[rows] + sd[rows] * torch.randn(n, mu.shape[1], generator=generator)


SAMPLER = Sampler(shape, sample)
