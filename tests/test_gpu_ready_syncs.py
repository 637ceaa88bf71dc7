"""No host synchronisation inside the step loop: what forces the host to wait for the device
(`.item()`, `float(t)`, `.cpu()`, `.tolist()`) or copies host data onto the device (a tensor made
from Python values on the run's device, `.to(device)` of a host tensor) happens a fixed number of
times per epoch, however many steps the epoch has.

On the CPU nothing waits, so these calls are counted instead: the same short training with 4 and
with 16 steps per epoch must make exactly as many of them.
"""

import pytest
import torch

from vaebench.train import loop
from vaebench.train.config import TrainConfig
from vaebench.train.stacked import train_stacked

SYNCS = ("item", "cpu", "tolist", "numpy", "__float__", "__int__", "__bool__")


class Counter:
    """Counts, while `active`, the calls that would stall a GPU run's host or copy to it."""

    def __init__(self, monkeypatch):
        self.active, self.counts = False, {}
        for name in SYNCS:
            self._wrap(monkeypatch, torch.Tensor, name, name)
        self._wrap(monkeypatch, torch.Tensor, "to", "to(device)", self._moves_to_device)
        self._wrap(monkeypatch, torch, "tensor", "tensor(values, device)",
                   lambda *args, **kwargs: "device" in kwargs)

    @staticmethod
    def _moves_to_device(tensor, *args, **kwargs) -> bool:
        """A `.to` that names a device (a host->device copy once that device is a GPU)."""
        targets = [*args, kwargs.get("device")]
        return any(isinstance(t, (str, torch.device)) for t in targets)

    def _wrap(self, monkeypatch, owner, name: str, label: str, counts=None):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if self.active and (counts is None or counts(*args, **kwargs)):
                self.counts[label] = self.counts.get(label, 0) + 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    def around(self, monkeypatch, module, name: str):
        """Count only inside `module.name` (one epoch's training)."""
        original = getattr(module, name)

        def counted(*args, **kwargs):
            self.active = True
            try:
                return original(*args, **kwargs)
            finally:
                self.active = False

        monkeypatch.setattr(module, name, counted)


def epoch_syncs(monkeypatch, tmp_path, run) -> dict:
    """The calls counted inside the epochs of `run(tmp_path)`."""
    with monkeypatch.context() as patch:
        counter = Counter(patch)
        counter.around(patch, loop, "train_epoch")
        from vaebench.train import stacked
        counter.around(patch, stacked, "train_group_epoch")
        run(tmp_path)
    return counter.counts


IMAGES = {"dataset": "standin_mnist", "model": "dense_vae",
          "arch": {"hidden": [32, 16], "latent_dim": 4}, "epochs": 2, "batch_size": 16,
          "checkpoint_every": 1, "device": "cpu", "n_samples": 4, "eval_batch_size": 128,
          "trajectory": True, "probe_per_class": True, "probe_epochs": 2}
CONV = {"dataset": "standin_cifar10", "model": "two_stage_resnet",
        "arch": {"latent_dim": 6, "num_scale": 2, "base_dim": 4, "fc_dim": 16},
        "likelihood": "gaussian_computed", "epochs": 2, "batch_size": 8, "device": "cpu",
        "n_samples": 4, "eval_batch_size": 64}
CURVE = {"dataset": "noisy_curve", "model": "resnet_mlp",
         "arch": {"latent_dim": 2, "width": 16, "blocks": 2}, "likelihood": "gaussian_learned",
         "batch_size": 20, "epochs": 2, "eval_size": 50, "n_samples": 8, "device": "cpu",
         "trajectory": True}


def with_steps(base: dict, steps: int) -> dict:
    """`base` with `steps` optimiser steps per epoch."""
    if base["dataset"].startswith("standin"):
        return {**base, "standin_size": steps * base["batch_size"]}
    return {**base, "steps_per_epoch": steps}


@pytest.mark.parametrize("base", [IMAGES, CONV, CURVE], ids=["dense_images", "conv_gamma",
                                                            "sampled_curve"])
def test_a_longer_epoch_syncs_no_more(monkeypatch, tmp_path, base):
    counts = [epoch_syncs(monkeypatch, tmp_path / str(steps), lambda out, s=steps: loop.train(
        TrainConfig.from_dict(with_steps(base, s)), out, progress=False)) for steps in (4, 16)]
    assert counts[0] == counts[1], f"4 vs 16 steps per epoch: {counts}"
    assert sum(counts[0].values()) <= 2 * 3, counts  # a few reads per epoch at most


def test_a_longer_stacked_epoch_syncs_no_more(monkeypatch, tmp_path):
    def stacked(steps):
        return lambda out: train_stacked(
            [TrainConfig.from_dict({**with_steps(CURVE, steps), "seed": s}) for s in (0, 1)],
            [out / f"seed{s}" for s in (0, 1)], progress=False)

    counts = [epoch_syncs(monkeypatch, tmp_path / str(steps), stacked(steps))
              for steps in (4, 16)]
    assert counts[0] == counts[1], f"4 vs 16 steps per epoch: {counts}"
