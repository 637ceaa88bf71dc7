"""GPU speed options of the training loop: bf16 autocast, channels_last, torch.compile, and the
CUDA backends (cuDNN autotuning, TF32).

bf16, channels_last and compile are off by default and recorded in the run's config. They
change only how the network's forward pass is computed, never the objective: the loss (sums over
pixels, the KL's exp) is computed in fp32 from the network's outputs cast back to fp32, so a bf16
run differs from an fp32 run by the rounding of the activations only (tests/test_precision.py
bounds the difference).
"""

import torch
from torch import nn

PRECISIONS = ("fp32", "bf16")


def backend_settings(cfg, device: torch.device) -> dict:
    """What a run on `device` computes with, for its done.json: TF32 matrix products and
    convolutions (`cfg.tf32`, CUDA only) and cuDNN's autotuning (on for every CUDA run)."""
    cuda = device.type == "cuda"
    return {"tf32": bool(cuda and cfg.tf32), "cudnn_benchmark": cuda}


def apply_backends(cfg, device: torch.device) -> dict:
    """Set the CUDA backends for a run on `device` (process-wide; nothing on other devices):
    cuDNN picks the fastest convolution algorithm for the run's fixed shapes once, and TF32 is
    on only when `cfg.tf32` asks (default off: plain fp32, comparable bit for bit). Both TF32
    flags are set either way, since torch leaves cuDNN's on by default. Returns
    backend_settings."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = bool(cfg.tf32)
        torch.backends.cudnn.allow_tf32 = bool(cfg.tf32)
    return backend_settings(cfg, device)


def prepare_model(model: nn.Module, channels_last: bool) -> nn.Module:
    """The model with its 4-D (conv) weights in channels_last layout, if asked; in place."""
    if channels_last:
        model.to(memory_format=torch.channels_last)
    return model


class Forward:
    """`encode`/`decode` of a model as the training step calls them: inputs in the chosen memory
    layout, the network under autocast, outputs in fp32. Holds no state of its own, so checkpoints
    (the model's state_dict) do not depend on these options."""

    def __init__(self, model: nn.Module, device: torch.device, precision: str = "fp32",
                 channels_last: bool = False, compile: bool = False):
        self.model, self.device_type = model, device.type
        self.dtype = torch.bfloat16 if precision == "bf16" else None
        self.channels_last = channels_last
        # compile the two methods, not forward(): the training step never calls forward()
        self._encode = torch.compile(model.encode) if compile else model.encode
        self._decode = torch.compile(model.decode) if compile else model.decode

    def _autocast(self):
        return torch.autocast(self.device_type, dtype=self.dtype or torch.float32,
                              enabled=self.dtype is not None)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        with self._autocast():
            mu, logvar = self._encode(x)
        return mu.float(), logvar.float()

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        with self._autocast():
            out = self._decode(z)
        return out.float()


def forward_for(model: nn.Module, cfg, device: torch.device):
    """The model itself when every option is off (the default path stays exactly as it was)."""
    if cfg.precision == "fp32" and not cfg.channels_last and not cfg.compile:
        return model
    return Forward(model, device, cfg.precision, cfg.channels_last, cfg.compile)
