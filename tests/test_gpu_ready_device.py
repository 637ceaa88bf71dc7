"""One device policy (vaebench.device) for every job: training, latent codes, FID, and the
artifacts that evaluate. CUDA is simulated by monkeypatching torch.cuda; no GPU is needed."""

import ast
from pathlib import Path

import pytest
import torch

from vaebench import device
from vaebench.errors import UserError
from vaebench.train import gpu

PACKAGE = Path(__file__).resolve().parents[1] / "vaebench"
# the places that chose a device before there was one policy
RESOLVERS = ["train/loop.py", "papers/asperti2020/latent_codes.py", "eval/fid_runs.py",
             "papers/asperti2020/two_stage.py", "papers/dai2020/celeba.py"]


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch, tmp_path):
    """No GPU claimed, no warning said yet, no device configured, no NVIDIA driver."""
    monkeypatch.setattr(gpu, "_held", [])
    monkeypatch.setattr(device, "_warned", [])
    monkeypatch.delenv(device.DEVICE_ENV, raising=False)
    monkeypatch.setenv(gpu.GPUS_ENV, "0,1")
    monkeypatch.setenv("VAEBENCH_GPU_LOCKS", str(tmp_path / "locks"))
    monkeypatch.setattr(device, "NVIDIA_PROC", tmp_path / "no-driver")
    monkeypatch.setattr(device.shutil, "which", lambda name: None)


def with_cuda(monkeypatch, count: int) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


def with_driver(monkeypatch, tmp_path) -> None:
    (tmp_path / "driver").mkdir()
    monkeypatch.setattr(device, "NVIDIA_PROC", tmp_path / "driver")


def test_auto_is_the_cpu_without_a_gpu_and_says_nothing(monkeypatch, capsys):
    with_cuda(monkeypatch, 0)
    assert device.resolve() == torch.device("cpu")
    assert device.resolve("auto") == torch.device("cpu")
    assert capsys.readouterr().err == ""


def test_auto_claims_one_gpu_per_process_and_keeps_it(monkeypatch):
    with_cuda(monkeypatch, 2)
    assert device.resolve() == torch.device("cuda:0")
    assert device.resolve("auto") == torch.device("cuda:0")  # evaluation after training: same
    assert len(gpu._held) == 1


def test_auto_on_a_gpu_torch_cannot_use_says_so_in_one_line_once(monkeypatch, tmp_path, capsys):
    with_cuda(monkeypatch, 0)
    with_driver(monkeypatch, tmp_path)
    monkeypatch.setattr(torch.backends.cuda, "is_built", lambda: True)

    def init():
        raise RuntimeError("The NVIDIA driver on your system is too old (found version 11040).\n"
                           "Please update your GPU driver.")

    monkeypatch.setattr(torch.cuda, "init", init)
    assert device.resolve("auto") == torch.device("cpu")
    assert device.resolve("auto") == torch.device("cpu")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vaebench: warning:")
    assert "NVIDIA GPU" in err and "driver on your system is too old" in err
    assert "device: cpu" in err


def test_the_reason_names_a_cpu_only_torch_and_nvidia_smi_counts_as_a_driver(monkeypatch):
    with_cuda(monkeypatch, 0)
    monkeypatch.setattr(device.shutil, "which",
                        lambda name: "/usr/bin/nvidia-smi" if name == "nvidia-smi" else None)
    monkeypatch.setattr(torch.backends.cuda, "is_built", lambda: False)
    assert "CPU-only build" in device.unusable_gpu_reason()
    monkeypatch.setattr(device.shutil, "which", lambda name: None)
    assert device.unusable_gpu_reason() is None


def test_named_devices(monkeypatch):
    with_cuda(monkeypatch, 2)
    assert device.resolve("cpu") == torch.device("cpu")
    assert device.resolve("cuda") == torch.device("cuda")
    assert device.resolve("cuda:1") == torch.device("cuda:1")
    assert not gpu._held  # a named GPU is not claimed
    with pytest.raises(UserError, match=r"has 2 CUDA device\(s\)"):
        device.resolve("cuda:2")
    for bad in ("gpu", "cpu:0", "cuda:x", "mps:1", ""):
        if bad:
            with pytest.raises(UserError, match="device must be"):
                device.resolve(bad)


def test_a_missing_named_device_is_a_one_line_error(monkeypatch):
    with_cuda(monkeypatch, 0)
    with pytest.raises(UserError, match="CUDA is not available") as error:
        device.resolve("cuda:0")
    assert "\n" not in str(error.value)
    monkeypatch.setattr(device, "mps_available", lambda: False)
    with pytest.raises(UserError, match="MPS is not available"):
        device.resolve("mps")
    monkeypatch.setattr(device, "mps_available", lambda: True)
    assert device.resolve("mps") == torch.device("mps")


def test_the_configured_device_is_read_as_training_reads_it(monkeypatch):
    """$VAEBENCH_DEVICE (the workflow's --config device) when nothing is asked; a request
    beats it."""
    with_cuda(monkeypatch, 2)
    monkeypatch.setenv(device.DEVICE_ENV, "cpu")
    assert device.resolve() == torch.device("cpu")
    assert device.resolve(None) == torch.device("cpu")
    assert device.resolve("cuda:1") == torch.device("cuda:1")
    monkeypatch.setenv(device.DEVICE_ENV, "cuda:1")
    assert device.resolve() == torch.device("cuda:1")


def test_no_module_keeps_a_resolver_of_its_own(monkeypatch, tmp_path):
    """Training, latent codes, FID and the evaluating artifacts call vaebench.device.resolve
    itself: the former per-module resolvers are gone, and a device that is not there stops
    the job instead of another being used."""
    for name in RESOLVERS:
        tree = ast.parse((PACKAGE / name).read_text())
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert not defined & {"resolve_device", "encoding_device", "fid_device",
                              "eval_device"}, name
    from vaebench.papers.dai2020 import celeba

    with_cuda(monkeypatch, 0)
    monkeypatch.setenv(device.DEVICE_ENV, "cuda:1")
    with pytest.raises(UserError, match="CUDA is not available"):
        celeba.sigma_and_error(tmp_path / "no-run", 10)  # decides its device before loading


def test_no_former_resolver_decides_by_itself():
    """Only vaebench.device asks torch whether CUDA is there."""
    for name in RESOLVERS:
        tree = ast.parse((PACKAGE / name).read_text())
        calls = [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Call)]
        assert not [call for call in calls if "cuda.is_available" in call], name
        assert '"cuda" if' not in (PACKAGE / name).read_text(), name  # the hard-coded choice
