"""A checkpoint saved on one device resumes on another: the generator states are restored from
the CPU whatever the checkpoint's map location, and per-GPU states only for the GPUs present.

No GPU is needed: what `torch.load(..., map_location=<a GPU>)` does to the saved generator
states (they land on a device that torch.set_rng_state and Generator.set_state refuse) is
reproduced on the CPU by mapping them to the meta device.
"""

from pathlib import Path

import pytest
import torch
from torch.utils._pytree import tree_map

from vaebench.train import loop
from vaebench.train.config import TrainConfig

CPU = torch.device("cpu")


def train_epochs(cfg: TrainConfig, out: Path, epochs: int) -> list[dict]:
    """`epochs` epochs of `cfg`'s run in `out` (resumed from its checkpoint when there is one),
    a checkpoint after each; the epochs' rows."""
    batches = loop.make_batches(cfg, CPU)
    run = loop.open_run(cfg, CPU, out, restart_if_changed=False)
    rows = []
    for _ in range(epochs):
        row = loop.train_epoch(run, batches)
        loop.end_epoch(run, row)
        loop.save_checkpoint(run, out)
        rows.append(row)
    return rows


def rng_states_elsewhere(state: dict) -> dict:
    """The checkpoint as a GPU-mapped load gives it to set_state: its generator states (the
    only uint8 tensors in it) on a device other than the CPU; the weights where they were."""
    return tree_map(lambda t: t.to("meta") if isinstance(t, torch.Tensor)
                    and t.dtype == torch.uint8 else t, state)


@pytest.fixture
def checkpoint_mapped_elsewhere(monkeypatch):
    """torch.load as on a machine where the run's device is not the CPU: any map location but
    the CPU itself moves the generator states off the CPU (map_location=run.device did that on
    a GPU)."""
    real_load = torch.load

    def load(path, map_location=None, **options):
        state = real_load(path, map_location="cpu", **options)
        return state if map_location == "cpu" else rng_states_elsewhere(state)

    monkeypatch.setattr(torch, "load", load)


def test_generator_states_off_the_cpu_are_refused_as_today(tiny_config, tmp_path):
    """Today's failure, reproduced: the states mapped with the tensors are refused."""
    cfg = TrainConfig.from_dict(tiny_config)
    train_epochs(cfg, tmp_path / "run", 1)
    state = torch.load(tmp_path / "run" / "checkpoint.pt", map_location="meta",
                       weights_only=False)
    with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
        torch.set_rng_state(state["rng_cpu"])
    with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
        torch.Generator().set_state(state["rng_shuffle"])


def test_a_checkpoint_mapped_to_another_device_resumes_with_the_same_next_losses(
        tiny_config, tmp_path, checkpoint_mapped_elsewhere):
    cfg = TrainConfig.from_dict(tiny_config)
    reference = train_epochs(cfg, tmp_path / "reference", 3)
    train_epochs(cfg, tmp_path / "resumed", 2)
    path = tmp_path / "resumed" / "checkpoint.pt"

    # the old path: the checkpoint read with the run's device as its map location
    run = loop.Run(cfg, CPU)
    with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
        run.load_state(torch.load(path, map_location=run.device, weights_only=False))

    # the new one: the same machine, the same checkpoint, the next epoch as if never stopped
    resumed = train_epochs(cfg, tmp_path / "resumed", 1)
    assert len(resumed) == 1
    for key in ("loss", "nll", "kl"):
        assert resumed[0][key] == reference[2][key], key  # bitwise, on the CPU
    saved = torch.load(path, map_location="cpu", weights_only=False)
    assert saved["epoch"] == 3


def test_per_gpu_states_are_restored_for_the_gpus_present_only(monkeypatch):
    restored = []
    monkeypatch.setattr(torch.cuda, "set_rng_state",
                        lambda new_state, device: restored.append((device, new_state)))
    saved = [torch.full((4,), i, dtype=torch.uint8) for i in range(4)]  # a 4-GPU node's
    for present, expected in ((1, [0]), (2, [0, 1]), (8, [0, 1, 2, 3]), (0, [])):
        restored.clear()
        monkeypatch.setattr(torch.cuda, "device_count", lambda n=present: n)
        loop.restore_cuda_rng(saved)
        assert [device for device, _ in restored] == expected
        assert all(int(new_state[0]) == device for device, new_state in restored)


def test_a_gpu_checkpoint_resumes_on_the_cpu(tiny_config, tmp_path):
    """A checkpoint with per-GPU states (a GPU wrote it) resumes on the CPU: they are ignored."""
    cfg = TrainConfig.from_dict(tiny_config)
    reference = train_epochs(cfg, tmp_path / "reference", 2)
    train_epochs(cfg, tmp_path / "resumed", 1)
    path = tmp_path / "resumed" / "checkpoint.pt"
    state = torch.load(path, weights_only=False)
    state["rng_cuda"] = [torch.zeros(16, dtype=torch.uint8)] * 2
    torch.save(state, path)
    assert train_epochs(cfg, tmp_path / "resumed", 1)[0]["loss"] == reference[1]["loss"]
