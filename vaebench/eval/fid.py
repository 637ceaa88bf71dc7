"""Fréchet Inception Distance in the style of pytorch-fid: images → features → statistics → FID.

Each step is a small function so it can be tested on its own and so that cached statistics can be
reused (reference statistics are computed once per dataset/split/N and stored as ``.npz``).

Why not call pytorch-fid end to end:

- ``pytorch_fid.fid_score.calculate_frechet_distance`` passes ``sqrtm(..., disp=False)``, which
  SciPy 1.18 removed, so we compute the distance ourselves (and test it against pytorch-fid on the
  SciPy versions where both work).
- pytorch-fid reads image folders; our samples are in-memory tensors (often 1-channel), which the
  network rejects unless repeated to 3 channels.
- pytorch-fid downloads the weights silently on first use; offline that is a ``URLError`` deep in
  the stack, so we check the cache first and fail in one line that says what to do.

The network itself (``pytorch_fid.inception.InceptionV3``, the TF-ported FID weights, bilinear
resize to 299x299 inside the network) is pytorch-fid's, unchanged, so features match pytorch-fid.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
import pickle
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch
from numpy.lib.npyio import NpzFile
from scipy.linalg import LinAlgWarning, sqrtm
from torch.nn.functional import adaptive_avg_pool2d

from vaebench import atomic
from vaebench.errors import UserError

# The TF FID Inception weights ported by pytorch-fid; the name is the one pytorch-fid's loader
# looks for in the torch hub cache, so a file placed there under this name is used offline.
WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"

# By torch's naming convention the suffix is a SHA-256 prefix. pytorch-fid loads with
# check_hash=False (any state dict with this name is accepted, random weights included), so we check
# it ourselves and record the result next to every FID we report.
WEIGHTS_SHA256_PREFIX = "6726825d"

# pytorch-fid raises if the imaginary part of the diagonal of sqrtm(Σ1Σ2) exceeds this.
_IMAG_ATOL = 1e-3


# --------------------------------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------------------------------


def to_inception_input(images: torch.Tensor) -> torch.Tensor:
    """Convert a batch of images to what InceptionV3 expects: float32 [N, 3, H, W] in [0, 1].

    Accepts uint8 (0..255, as written to PNG) or floating point already in [0, 1]. 1-channel images
    (MNIST-like) are repeated to 3 channels, as PIL's ``convert("RGB")`` does in pytorch-fid's
    folder loader. The result stays on the input's device; it may share memory with a float32
    3-channel input.
    """
    if not isinstance(images, torch.Tensor):
        raise UserError(f"expected images as a torch.Tensor, got {type(images).__name__}")
    if images.ndim != 4:
        raise UserError(f"expected images of shape [N, C, H, W], got shape {tuple(images.shape)}")
    channels = images.shape[1]
    if channels not in (1, 3):
        raise UserError(
            f"expected 1 or 3 image channels, got {channels} (shape {tuple(images.shape)})"
        )

    if images.dtype == torch.uint8:
        x = images.to(torch.float32) / 255.0
    elif images.is_floating_point():
        x = images.to(torch.float32)
        # Catch the usual mistake (decoder outputs in [-1, 1] or logits) rather than computing a
        # plausible-looking but wrong FID: InceptionV3 silently maps whatever it gets to [-1, 1].
        if x.numel() > 0:
            lo, hi = x.min().item(), x.max().item()
            if not (lo >= 0.0 and hi <= 1.0):  # NaN fails both comparisons: rejected too
                raise UserError(
                    f"float images must lie in [0, 1], got values in [{lo:.4g}, {hi:.4g}]; "
                    "map [-1, 1] outputs with (x + 1) / 2, or pass uint8"
                )
    else:
        raise UserError(f"expected uint8 or float images, got dtype {images.dtype}")

    if channels == 1:
        # repeat, not expand: callers may modify the result in place.
        x = x.repeat(1, 3, 1, 1)
    return x


# --------------------------------------------------------------------------------------------------
# network
# --------------------------------------------------------------------------------------------------


def inception_weights_path() -> Path:
    """Where pytorch-fid's loader looks for the weights: ``$TORCH_HOME/hub/checkpoints/``.

    Read at call time (``torch.hub.get_dir()`` honours ``$TORCH_HOME`` on every call), so tests and
    workflows can point it elsewhere.
    """
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def weights_sha256_prefix_ok(path: str | os.PathLike) -> bool:
    """Whether the file's SHA-256 starts with ``WEIGHTS_SHA256_PREFIX`` (pytorch-fid never checks).

    A False here means FIDs computed with this file are not comparable with published ones.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except FileNotFoundError:
        raise UserError(f"Inception weights file not found: {path}") from None
    return digest.startswith(WEIGHTS_SHA256_PREFIX)


def load_inception(device: str = "cpu") -> torch.nn.Module:
    """pytorch-fid's InceptionV3 with the FID weights (2048-d pool features), eval mode, on device.

    The weights must already be in the torch hub cache; we check before constructing the network
    so that an offline run fails here, in one line, instead of inside a download attempt.
    """
    # Imported here: pytorch-fid pulls in torchvision, which callers that only load cached
    # statistics or compute distances do not need.
    from pytorch_fid.inception import InceptionV3

    path = inception_weights_path()
    if not path.is_file():
        raise UserError(
            f"Inception weights not found at {path}; copy or link {WEIGHTS_FILE} there "
            "(set TORCH_HOME to choose the cache), or allow network access so pytorch-fid "
            "downloads it"
        )
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device {device!r} requested but CUDA is not available; use --device cpu")

    try:
        # output_blocks=[3]: the final average pool (2048-d), the only block published FIDs use.
        model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]])
    except (OSError, EOFError, RuntimeError, ValueError, pickle.UnpicklingError) as e:
        # A truncated download, or a file that is not this network's state dict.
        first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UserError(
            f"could not load Inception weights from {path} ({first_line}); "
            "delete or replace the file"
        ) from e
    return ChannelsLast(model).eval().to(dev)


class ChannelsLast(torch.nn.Module):
    """The network with NHWC weights and inputs: 1.9x the images per second of the default
    layout on a 2-core AVX-512 CPU (`vaebench bench`, FID rows), features equal to the default
    layout's within 2e-6 of their scale (tests/test_fid.py), so FIDs are pytorch-fid's."""

    def __init__(self, network: torch.nn.Module):
        super().__init__()
        self.network = network.to(memory_format=torch.channels_last)

    def forward(self, images: torch.Tensor):
        return self.network(images.contiguous(memory_format=torch.channels_last))


# --------------------------------------------------------------------------------------------------
# features
# --------------------------------------------------------------------------------------------------


def inception_features(
    images: torch.Tensor,
    model,
    batch_size: int = 200,
    device: str = "cpu",
) -> np.ndarray:
    """Inception pool features of images ([N, C, H, W], uint8 or [0, 1] float): (N, D) float64.

    ``model`` is any callable that takes float32 [B, 3, H, W] in [0, 1] on ``device`` and returns a
    list whose first element is [B, D, h, w] (pytorch-fid's InceptionV3 returns [B, 2048, 1, 1]).
    Images are moved and converted one batch at a time so that N float copies of a large uint8
    sample set never sit in (GPU) memory at once.
    """
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise UserError(f"batch_size must be a positive integer, got {batch_size!r}")
    batch_size = int(batch_size)
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        to_inception_input(images)  # raises the one-line error for a non-tensor or wrong ndim
    n = images.shape[0]
    if n == 0:
        raise UserError("no images to compute Inception features of")
    # Check channels and dtype on one image, so a bad input fails before any compute.
    to_inception_input(images[:1])

    features: np.ndarray | None = None
    with torch.no_grad():
        for start in range(0, n, batch_size):
            batch = to_inception_input(images[start : start + batch_size].to(device))
            pred = model(batch)[0]

            # As pytorch-fid's get_activations: pool if the chosen block is not already 1x1.
            if pred.ndim != 4:
                raise ValueError(
                    f"model returned features of shape {tuple(pred.shape)}, expected 4-D"
                )
            if pred.shape[2] != 1 or pred.shape[3] != 1:
                pred = adaptive_avg_pool2d(pred, output_size=(1, 1))
            pred = pred.squeeze(3).squeeze(2)
            if pred.shape[0] != batch.shape[0]:
                raise ValueError(
                    f"model returned {pred.shape[0]} rows for a batch of {batch.shape[0]}"
                )

            if features is None:  # D is only known once the model has run.
                features = np.empty((n, pred.shape[1]), dtype=np.float64)
            features[start : start + pred.shape[0]] = pred.cpu().numpy()
    assert features is not None
    return features


# --------------------------------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------------------------------


def activation_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of (N, D) features, as pytorch-fid: ``sigma = np.cov(x, rowvar=False)``.

    Σ has rank at most N - 1, so with N <= D (2048 for Inception) it is singular and the distance
    relies on the ε-regularised retry; such FIDs are smoke-test numbers, not comparable ones.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise UserError(f"expected features of shape (N, D), got shape {features.shape}")
    if features.shape[0] < 2:
        raise UserError(f"need at least 2 samples for a covariance, got {features.shape[0]}")
    mu = np.mean(features, axis=0)
    sigma = np.cov(features, rowvar=False)
    return mu, sigma


def _check_statistics(mu: np.ndarray, sigma: np.ndarray, what: str) -> None:
    """Raise UserError unless mu is (D,) and sigma is (D, D)."""
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise UserError(
            f"{what}: expected mu of shape (D,) and sigma of shape (D, D), "
            f"got {mu.shape} and {sigma.shape}"
        )


# --------------------------------------------------------------------------------------------------
# distance
# --------------------------------------------------------------------------------------------------


def _sqrtm(a: np.ndarray) -> np.ndarray:
    """scipy.linalg.sqrtm without ``disp`` (removed in SciPy 1.18).

    Without ``disp`` SciPy warns about singular input; we check the result (finite, imaginary part)
    ourselves, exactly as pytorch-fid does with disp=False, so the warning would only be noise.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=LinAlgWarning)
        return sqrtm(a)


def frechet_distance(
    mu1: np.ndarray,
    sigma1: np.ndarray,
    mu2: np.ndarray,
    sigma2: np.ndarray,
    eps: float = 1e-6,
) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    d² = ‖μ1 − μ2‖² + Tr Σ1 + Tr Σ2 − 2 Tr sqrt(Σ1 Σ2), computed as pytorch-fid does (Dougal
    Sutherland's stable version) but portable across SciPy versions.

    Raises ValueError on a real numerical failure (a large imaginary part of sqrt(Σ1 Σ2), or a
    non-finite result even after regularising), rather than returning a number that looks fine.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    _check_statistics(mu1, sigma1, "first statistics")
    _check_statistics(mu2, sigma2, "second statistics")
    if mu1.shape != mu2.shape:
        raise UserError(
            f"statistics have different dimensions ({mu1.shape[0]} vs {mu2.shape[0]}); "
            "were they computed with the same --dims?"
        )
    for name, arr in (("mu1", mu1), ("sigma1", sigma1), ("mu2", mu2), ("sigma2", sigma2)):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or inf (non-finite features?)")

    diff = mu1 - mu2
    covmean = _sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        # The product is (nearly) singular, e.g. fewer samples than dimensions: regularise both
        # covariances by eps·I, as pytorch-fid does, and say so.
        warnings.warn(
            f"Fréchet distance: singular covariance product; adding {eps} to the diagonals",
            RuntimeWarning,
            stacklevel=2,
        )
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = _sqrtm((sigma1 + offset) @ (sigma2 + offset))
        if not np.isfinite(covmean).all():
            raise ValueError("sqrtm(sigma1 @ sigma2) is not finite even after adding eps·I")

    # Rounding gives a slight imaginary component; a large one means sqrtm failed (e.g. the SciPy
    # 1.11.2 regression, pytorch-fid#103) and the number would be meaningless.
    if np.iscomplexobj(covmean):
        max_imag = np.max(np.abs(np.diagonal(covmean).imag))
        if max_imag > _IMAG_ATOL:
            raise ValueError(f"imaginary component {max_imag:.3g} in sqrtm(sigma1 @ sigma2)")
        covmean = covmean.real

    fd = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean)
    return float(fd)


# --------------------------------------------------------------------------------------------------
# storage
# --------------------------------------------------------------------------------------------------


def save_statistics(path: str | os.PathLike, mu: np.ndarray, sigma: np.ndarray, meta: dict) -> None:
    """Write ``mu``, ``sigma`` and ``meta`` to an ``.npz`` file, atomically.

    Keys ``mu`` and ``sigma`` are pytorch-fid's, so the file also works as
    ``python -m pytorch_fid stats.npz …``. ``meta`` (dataset, split, N, dims, resize mode, weights
    check, …: whatever keys the cache) is stored as a JSON string so the file loads without pickle.
    The data go to a temporary file in the same directory and are moved into place with
    ``os.replace``, so a killed run never leaves a partial file under ``path``.
    """
    path = Path(path)
    mu = np.asarray(mu, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    _check_statistics(mu, sigma, f"statistics for {path}")
    # Serialise first: a non-JSON meta (a bug in the caller) must fail before anything is written.
    meta_json = json.dumps(meta, sort_keys=True)

    def write(tmp: Path) -> None:
        with tmp.open("wb") as f:
            np.savez_compressed(f, mu=mu, sigma=sigma, meta=np.array(meta_json))

    atomic.write_with(path, write)


def load_statistics(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, dict]:
    """Read ``(mu, sigma, meta)`` written by :func:`save_statistics`.

    Files written by pytorch-fid's ``--save-stats`` (no ``meta``) load with ``meta == {}``.
    Missing or unreadable files raise UserError, which says to delete and recompute.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"statistics file not found: {path}")
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, NpzFile):  # a bare .npy array
            raise ValueError("not an .npz archive")
        with data:
            mu = np.asarray(data["mu"], dtype=np.float64)
            sigma = np.asarray(data["sigma"], dtype=np.float64)
            meta = json.loads(str(data["meta"])) if "meta" in data.files else {}
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile, zlib.error) as e:
        # ValueError covers json.JSONDecodeError and numpy's "cannot interpret / pickled data".
        reason = (str(e).splitlines() or [type(e).__name__])[0]
        raise UserError(
            f"corrupt statistics file {path} ({reason}); delete it and recompute"
        ) from e
    if not isinstance(meta, dict):
        raise UserError(f"corrupt statistics file {path} (meta is not a JSON object)")
    _check_statistics(mu, sigma, f"corrupt statistics file {path}")
    return mu, sigma, meta
