"""Runs that are a procedure on another run, not one training: e.g. noise injected into a trained
VAE's active variable one epoch at a time. A paper registers each procedure under kind
"procedure" (vaebench.registry) as `procedure(source_run, out, settings) -> steps table`.

An experiment with `procedure: {name: <procedure>, scales: {<scale>: {<settings>}}}` and
`init_from: <source experiment>` (listed under `needs:`) is a training job like any other: the
train rule runs it with `vaebench train`, its steps live in its run directory, and its done.json,
written last, holds the provenance every run has; the artifact only reads what it wrote.
"""

import time
from pathlib import Path

from vaebench import atomic, provenance, registry
from vaebench.errors import UserError
from vaebench.spec import specs
from vaebench.train import runs as run_files
from vaebench.train.config import TrainConfig

STEPS_FILE = "steps.csv"


def definition(spec: dict, experiment: str) -> dict | None:
    """The experiment's procedure entry, or None for an ordinary training run."""
    return spec["experiments"][experiment].get("procedure")


def settings(spec: dict, experiment: str, scale: str) -> dict:
    """The procedure's settings at a scale (part of the run's identity)."""
    return dict(definition(spec, experiment)["scales"][specs.check_scale(scale)])


def run(spec: dict, experiment: str, scale: str, cfg: TrainConfig, out: str | Path) -> dict:
    """Run the experiment's procedure on its source run (cfg.init_from) into `out`; skipped
    when out/done.json exists; a killed procedure resumes step by step."""
    out = Path(out)
    if (out / "done.json").exists():
        return run_files.done(out)
    name = definition(spec, experiment)["name"]
    if not registry.has("procedure", name):
        raise UserError(f"experiment '{experiment}': unknown procedure '{name}'; known: "
                        f"{', '.join(registry.names('procedure'))}")
    if not cfg.init_from or not (Path(cfg.init_from) / "done.json").exists():
        raise UserError(f"experiment '{experiment}': its source run {cfg.init_from} is not "
                        f"finished; train it first (snakemake does)")
    source, started = Path(cfg.init_from), time.monotonic()
    procedure = registry.get("procedure", name)
    steps = procedure(source, out, settings(spec, experiment, scale))
    atomic.write_csv(out / STEPS_FILE, steps)
    source_done = run_files.done(source)
    done = {"procedure": name, "settings": settings(spec, experiment, scale),
            "source": source.as_posix(), "epochs": int(steps.step.max()),
            "final_loss": None, "converged": bool(source_done["converged"]),
            "wall_seconds": time.monotonic() - started, "data": source_done.get("data"),
            **provenance.stamp()}
    atomic.write_json(out / "done.json", done)
    return done
