"""Per-run start-up cost of `python -m vaebench train` against its compute.

Berger & Sebag's 2-D experiments are many tiny runs (8 settings × 10 seeds at paper scale), one
process each. Whether stacking them into one process (torch.func over a batch of models) would
pay depends on how much of a run is start-up (interpreter, imports, data, outputs) rather than
the training loop. Measured here, as benchmark rows (`seconds`):

- startup_import: `python -c "import vaebench.train.loop"` (interpreter + torch + vaebench),
  median of 3
- <scale>_process: wall time of the whole `vaebench train` process
- <scale>_loop: its training loop alone (done.json's wall_seconds)
- <scale>_overhead: the difference (start-up, data, evaluation and outputs)
- quick_loop_estimate: the quick run's loop extrapolated from `timed_epochs` of it
  (the loop's cost is the same every epoch: a fixed number of fresh batches)
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from vaebench.spec import specs


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def _train(settings: dict, scale: str, out: Path, device: str, extra: list[str]) -> tuple:
    """(process seconds, loop seconds) of one `vaebench train` run."""
    command = [sys.executable, "-m", "vaebench", "train", "--paper", settings["paper"],
               "--experiment", settings["experiment"], "--scale", scale, "--seed", "0",
               "--out", str(out), "--device", device, "--threads", str(settings["threads"]),
               *extra]
    process = _wall(command)
    return process, json.loads((out / "done.json").read_text())["wall_seconds"]


def measure(settings: dict, device: str, data_root) -> list[dict]:
    name = f"{settings['paper']}/{settings['experiment']}"
    common = {"case": name, "device": "cpu" if device == "cpu" or not torch.cuda.is_available()
              else torch.cuda.get_device_name(), "torch": torch.__version__,
              "threads": settings["threads"], "cpus": os.cpu_count()}
    if data_root:
        os.environ["VAEBENCH_DATA"] = str(data_root)
    rows = []

    def row(what, seconds, note):
        rows.append({**common, "what": what, "seconds": seconds, "note": note,
                     "load_1min": os.getloadavg()[0]})

    imports = [_wall([sys.executable, "-c", "import vaebench.train.loop"]) for _ in range(3)]
    row("startup_import", statistics.median(imports),
        "python -c 'import vaebench.train.loop', median of 3")
    timed = settings["timed_epochs"]
    quick_epochs = specs.run_config(specs.load_spec(settings["paper"]), settings["experiment"],
                                    "quick", 0).epochs
    loops = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale, extra in (("smoke", []), ("quick", ["--set", f"epochs={timed}"])):
            label = scale if not extra else f"quick{timed}ep"
            process, loops[scale] = _train(settings, scale, Path(tmp) / label, device, extra)
            row(f"{label}_process", process, "whole `vaebench train` process")
            row(f"{label}_loop", loops[scale], "training loop (done.json wall_seconds)")
            row(f"{label}_overhead", process - loops[scale],
                "start-up + data + evaluation + outputs")
    row("quick_loop_estimate", loops["quick"] / timed * quick_epochs,
        f"loop of {timed} epochs x {quick_epochs}/{timed} (the quick run's epochs)")
    return rows
