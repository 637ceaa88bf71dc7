"""The speed options (bf16 autocast, channels_last) train to the fp32 result within rounding noise.

Tolerance: bf16 keeps 8 bits of mantissa (relative rounding 2^-8 ≈ 0.4 % per activation) and the
loss is computed in fp32 from fp32-cast outputs, so over 20 Adam steps of a tiny conv VAE the
per-step loss stays within 1 % of fp32's, while the loss itself falls by more than 10 % (the
difference is small against what training changes). channels_last only reorders memory: 1e-4.
torch.compile is exercised by the benchmark (results/perf/throughput.csv), not here: compiling
takes most of a minute on 2 CPU cores.
"""

import pytest
import torch
import yaml

from vaebench.errors import UserError
from vaebench.train.config import TrainConfig
from vaebench.train.loop import Run, make_batches, train, train_epoch

TINY_CONV = {"dataset": "standin_mnist", "model": "dai_conv", "standin_size": 16,
             "arch": {"layers_per_scale": 1, "scales": 2, "base_channels": 8, "max_channels": 16,
                      "latent_dim": 8},
             "batch_size": 16, "train_subset": 16, "device": "cpu"}


def loss_curve(steps: int = 20, **options) -> tuple[torch.Tensor, Run]:
    """Per-step training loss: one 16-image minibatch per epoch, `steps` epochs."""
    cfg = TrainConfig.from_dict({**TINY_CONV, **options})
    run = Run(cfg, torch.device("cpu"))
    batches = make_batches(cfg, run.device)
    losses = []
    for _ in range(steps):
        losses.append(train_epoch(run, batches)["loss"])
        run.epoch += 1
    return torch.tensor(losses, dtype=torch.float64), run


@pytest.fixture(scope="module")
def fp32() -> torch.Tensor:
    return loss_curve()[0]


def test_bf16_matches_fp32_within_rounding(fp32):
    bf16, _ = loss_curve(precision="bf16")
    assert fp32[-1] < 0.9 * fp32[0]  # it trained
    relative = ((bf16 - fp32).abs() / fp32).max()
    assert relative < 0.01
    assert relative > 0  # bf16 really ran: an identical curve would mean autocast was off


def test_channels_last_matches_fp32(fp32):
    curve, run = loss_curve(channels_last=True)
    conv = next(m for m in run.model.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert ((curve - fp32).abs() / fp32).max() < 1e-4


def test_options_recorded_and_identity_unchanged_at_defaults(tmp_path):
    default = TrainConfig.from_dict(TINY_CONV)
    assert not {"precision", "channels_last", "compile"} & set(default.identity())
    cfg = TrainConfig.from_dict({**TINY_CONV, "precision": "bf16", "epochs": 1})
    assert cfg.identity()["precision"] == "bf16"  # a bf16 run is another run than fp32
    train(cfg, tmp_path / "run", progress=False)
    recorded = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert (recorded["precision"], recorded["channels_last"]) == ("bf16", False)


def test_unknown_precision_is_rejected():
    with pytest.raises(UserError, match="precision must be fp32 or bf16"):
        TrainConfig.from_dict({**TINY_CONV, "precision": "fp8"})
