"""Tests for vaebench.eval.fid. No real Inception weights, no network, no GPU needed.

As in pytorch-fid's own tests, Inception is mocked by a callable with the same contract (float
[B, 3, H, W] in [0, 1] in, a list whose first element is [B, D, 1, 1] out).
"""

from __future__ import annotations

import hashlib
import inspect
import warnings
import zipfile

import numpy as np
import pytest
import torch
from scipy import linalg

from vaebench.errors import UserError
from vaebench.eval import fid

# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def random_spd(rng: np.random.Generator, dim: int, n: int | None = None) -> np.ndarray:
    """A well-conditioned symmetric positive definite matrix (a sample covariance plus ridge)."""
    a = rng.standard_normal((n or 2 * dim, dim))
    return a.T @ a / a.shape[0] + 0.1 * np.eye(dim)


def mean_model(x: torch.Tensor) -> list[torch.Tensor]:
    """Channel means, shaped like pytorch-fid's output: [B, C, 1, 1]."""
    return [x.mean(dim=(2, 3), keepdim=True)]


class ProjectionModel:
    """A fixed random projection of the flattened input to ``dim`` features, as [B, dim, 1, 1].

    Records batch sizes so tests can check the batching.
    """

    def __init__(self, in_features: int, dim: int = 2048, seed: int = 0):
        gen = torch.Generator().manual_seed(seed)
        self.weight = torch.randn(in_features, dim, generator=gen) / in_features**0.5
        self.batch_sizes: list[int] = []

    def __call__(self, x: torch.Tensor) -> list[torch.Tensor]:
        self.batch_sizes.append(x.shape[0])
        assert x.dtype == torch.float32 and x.shape[1] == 3
        assert torch.is_grad_enabled() is False  # features are computed under no_grad
        out = torch.tanh(x.flatten(1) @ self.weight)
        return [out[:, :, None, None]]


def spatial_model(x: torch.Tensor) -> list[torch.Tensor]:
    """Returns a [B, 3, 2, 2] map, as a non-final pytorch-fid block would; must be avg-pooled."""
    return [torch.nn.functional.adaptive_avg_pool2d(x, (2, 2))]


def pytorch_fid_supports_this_scipy() -> bool:
    return "disp" in inspect.signature(linalg.sqrtm).parameters


# --------------------------------------------------------------------------------------------------
# frechet_distance
# --------------------------------------------------------------------------------------------------


def test_fd_identical_gaussians_is_zero():
    rng = np.random.default_rng(0)
    mu, sigma = rng.standard_normal(32), random_spd(rng, 32)
    assert fid.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-6)


def test_fd_equal_covariances_is_squared_mean_distance():
    rng = np.random.default_rng(1)
    mu1, mu2, sigma = rng.standard_normal(32), rng.standard_normal(32), random_spd(rng, 32)
    expected = float(np.sum((mu1 - mu2) ** 2))
    assert fid.frechet_distance(mu1, sigma, mu2, sigma) == pytest.approx(expected, rel=1e-6)


def test_fd_diagonal_covariances_closed_form():
    # Commuting covariances: Tr sqrt(Σ1Σ2) = Σ sqrt(a_i b_i), so d² = ‖Δμ‖² + Σ (√a_i − √b_i)².
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.5, 2.0, 16), rng.uniform(0.5, 2.0, 16)
    mu1, mu2 = rng.standard_normal(16), rng.standard_normal(16)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = fid.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.skipif(
    not pytorch_fid_supports_this_scipy(), reason="pytorch-fid passes sqrtm(disp=...), gone here"
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fd_agrees_with_pytorch_fid(seed):
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.standard_normal(64), rng.standard_normal(64)
    sigma1, sigma2 = random_spd(rng, 64), random_spd(rng, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # SciPy 1.17 deprecates disp
        reference = calculate_frechet_distance(mu1, sigma1, mu2, sigma2)
    assert fid.frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(reference, rel=1e-6)


def test_fd_rank_deficient_covariances_are_finite():
    # Fewer samples than dimensions, as in a smoke run: singular Σ, result must still be a number.
    rng = np.random.default_rng(3)
    _, s1 = fid.activation_statistics(rng.standard_normal((10, 64)))
    _, s2 = fid.activation_statistics(rng.standard_normal((10, 64)))
    assert np.isfinite(fid.frechet_distance(np.zeros(64), s1, np.zeros(64), s2))


def test_fd_retries_with_eps_when_sqrtm_not_finite(monkeypatch):
    rng = np.random.default_rng(4)
    mu, s1, s2 = np.zeros(8), random_spd(rng, 8), random_spd(rng, 8)
    calls: list[np.ndarray] = []
    real_sqrtm = fid.sqrtm

    def flaky_sqrtm(a):
        calls.append(a)
        return np.full_like(a, np.nan) if len(calls) == 1 else real_sqrtm(a)

    monkeypatch.setattr(fid, "sqrtm", flaky_sqrtm)
    with pytest.warns(RuntimeWarning, match="adding"):
        got = fid.frechet_distance(mu, s1, mu, s2, eps=1e-3)
    offset = 1e-3 * np.eye(8)
    np.testing.assert_allclose(calls[1], (s1 + offset) @ (s2 + offset))
    expected = np.trace(s1) + np.trace(s2) - 2 * np.trace(real_sqrtm(calls[1]).real)
    assert got == pytest.approx(expected, rel=1e-9)


def test_fd_large_imaginary_part_raises(monkeypatch):
    monkeypatch.setattr(fid, "sqrtm", lambda a: np.eye(a.shape[0]) * (1 + 0.5j))
    with pytest.raises(ValueError, match="imaginary"):
        fid.frechet_distance(np.zeros(4), np.eye(4), np.zeros(4), np.eye(4))


def test_fd_small_imaginary_part_is_dropped(monkeypatch):
    monkeypatch.setattr(fid, "sqrtm", lambda a: np.eye(a.shape[0]) * (1 + 1e-6j))
    assert fid.frechet_distance(np.zeros(4), np.eye(4), np.zeros(4), np.eye(4)) == pytest.approx(0)


def test_fd_non_finite_input_raises():
    sigma = np.eye(3)
    with pytest.raises(ValueError, match="mu1"):
        fid.frechet_distance(np.array([np.nan, 0, 0]), sigma, np.zeros(3), sigma)


@pytest.mark.parametrize(
    ("mu2", "sigma2"),
    [(np.zeros(5), np.eye(5)), (np.zeros(4), np.eye(5))],
    ids=["different-dims", "sigma-mu-mismatch"],
)
def test_fd_shape_mismatch_raises_user_error(mu2, sigma2):
    with pytest.raises(UserError):
        fid.frechet_distance(np.zeros(4), np.eye(4), mu2, sigma2)


# --------------------------------------------------------------------------------------------------
# to_inception_input
# --------------------------------------------------------------------------------------------------


def test_grayscale_uint8_becomes_three_equal_channels_in_unit_range():
    images = torch.tensor([0, 51, 255, 128], dtype=torch.uint8).reshape(1, 1, 2, 2)
    x = fid.to_inception_input(images)
    assert x.dtype == torch.float32 and x.shape == (1, 3, 2, 2)
    for c in range(3):
        torch.testing.assert_close(x[:, c], images[:, 0].float() / 255)
    assert x.min() == 0.0 and x.max() == 1.0


def test_float_rgb_passes_through():
    images = torch.rand(2, 3, 5, 5, dtype=torch.float64)
    x = fid.to_inception_input(images)
    assert x.dtype == torch.float32 and x.shape == (2, 3, 5, 5)
    torch.testing.assert_close(x, images.float())


@pytest.mark.parametrize(
    "images",
    [
        torch.zeros(2, 2, 4, 4, dtype=torch.uint8),  # C=2
        torch.zeros(2, 4, 4, 4, dtype=torch.uint8),  # C=4 (RGBA)
        torch.zeros(3, 4, 4, dtype=torch.uint8),  # ndim 3
        torch.zeros(2, 3, 4, 4, dtype=torch.int64),  # not uint8/float
        torch.full((2, 3, 4, 4), -0.5),  # [-1, 1] decoder output
        torch.full((2, 3, 4, 4), float("nan")),
    ],
    ids=["C=2", "C=4", "ndim3", "int64", "negative-float", "nan"],
)
def test_bad_images_raise_one_line_user_error(images):
    with pytest.raises(UserError) as excinfo:
        fid.to_inception_input(images)
    assert "\n" not in str(excinfo.value)


# --------------------------------------------------------------------------------------------------
# inception_features
# --------------------------------------------------------------------------------------------------


def test_features_batch_and_do_not_depend_on_batch_size():
    images = torch.randint(0, 256, (7, 1, 6, 6), dtype=torch.uint8)
    model = ProjectionModel(in_features=3 * 6 * 6)

    reference = fid.inception_features(images, model, batch_size=200)
    assert model.batch_sizes == [7]  # batch larger than N: one batch, nothing dropped
    assert reference.shape == (7, 2048) and reference.dtype == np.float64

    for batch_size, expected_batches in [(3, [3, 3, 1]), (1, [1] * 7), (7, [7])]:
        model.batch_sizes.clear()
        got = fid.inception_features(images, model, batch_size=batch_size)
        assert model.batch_sizes == expected_batches
        # Same numbers up to float32 rounding (BLAS picks kernels by matrix size).
        np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


def test_features_match_direct_computation():
    images = torch.randint(0, 256, (5, 3, 4, 4), dtype=torch.uint8)
    got = fid.inception_features(images, mean_model, batch_size=2)
    expected = (images.double() / 255).mean(dim=(2, 3)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_features_pool_spatial_outputs():
    images = torch.rand(4, 3, 8, 8)
    got = fid.inception_features(images, spatial_model, batch_size=3)
    np.testing.assert_allclose(got, images.double().mean(dim=(2, 3)).numpy(), rtol=1e-6)


def test_features_reject_bad_input_before_running_the_model():
    model = ProjectionModel(in_features=3 * 4 * 4)
    with pytest.raises(UserError):
        fid.inception_features(torch.zeros(3, 2, 4, 4, dtype=torch.uint8), model)
    with pytest.raises(UserError):
        fid.inception_features(torch.zeros(0, 3, 4, 4, dtype=torch.uint8), model)
    with pytest.raises(UserError):
        fid.inception_features(torch.zeros(3, 3, 4, 4, dtype=torch.uint8), model, batch_size=0)
    assert model.batch_sizes == []


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_features_on_cuda_match_cpu():
    images = torch.randint(0, 256, (5, 1, 6, 6), dtype=torch.uint8)
    cpu = fid.inception_features(images, mean_model, batch_size=2)
    gpu = fid.inception_features(images, mean_model, batch_size=2, device="cuda")
    np.testing.assert_allclose(gpu, cpu, rtol=1e-6)


# --------------------------------------------------------------------------------------------------
# activation_statistics
# --------------------------------------------------------------------------------------------------


def test_activation_statistics_match_numpy():
    features = np.random.default_rng(5).standard_normal((50, 6))
    mu, sigma = fid.activation_statistics(features)
    np.testing.assert_allclose(mu, features.mean(axis=0))
    np.testing.assert_allclose(sigma, np.cov(features, rowvar=False))


@pytest.mark.parametrize("n", [0, 1])
def test_activation_statistics_need_two_samples(n):
    with pytest.raises(UserError, match="at least 2"):
        fid.activation_statistics(np.zeros((n, 4)))


# --------------------------------------------------------------------------------------------------
# save_statistics / load_statistics
# --------------------------------------------------------------------------------------------------


def test_statistics_round_trip(tmp_path):
    rng = np.random.default_rng(6)
    mu, sigma = rng.standard_normal(8), random_spd(rng, 8)
    meta = {"dataset": "mnist", "split": "test", "n": 10000, "dims": 2048, "sha_ok": True}
    path = tmp_path / "sub" / "ref.npz"

    fid.save_statistics(path, mu, sigma, meta)
    mu2, sigma2, meta2 = fid.load_statistics(path)

    np.testing.assert_array_equal(mu2, mu)
    np.testing.assert_array_equal(sigma2, sigma)
    assert meta2 == meta
    assert [p.name for p in path.parent.iterdir()] == ["ref.npz"]  # no temp files left behind
    with np.load(path, allow_pickle=False) as data:  # readable the way pytorch-fid reads it
        np.testing.assert_array_equal(data["mu"], mu)


def test_save_overwrites_atomically_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "ref.npz"
    fid.save_statistics(path, np.zeros(2), np.eye(2), {"v": 1})

    def crash(f, **arrays):
        f.write(b"partial")
        raise KeyboardInterrupt  # as if the run were killed mid-write

    monkeypatch.setattr(np, "savez_compressed", crash)
    with pytest.raises(KeyboardInterrupt):
        fid.save_statistics(path, np.ones(2), np.eye(2), {"v": 2})
    monkeypatch.undo()

    assert fid.load_statistics(path)[2] == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ref.npz"]

    fid.save_statistics(path, np.ones(2), np.eye(2), {"v": 3})
    assert fid.load_statistics(path)[2] == {"v": 3}


def test_save_rejects_non_json_meta_without_writing(tmp_path):
    with pytest.raises(TypeError):
        fid.save_statistics(tmp_path / "ref.npz", np.zeros(2), np.eye(2), {"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_load_accepts_pytorch_fid_stats_without_meta(tmp_path):
    path = tmp_path / "ref.npz"
    np.savez_compressed(path, mu=np.zeros(3), sigma=np.eye(3))
    mu, sigma, meta = fid.load_statistics(path)
    assert meta == {} and mu.shape == (3,) and sigma.shape == (3, 3)


def test_load_missing_file_raises_user_error(tmp_path):
    with pytest.raises(UserError, match="not found") as excinfo:
        fid.load_statistics(tmp_path / "nope.npz")
    assert "nope.npz" in str(excinfo.value)


def _truncated(tmp_path):
    good = tmp_path / "good.npz"
    fid.save_statistics(good, np.zeros(64), np.eye(64), {})
    data = good.read_bytes()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(data[: len(data) // 2])
    return bad


def _write_npz(tmp_path, **arrays):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    return path


def _write_npy(tmp_path):
    path = tmp_path / "bad.npz"
    with path.open("wb") as f:
        np.save(f, np.zeros(3))
    return path


def _write_zip_with_garbage(tmp_path):
    path = tmp_path / "bad.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mu.npy", b"not an npy")
        z.writestr("sigma.npy", b"not an npy")
    return path


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda p: (p / "bad.npz").write_bytes(b"garbage") and p / "bad.npz",
        _truncated,
        lambda p: _write_npz(p, mu=np.zeros(3)),  # no sigma
        lambda p: _write_npz(p, mu=np.zeros(3), sigma=np.eye(2)),  # shapes disagree
        lambda p: _write_npz(p, mu=np.zeros(3), sigma=np.eye(3), meta=np.array("{not json")),
        lambda p: _write_npz(p, mu=np.zeros(3), sigma=np.eye(3), meta=np.array("[1]")),
        _write_npy,
        _write_zip_with_garbage,
    ],
    ids=["garbage", "truncated", "no-sigma", "shape", "bad-json", "meta-list", "npy", "bad-member"],
)
def test_load_corrupt_file_raises_one_line_user_error(tmp_path, make_bad):
    path = make_bad(tmp_path)
    with pytest.raises(UserError) as excinfo:
        fid.load_statistics(path)
    assert str(path) in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


# --------------------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------------------


def test_load_inception_without_weights_names_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    import pytorch_fid.inception

    def no_download(*args, **kwargs):
        raise AssertionError("must not try to download")

    monkeypatch.setattr(pytorch_fid.inception, "load_state_dict_from_url", no_download)
    with pytest.raises(UserError) as excinfo:
        fid.load_inception()
    message = str(excinfo.value)
    expected_path = tmp_path / "hub" / "checkpoints" / fid.WEIGHTS_FILE
    assert str(expected_path) in message
    assert "copy or link" in message and "network" in message
    assert "\n" not in message


def test_load_inception_with_cached_weights_builds_eval_model(tmp_path, monkeypatch):
    # The file's presence is what we check; the network construction itself is pytorch-fid's, so
    # mock it and check what we ask of it.
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    weights = tmp_path / "hub" / "checkpoints" / fid.WEIGHTS_FILE
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"placeholder")
    import pytorch_fid.inception

    built = []

    class FakeInception(torch.nn.Module):
        BLOCK_INDEX_BY_DIM = pytorch_fid.inception.InceptionV3.BLOCK_INDEX_BY_DIM

        def __init__(self, output_blocks):
            super().__init__()
            built.append(list(output_blocks))

    monkeypatch.setattr(pytorch_fid.inception, "InceptionV3", FakeInception)
    model = fid.load_inception("cpu")
    assert built == [[3]] and model.training is False
    assert fid.inception_weights_path() == weights


def test_load_inception_corrupt_weights_raise_user_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    weights = tmp_path / "hub" / "checkpoints" / fid.WEIGHTS_FILE
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="could not load Inception weights") as excinfo:
        fid.load_inception()
    assert str(weights) in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_weights_sha256_prefix(tmp_path, monkeypatch):
    path = tmp_path / fid.WEIGHTS_FILE
    path.write_bytes(b"some weights")
    assert fid.weights_sha256_prefix_ok(path) is False  # not the real file
    digest = hashlib.sha256(b"some weights").hexdigest()
    monkeypatch.setattr(fid, "WEIGHTS_SHA256_PREFIX", digest[:8])
    assert fid.weights_sha256_prefix_ok(path) is True
    with pytest.raises(UserError):
        fid.weights_sha256_prefix_ok(tmp_path / "missing.pth")


def test_weights_prefix_matches_file_name():
    assert fid.WEIGHTS_FILE.removesuffix(".pth").endswith("-" + fid.WEIGHTS_SHA256_PREFIX)


def test_real_network_from_cache_without_network(tmp_path, monkeypatch):
    # The real pytorch-fid network and loader, with random weights placed in the cache: checks the
    # offline code path end to end (pytorch-fid loads any file of that name; numbers meaningless).
    import pytorch_fid.inception
    from torchvision.models.inception import Inception3

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with monkeypatch.context() as m:
        m.setattr(pytorch_fid.inception, "load_state_dict_from_url", lambda *a, **k: None)
        m.setattr(Inception3, "load_state_dict", lambda self, *a, **k: None)
        random_net = pytorch_fid.inception.fid_inception_v3()
    weights = fid.inception_weights_path()
    weights.parent.mkdir(parents=True)
    torch.save(random_net.state_dict(), weights)

    model = fid.load_inception("cpu")
    images = torch.randint(0, 256, (3, 1, 28, 28), dtype=torch.uint8)
    features = fid.inception_features(images, model, batch_size=2)
    assert features.shape == (3, 2048) and np.isfinite(features).all()
    assert fid.weights_sha256_prefix_ok(weights) is False


@pytest.mark.skipif(not fid.inception_weights_path().is_file(),
                    reason="needs the FID Inception weights in the torch hub cache")
def test_channels_last_features_equal_the_default_layouts():
    # The suite runs Inception in NHWC for speed; its features must be pytorch-fid's (default
    # layout) within 1e-5 of their scale, so every FID stays comparable.
    model = fid.load_inception("cpu")
    images = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(0))
    fast = fid.inception_features(images, model, batch_size=3)
    default = fid.inception_features(
        images, model.network.to(memory_format=torch.contiguous_format), batch_size=3)
    assert np.abs(fast - default).max() <= 1e-5 * np.abs(default).max()
    assert np.abs(default).max() > 0.1  # real features, not a network of zeros
