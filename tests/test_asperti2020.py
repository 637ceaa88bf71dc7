"""Asperti & Trentin 2020: the two-stage ResNet VAE, its second stage on the first stage's
codes, the JPEG option, latent normalisation, and the artifacts built from tiny runs."""

import pandas as pd
import pytest
import torch

from vaebench import data, jpeg
from vaebench.config import TrainConfig
from vaebench.errors import UserError
from vaebench.models import build_model
from vaebench.train import lr_at, train


def stage1_config(**extra) -> dict:
    """A tiny first stage on generated 32×32 colour images: seconds on one core."""
    return {"dataset": "standin_cifar10", "model": "two_stage_resnet", "standin_size": 64,
            "arch": {"latent_dim": 6, "num_scale": 2, "base_dim": 4, "fc_dim": 16},
            "likelihood": "gaussian_computed", "epochs": 1, "batch_size": 32,
            "device": "cpu", "n_samples": 4, "eval_batch_size": 64, **extra}


def stage2_config(stage1_dir, **extra) -> dict:
    return {"dataset": "latent_codes", "dataset_args": {"codes_from": str(stage1_dir)},
            "model": "two_stage_dense", "arch": {"second_dim": 16, "second_depth": 2},
            "likelihood": "gaussian_computed", "epochs": 2, "batch_size": 32,
            "steps_per_epoch": 3, "eval_size": 50, "device": "cpu", "n_samples": 4, **extra}


# ---------------------------------------------------------------- model


def test_resnet_shapes_follow_the_authors_code():
    model = build_model("two_stage_resnet", (3, 32, 32), latent_dim=64, num_scale=3,
                        base_dim=32, fc_dim=512)
    mu, logvar = model.encode(torch.rand(5, 3, 32, 32))
    assert mu.shape == logvar.shape == (5, 64)
    image = model.decode(mu)
    assert image.shape == (5, 3, 32, 32) and image.min() >= 0 and image.max() <= 1  # sigmoid
    # encoder widths 32, 64, 128 (3 scales, doubling); decoder 2×2:512 … 32×32:32 (Dai & Wipf)
    assert model.widths == [512, 256, 128, 64, 32]
    convs = [m for m in model.encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    strided = [c for c in convs if c.stride == (2, 2)]
    assert [c.out_channels for c in strided] == [64, 128]
    shortcuts = [m.shortcut for m in model.modules() if hasattr(m, "shortcut")]
    assert shortcuts and all(not isinstance(s, torch.nn.Identity) for s in shortcuts)


def test_resnet_options_change_the_network():
    small = build_model("two_stage_resnet", (3, 32, 32), latent_dim=8, num_scale=2, base_dim=4)
    deeper = build_model("two_stage_resnet", (3, 32, 32), latent_dim=8, num_scale=2, base_dim=4,
                         blocks_per_scale=2)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(deeper) > count(small)
    with pytest.raises(UserError, match="power-of-two"):
        build_model("two_stage_resnet", (1, 28, 28), latent_dim=8)


def test_second_stage_has_the_skip_connection():
    model = build_model("two_stage_dense", (6,), second_dim=16, second_depth=3)
    assert model.to_mu.in_features == 6 + 16 and model.to_z.in_features == 6 + 16
    mu, _ = model.encode(torch.randn(4, 6))
    assert model.decode(mu).shape == (4, 6)


# ---------------------------------------------------------------- training


def test_step_decay_of_the_learning_rate():
    cfg = TrainConfig.from_dict({**stage1_config(), "lr": 1e-4, "lr_decay_every": 2})
    assert [lr_at(cfg, e) for e in range(5)] == [1e-4, 1e-4, 5e-5, 5e-5, 2.5e-5]
    with pytest.raises(UserError, match="lr_decay_every"):
        TrainConfig.from_dict({**stage1_config(), "lr_decay_every": 0})


def test_second_stage_trains_on_the_first_stage_codes(tmp_path):
    first = tmp_path / "stage1"
    train(TrainConfig.from_dict(stage1_config()), first, progress=False)
    second = tmp_path / "stage2"
    done = train(TrainConfig.from_dict(stage2_config(first)), second, progress=False)
    assert done["epochs"] == 2
    from vaebench import latent_codes, runs

    mu, sd = latent_codes.posterior(str(first))
    model, _, _ = runs.load_model(first)
    images, _ = data.load("standin_cifar10", "train", standin_size=64)
    with torch.no_grad():
        expected, _ = model.encode(data.to_float(images))
    assert mu.shape == (64, 6) and torch.allclose(mu, expected, atol=1e-5)
    assert (sd > 0).all()
    stats = pd.read_csv(second / "latent_stats.csv")
    assert len(stats) == 6  # the second stage's u has the size of z
    assert pd.read_csv(second / "samples.csv").shape[1] == 6


def test_codes_from_a_missing_run_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no first-stage checkpoint"):
        train(TrainConfig.from_dict(stage2_config(tmp_path / "nothing")), tmp_path / "s2",
              progress=False)


# ---------------------------------------------------------------- data


def test_jpeg_round_trip_changes_pixels_deterministically():
    images, _ = data.load("standin_cifar10", "test", standin_size=16)
    once, twice = jpeg.round_trip(images), jpeg.round_trip(images)
    assert once.dtype == torch.uint8 and once.shape == images.shape
    assert torch.equal(once, twice)
    difference = (once.int() - images.int()).abs().float()
    assert 0 < difference.mean() < 10  # lossy but close
    loaded, _ = data.load("standin_cifar10_jpeg", "test", standin_size=16)
    assert torch.equal(loaded, once)
