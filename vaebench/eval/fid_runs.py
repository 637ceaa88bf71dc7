"""FID of a finished run's reconstructions and prior samples, against stored reference statistics
(results/fid/<dataset>_<split>_n<N>.npz, made once by the `fid_reference` rule).

Images stay in memory (no PNG round trip): the decoder's mean, clamped to [0, 1], goes straight to
the Inception network. N is the reference's N, so every FID of a table uses the same sample size
(FID is biased upward at small N; numbers at different N are not comparable).
"""

from pathlib import Path

import torch

from vaebench import device as device_policy
from vaebench.data import datasets as data
from vaebench.eval import fid, fid_reference
from vaebench.train import runs as run_files


@torch.no_grad()
def reconstructions(run: Path, n: int, batch_size: int = 500) -> torch.Tensor:
    """μ_x(μ_z(x)) of the run's first n training images, in [0, 1]."""
    model, likelihood, cfg = run_files.load_model(run)
    images, _ = data.load(cfg.dataset, "train", cfg.data_root, False, cfg.standin_size)
    images = images[:min(n, cfg.train_subset or len(images))]
    out = [likelihood.mean(model.decode(model.encode(data.to_float(images[s:s + batch_size]))[0]))
           for s in range(0, len(images), batch_size)]
    return torch.cat(out).clamp(0, 1)


@torch.no_grad()
def prior_samples(run: Path, n: int, seed: int = 0, batch_size: int = 500) -> torch.Tensor:
    """μ_x(z) for n draws z ~ N(0, I), seeded, in [0, 1]."""
    model, likelihood, _ = run_files.load_model(run)
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, model.latent_dim, generator=gen)
    out = [likelihood.mean(model.decode(z[s:s + batch_size])) for s in range(0, n, batch_size)]
    return torch.cat(out).clamp(0, 1)


def reference_size(reference: str | Path) -> int:
    return int(fid.load_statistics(reference)[2]["n"])


class RunFid:
    """Loads the Inception network once and scores runs against one reference file."""

    def __init__(self, reference: str | Path, model=None):
        self.reference, self.device = Path(reference), str(device_policy.resolve())
        self.n = reference_size(self.reference)
        self.model = model if model is not None else fid.load_inception(self.device)

    def score(self, images: torch.Tensor) -> float:
        value, _ = fid_reference.fid_against_reference(images, self.reference, self.model,
                                                       self.device)
        return value

    def of_reconstructions(self, run: Path) -> float:
        return self.score(reconstructions(run, self.n))

    def of_samples(self, run: Path) -> float:
        return self.score(prior_samples(run, self.n))

    def describe(self) -> str:
        _, _, meta = fid.load_statistics(self.reference)
        official = meta.get("weights_sha256_official")
        return (f"FID at N={self.n} vs {meta['dataset']}/{meta['split']} (first seed of each "
                f"cell; Inception weights official: {official})")
