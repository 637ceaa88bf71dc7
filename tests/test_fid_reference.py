"""FID reference statistics: computed once per (dataset, split, N), recorded, reused."""

import pytest
import torch

from vaebench.eval import fid
from vaebench.eval.fid_reference import compute_reference, fid_against_reference, reference_images


class MeanPool:
    """Stand-in for Inception: per-channel means and a few fixed projections (as pytorch-fid's
    own tests mock the network)."""

    def __init__(self):
        self.projection = torch.randn(3 * 8 * 8, 16, generator=torch.Generator().manual_seed(0))

    def __call__(self, batch):
        small = torch.nn.functional.adaptive_avg_pool2d(batch, 8).flatten(1)
        return [(small @ self.projection)[:, :, None, None]]


def test_reference_statistics_record_their_provenance(data_root, tmp_path):
    out = tmp_path / "mnist_test_n300.npz"
    compute_reference("mnist", "test", 300, out, root=data_root, model=MeanPool())
    mu, sigma, meta = fid.load_statistics(out)
    assert mu.shape == (16,) and sigma.shape == (16, 16)
    assert meta["dataset"] == "mnist" and meta["split"] == "test" and meta["n"] == 300
    assert "bilinear" in meta["resize"]


def test_same_distribution_is_closer_than_noise(data_root, tmp_path):
    out = tmp_path / "ref.npz"
    compute_reference("mnist", "test", 500, out, root=data_root, model=MeanPool())
    train_images = reference_images("mnist", "train", 500, data_root)
    noise = torch.randint(0, 256, (500, 1, 28, 28), dtype=torch.uint8)
    same, _ = fid_against_reference(train_images, out, MeanPool())
    different, _ = fid_against_reference(noise, out, MeanPool())
    assert 0 <= same < different / 10


def test_reference_size_is_checked(data_root, tmp_path):
    with pytest.raises(Exception, match="FID reference N must be in"):
        reference_images("mnist", "test", 10**6, data_root)


@pytest.mark.slow
def test_real_inception_weights_separate_digits_from_noise(data_root, tmp_path):
    """The real FID network (weights from ../shared/fid in CI): a finite, ordered result."""
    if not fid.inception_weights_path().exists():
        pytest.skip(f"FID weights not at {fid.inception_weights_path()}")
    out = tmp_path / "ref.npz"
    meta = compute_reference("mnist", "test", 64, out, root=data_root)
    assert meta["weights_file"] == fid.WEIGHTS_FILE and "weights_sha256_official" in meta
    model = fid.load_inception()
    digits, _ = fid_against_reference(reference_images("mnist", "train", 64, data_root), out,
                                      model)
    noise, _ = fid_against_reference(torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8),
                                     out, model)
    assert 0 < digits < noise


def test_extrapolated_fid_removes_the_small_sample_bias():
    # Features drawn from the reference distribution itself: the true FID is 0, the estimate
    # at N is biased upward (about D²/N here), and the fit in 1/N removes most of that bias.
    import numpy as np

    from vaebench.eval.fid_reference import extrapolated_fid

    dims, n = 16, 400
    for seed in range(3):
        features = np.random.default_rng(seed).standard_normal((n, dims))
        scored = extrapolated_fid(features, np.zeros(dims), np.eye(dims))
        assert scored["fid"] > 0.15  # the small-sample bias
        assert abs(scored["fid_inf"]) < scored["fid"] / 2
        assert scored["fid_inf_slope"] > 0 and scored["fid_inf_sizes"] == [80, 160, 240, 320, 400]
