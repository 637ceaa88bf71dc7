"""The GPU options per experiment: bf16, channels_last and TF32 set in a paper's YAML reach the
run's TrainConfig; TF32 is off by default, set on CUDA only, and recorded in done.json with cuDNN's
autotuning."""

import json
import shutil

import pytest
import torch
import yaml

from vaebench.errors import UserError
from vaebench.spec import specs
from vaebench.train import precision
from vaebench.train.config import TrainConfig
from vaebench.train.loop import train


def test_a_spec_experiment_chooses_bf16_channels_last_and_tf32(tmp_path):
    shutil.copytree(specs.PACKAGE_BENCHMARKS, tmp_path / "benchmarks")
    path = tmp_path / "benchmarks" / "asperti2019.yaml"
    spec = yaml.safe_load(path.read_text())
    experiment = spec["experiments"]["table1_conv"]
    experiment["scales"]["paper"].update(precision="bf16", channels_last=True, tf32=True)
    path.write_text(yaml.safe_dump(spec, sort_keys=False))

    edited = specs.load_spec("asperti2019", str(tmp_path / "benchmarks"))
    cfg = specs.run_config(edited, "table1_conv", "paper", 0)
    assert (cfg.precision, cfg.channels_last, cfg.tf32) == ("bf16", True, True)
    # only that experiment and scale: the spec as shipped stays fp32
    shipped = specs.run_config(specs.load_spec("asperti2019"), "table1_conv", "paper", 0)
    assert (shipped.precision, shipped.channels_last, shipped.tf32) == ("fp32", False, False)


def test_tf32_is_off_by_default_and_out_of_existing_runs_identity(tiny_config):
    cfg = TrainConfig.from_dict(tiny_config)
    assert cfg.tf32 is False and "tf32" not in cfg.identity()
    assert TrainConfig.from_dict({**tiny_config, "tf32": True}).identity()["tf32"] is True
    with pytest.raises(UserError, match="tf32 must be true or false"):
        TrainConfig.from_dict({**tiny_config, "tf32": "yes"})


@pytest.fixture
def backends():
    """The process-wide flags, restored after the test."""
    flags = ((torch.backends.cudnn, "benchmark"), (torch.backends.cudnn, "allow_tf32"),
             (torch.backends.cuda.matmul, "allow_tf32"))
    saved = [getattr(owner, name) for owner, name in flags]
    yield
    for (owner, name), value in zip(flags, saved, strict=True):
        setattr(owner, name, value)


def test_cuda_backends_follow_the_config(tiny_config, backends):
    cuda = torch.device("cuda")
    for tf32 in (False, True):
        cfg = TrainConfig.from_dict({**tiny_config, "tf32": tf32})
        assert precision.apply_backends(cfg, cuda) == {"tf32": tf32, "cudnn_benchmark": True}
        assert torch.backends.cudnn.benchmark is True
        assert torch.backends.cuda.matmul.allow_tf32 is tf32
        assert torch.backends.cudnn.allow_tf32 is tf32


def test_the_cpu_leaves_the_backends_alone(tiny_config, backends):
    torch.backends.cudnn.benchmark = False
    cfg = TrainConfig.from_dict({**tiny_config, "tf32": True})
    assert precision.apply_backends(cfg, torch.device("cpu")) == {"tf32": False,
                                                                   "cudnn_benchmark": False}
    assert torch.backends.cudnn.benchmark is False


def test_done_json_records_the_backends(tiny_config, tmp_path):
    done = train(TrainConfig.from_dict({**tiny_config, "epochs": 1}), tmp_path, progress=False)
    assert done["backends"] == {"tf32": False, "cudnn_benchmark": False}
    assert json.loads((tmp_path / "done.json").read_text())["backends"] == done["backends"]
