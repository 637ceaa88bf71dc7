"""Throughput benchmark: vaebench's training loop against the standard PyTorch recipe.

Each measurement runs in its own process (`vaebench bench --measure ...`) so its peak memory is
its own; `vaebench bench --out results/perf/throughput.csv` runs them all and writes one row per
(case, what): samples per second (median of repeats after a warm-up), peak RSS, device, torch
version and thread count. Speed is measured here, never asserted by a test.
"""

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import torch
import yaml

from vaebench import atomic, data
from vaebench.config import TrainConfig
from vaebench.objective import batch_terms

CONFIG = Path(__file__).resolve().parents[1] / "benchmarks" / "perf" / "throughput.yaml"
MEASURES = ("train_vaebench", "train_standard", "evaluate", "fid_features")


def _setup(case: dict, device: str, data_root):
    from vaebench.train import Run, make_batches, resolve_device

    cfg = TrainConfig.from_dict({**case["train"], "train_subset": case["images"],
                                 "device": device, "data_root": data_root})
    dev = resolve_device(cfg.device)
    return cfg, dev, Run(cfg, dev), make_batches(cfg, dev)


def _timed(epoch_fn, repeats: int, n: int) -> float:
    """Median samples/s over `repeats` timed epochs, after one untimed warm-up epoch."""
    epoch_fn()
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        epoch_fn()
        _sync()
        rates.append(n / (time.perf_counter() - started))
    return statistics.median(rates)


def _sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def train_vaebench(case, device, data_root) -> float:
    from vaebench.train import train_epoch

    cfg, _, run, batches = _setup(case, device, data_root)
    return _timed(lambda: train_epoch(run, batches), case["repeats"], case["images"])


def train_standard(case, device, data_root) -> float:
    """torchvision dataset + ToTensor + DataLoader(shuffle=True): the tutorial recipe."""
    import torchvision
    from torch.utils.data import DataLoader, Subset

    cfg, dev, run, _ = _setup(case, device, data_root)
    cls = {"mnist": torchvision.datasets.MNIST,
           "fashion_mnist": torchvision.datasets.FashionMNIST}[cfg.dataset]
    dataset = cls(str(data.resolve_data_root(data_root)), train=True,
                  transform=torchvision.transforms.ToTensor())
    loader = DataLoader(Subset(dataset, range(case["images"])), batch_size=cfg.batch_size,
                        shuffle=True)

    def epoch():
        for x, _ in loader:
            x = x.to(dev)
            terms = batch_terms(run.model, run.likelihood, x, cfg.kl_weight)
            run.optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            run.optimizer.step()

    return _timed(epoch, case["repeats"], case["images"])


def evaluate(case, device, data_root) -> float:
    from vaebench.latent_stats import latent_statistics

    cfg, _, run, batches = _setup(case, device, data_root)
    return _timed(lambda: latent_statistics(run.model, batches.eval_data, cfg.eval_batch_size),
                  case["repeats"], case["images"])


def fid_features(settings, device, data_root) -> float:
    from vaebench import fid

    images, _ = data.load("mnist", "test", data_root)
    images = images[:settings["images"]]
    model = fid.load_inception(str(device if device != "auto" else
                                   ("cuda" if torch.cuda.is_available() else "cpu")))
    dev = next(model.parameters()).device
    return _timed(lambda: fid.inception_features(images, model, settings["batch_size"], dev),
                  1, len(images))


def measure(what: str, case_name: str, device: str, data_root) -> dict:
    """One measurement in this process, with its peak memory."""
    config = yaml.safe_load(CONFIG.read_text())
    settings = config["fid"] if what == "fid_features" else config["cases"][case_name]
    rate = globals()[what](settings, device, data_root)
    return {"case": case_name, "what": what, "samples_per_s": rate,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20
            if torch.cuda.is_available() else 0.0,
            "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def run_all(out: str | Path, device: str, data_root) -> pd.DataFrame:
    config = yaml.safe_load(CONFIG.read_text())
    jobs = [(what, case) for case in config["cases"] for what in MEASURES[:3]]
    jobs.append(("fid_features", "fid_mnist"))
    rows = []
    for what, case in jobs:
        command = [sys.executable, "-m", "vaebench", "bench", "--measure", what, "--case", case,
                   "--device", device] + (["--data-root", str(data_root)] if data_root else [])
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    frame = pd.DataFrame(rows)
    standard = frame[frame.what == "train_standard"].set_index("case").samples_per_s
    frame["speedup_vs_standard"] = [
        row.samples_per_s / standard[row.case] if row.what == "train_vaebench" else float("nan")
        for row in frame.itertuples()]
    atomic.write_csv(out, frame)
    plot(frame, Path(out).with_suffix(".png"))
    return frame


def plot(frame: pd.DataFrame, path: Path) -> None:
    from vaebench import plots

    fig, ax = plots.figure(figsize=(8, 3.5))
    labels = [f"{row.case}\n{row.what}" for row in frame.itertuples()]
    ax.barh(labels, frame.samples_per_s)
    ax.set(xscale="log", xlabel="samples (images) per second",
           title=f"vaebench throughput on {frame.device.iloc[0]}, {frame.threads.iloc[0]} threads")
    plots.save(fig, path)
