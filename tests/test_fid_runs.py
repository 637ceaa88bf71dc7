"""FID of a finished run's reconstructions and prior samples (Inception mocked)."""

import math

import torch

from tests.test_fid_reference import MeanPool
from vaebench.data import datasets as data
from vaebench.eval import fid_runs
from vaebench.eval.fid_reference import compute_reference
from vaebench.train import runs as run_files
from vaebench.train.config import TrainConfig
from vaebench.train.loop import train


def trained(tiny_config, tmp_path):
    run = tmp_path / "run"
    train(TrainConfig.from_dict(tiny_config), run, progress=False)
    return run


def test_run_images_are_decoder_means_in_range(tiny_config, tmp_path):
    run = trained(tiny_config, tmp_path)
    recon = fid_runs.reconstructions(run, 10, batch_size=4)
    model, likelihood, cfg = run_files.load_model(run)
    images, _ = data.load(cfg.dataset, "train", None, False, cfg.standin_size)
    with torch.no_grad():
        expected = likelihood.mean(model.decode(model.encode(data.to_float(images[:10]))[0]))
    assert recon.shape == (10, 1, 28, 28) and recon.min() >= 0 and recon.max() <= 1
    assert torch.allclose(recon, expected.clamp(0, 1), atol=1e-6)
    first, again = fid_runs.prior_samples(run, 6, seed=1), fid_runs.prior_samples(run, 6, seed=1)
    assert torch.equal(first, again) and not torch.equal(first, fid_runs.prior_samples(run, 6))


def test_run_fid_scores_at_the_reference_size(tiny_config, tmp_path):
    run = trained(tiny_config, tmp_path)
    reference = tmp_path / "standin_mnist_test_n40.npz"
    compute_reference("standin_mnist", "test", 40, reference, model=MeanPool())
    scorer = fid_runs.RunFid(reference, model=MeanPool())
    assert scorer.n == 40 and "N=40" in scorer.describe()
    noise = torch.rand(40, 1, 28, 28)
    recon, samples = scorer.of_reconstructions(run), scorer.of_samples(run)
    assert all(math.isfinite(v) and v >= 0 for v in (recon, samples))
    assert recon < scorer.score(noise)  # a trained decoder is nearer the data than noise
