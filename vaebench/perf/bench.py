"""Throughput benchmark: vaebench's training loop against the standard PyTorch recipe.

Each measurement runs in its own process (`vaebench bench --measure ...`) so its peak memory is
its own; `vaebench bench --out results/perf/throughput.csv` runs them all, back to back, and
writes one row per (case, what): samples per second (median of repeats after a warm-up), peak
memory, device, torch version, thread count and the load average when it started (timings on a
shared machine are only comparable within one run: read the ratios). The per-run start-up cost of
`vaebench train` is measured by vaebench.perf.startup and appended. A case with `stacked_seeds: N`
also times N seeds trained as one vectorised model (vaebench.train.stacked) beside one separate run;
`stacked_vs_separate` is the ratio of their per-run throughput (seed-samples per second). Speed
is measured here, never asserted by a test.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import torch
import yaml

from vaebench import atomic, provenance
from vaebench import device as device_policy
from vaebench.data import datasets as data
from vaebench.errors import UserError
from vaebench.perf import precision_effect, startup
from vaebench.train.config import TrainConfig
from vaebench.train.objective import batch_terms

CONFIG = Path(__file__).resolve().parents[2] / "benchmarks" / "perf" / "throughput.yaml"
MEASURES = ("train_vaebench", "train_standard", "train_floor", "evaluate", "fid_features",
            "fid_features_default", "train_stacked", "precision_effect")
TRAINING = ("train_vaebench", "train_floor")  # the rows compared with the standard recipe
# precision_effect's row (vaebench.perf.precision_effect): bf16's change of the loss and FID of a
# short run beside a second seed's (the yardstick), and bf16's speed-up over fp32 in that run
EFFECT_COLUMNS = ("loss_fp32", "loss_bf16", "loss_fp32_seed1", "loss_change_bf16",
                  "loss_change_seed", "fid_fp32", "fid_bf16", "fid_fp32_seed1", "speedup_bf16")
# each row's ratios, the first that applies being its headline (ratio_low/high over rounds)
RATIOS = ("speedup_vs_standard", "stacked_vs_separate", "speedup_vs_base", "best_vs_standard",
          "share_of_floor")
COLUMNS = ["case", "what", "options", "n", "samples_per_s", "samples_per_s_best", "seconds",
           "speedup_vs_standard", "speedup_vs_base", "best_vs_standard", "share_of_floor",
           "stacked_vs_separate", "rounds", "ratio_low", "ratio_high",
           *EFFECT_COLUMNS, "peak_rss_mb",
           "peak_gpu_mb", "device", "torch", "threads", "cpus", "load_1min", "note",
           "cpu_model", "commit", "tree_clean", "measured"]


def load_cases() -> dict:
    """Cases with `variant_of` resolved: the base case's settings plus the variant's options."""
    config = yaml.safe_load(CONFIG.read_text())
    cases = {}
    for name, case in config["cases"].items():
        base = config["cases"][case["variant_of"]] if "variant_of" in case else {}
        merged = {**base, **case}
        merged["train"] = {**base.get("train", {}), **case.get("train", {}),
                           **case.get("options", {})}
        cases[name] = merged
    return {"cases": cases, "fid": config["fid"], "startup": config.get("startup")}


def case_config(case: dict, device: str, data_root, n: int | None) -> TrainConfig:
    """The case's training config, sized to `n` examples per epoch (None: the whole set)."""
    sizes = {"train_subset": n}
    if data.is_sampled(case["train"]["dataset"]):  # fresh batches: n points = n / batch steps
        batch = case["train"].get("batch_size", 128)
        sizes = {"steps_per_epoch": max(1, (n or case["images"]) // batch),
                 "eval_size": n or case["images"]}
    elif case["train"]["dataset"].startswith(data.STANDIN_PREFIX):
        sizes["standin_size"] = max(n or 0, case["images"], case.get("eval_images") or 0)
    return TrainConfig.from_dict({**case["train"], **sizes, "device": device,
                                  "data_root": str(data_root) if data_root else None})


def _setup(case: dict, device: str, data_root, n: int | None):
    from vaebench.train.loop import Run, make_batches

    cfg = case_config(case, device, data_root, n)
    dev = device_policy.resolve(cfg.device)
    return cfg, dev, Run(cfg, dev), make_batches(cfg, dev)


def _timed(epoch_fn, repeats: int, n: int) -> tuple[float, float]:
    """(median, best) samples/s over `repeats` timed epochs, after one untimed warm-up epoch
    (which also pays for torch.compile, cuDNN autotuning and allocator growth). On a shared
    machine the best repeat is the one least slowed by other jobs, as timeit's minimum."""
    epoch_fn()
    rates = []
    for _ in range(repeats):
        _sync()
        started = time.perf_counter()
        epoch_fn()
        _sync()
        rates.append(n / (time.perf_counter() - started))
    return statistics.median(rates), max(rates)


def _sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def train_vaebench(case, device, data_root) -> tuple[float, int]:
    from vaebench.train.loop import train_epoch

    cfg, _, run, batches = _setup(case, device, data_root, case["images"])
    return _timed(lambda: train_epoch(run, batches), case["repeats"], case["images"]), \
        case["images"]


def train_standard(case, device, data_root) -> tuple[float, int]:
    """The tutorial recipe: a Dataset yielding float tensors + a shuffling DataLoader."""
    from vaebench.perf import standard_recipe

    cfg, dev, run, _ = _setup(case, device, data_root, case["images"])
    loader = standard_recipe.loader(cfg, case["images"], data_root)

    def epoch():
        for x, *_ in loader:
            _step(run, x.to(dev))

    return _timed(epoch, case["repeats"], case["images"]), case["images"]


def train_floor(case, device, data_root) -> tuple[float, int]:
    """The model's arithmetic alone: one batch, already on the device, reused for every step, so
    no data handling at all. No loop can beat it, so its speed-up over the standard recipe is the
    ceiling of any loop's on this machine."""
    _, _, run, batches = _setup(case, device, data_root, case["images"])
    x = next(iter(batches.epoch(run.shuffle)))
    steps = max(1, case["images"] // len(x))

    def epoch():
        for _ in range(steps):
            _step(run, x)

    return _timed(epoch, case["repeats"], steps * len(x)), steps * len(x)


def train_stacked(case, device, data_root) -> tuple[float, int]:
    """The case's `stacked_seeds` seeds (0, 1, ...) as one vectorised model, an epoch of
    `images` examples each: seed-samples per second, against one separate run's (the case's
    train_vaebench row, measured in the same process setting)."""
    from dataclasses import replace

    from vaebench.train import stacked
    from vaebench.train.loop import Run

    cfg = case_config(case, device, data_root, case["images"])
    cfgs = [replace(cfg, seed=seed) for seed in range(case["stacked_seeds"])]
    dev = device_policy.resolve(cfg.device)
    runs = []
    for each in cfgs:
        runs.append(Run(each, dev))
        runs[-1].noise = stacked.noise_from_global_rng()
    stack, batches = stacked.Stack(runs), stacked.seed_batches(cfgs, dev)
    n = len(cfgs) * case["images"]
    return _timed(lambda: stacked.train_group_epoch(stack, batches), case["repeats"], n), n


def _step(run, x: torch.Tensor) -> None:
    """One plain training step (the recipe's and the floor's): loss, backward, Adam. The network
    is called through run.forward, which is the bare model unless a precision option is set
    (variant cases measure only vaebench's loop)."""
    terms = batch_terms(run.forward, run.likelihood, x, run.cfg.kl_weight)
    run.optimizer.zero_grad(set_to_none=True)
    terms.loss.backward()
    run.optimizer.step()


def evaluate(case, device, data_root) -> tuple[float, int]:
    """Latent statistics (one no-grad pass in large batches) over `eval_images` training
    examples; null means the whole training set."""
    from vaebench.train.latent_stats import latent_statistics

    cfg, _, run, batches = _setup(case, device, data_root, case.get("eval_images"))
    n = len(batches.eval_data)
    return _timed(lambda: latent_statistics(run.model, batches.eval_data, cfg.eval_batch_size),
                  case["repeats"], n), n


def fid_features(settings, device, data_root, layout: str = "channels_last"
                 ) -> tuple[float, int]:
    """Inception images/s as the suite runs it (NHWC), or in torch's default layout, the
    baseline the ratio in the CSV is taken against."""
    from vaebench.eval import fid

    images, _ = data.load("mnist", "test", data_root)
    images = images[:settings["images"]]
    model = fid.load_inception(str(device if device != "auto" else
                                   ("cuda" if torch.cuda.is_available() else "cpu")))
    if layout == "default":
        model = model.network.to(memory_format=torch.contiguous_format)
    dev = next(model.parameters()).device
    return _timed(lambda: fid.inception_features(images, model, settings["batch_size"], dev),
                  1, len(images)), len(images)


def fid_features_default(settings, device, data_root) -> tuple[float, int]:
    return fid_features(settings, device, data_root, layout="default")


def measure(what: str, case_name: str, device: str, data_root) -> dict:
    """One measurement in this process, with its peak memory and the load when it started."""
    load = os.getloadavg()[0]
    config = load_cases()
    settings = config["fid"] if what.startswith("fid_features") else config["cases"][case_name]
    if settings.get("threads"):  # e.g. 1, as the DAG runs each training job
        torch.set_num_threads(settings["threads"])
    if what == "precision_effect":
        effect = precision_effect.measure(settings, device, data_root)
        (rate, best), n = (float("nan"), float("nan")), 0
    else:
        effect = {}
        (rate, best), n = globals()[what](settings, device, data_root)
    options = settings.get("options", {})
    return {**{column: effect.get(column) for column in EFFECT_COLUMNS},
            "case": case_name, "what": what,
            "options": ",".join(f"{k}={v}" for k, v in options.items()) or "default",
            "n": n, "samples_per_s": rate, "samples_per_s_best": best,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20
            if torch.cuda.is_available() else 0.0,
            "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
            "torch": torch.__version__, "threads": torch.get_num_threads(),
            "load_1min": load, "cpus": os.cpu_count(),
            "note": f"{settings['stacked_seeds']} seeds as one model" if what == "train_stacked"
            else effect_note(effect) if effect else None}


def effect_note(effect: dict) -> str:
    return (f"fp32 loss {effect['loss_fp32']:.1f} nats/image; bf16, same seed: loss "
            f"{effect['loss_change_bf16']:+.2f}, FID {effect['fid_change_bf16']:+.1f}; second fp32 "
            f"seed: loss {effect['loss_change_seed']:+.2f}, FID {effect['fid_change_seed']:+.1f}")


def measure_in_subprocess(what: str, case: str, device: str, data_root) -> dict:
    command = [sys.executable, "-m", "vaebench", "bench", "--measure", what, "--case", case,
               "--device", device] + (["--data-root", str(data_root)] if data_root else [])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def jobs(config: dict, only: list[str] | None) -> list[tuple[str, str]]:
    """(what, case) in order: each case's measures back to back, so their ratios share a load."""
    listed = [(what, name) for name, case in config["cases"].items()
              for what in case.get("measures", MEASURES[:4]) if not only or name in only]
    fid_pair = [("fid_features_default", "fid_mnist"), ("fid_features", "fid_mnist")]
    return listed + (fid_pair if not only or "fid_mnist" in only else [])


def run_all(out: str | Path, device: str, data_root, only: list[str] | None = None
            ) -> pd.DataFrame:
    config = load_cases()
    unknown = sorted(set(only or []) - {*config["cases"], "fid_mnist", "startup"})
    if unknown:
        raise UserError(f"--only: unknown case(s) {', '.join(unknown)}; known: "
                        f"{', '.join([*config['cases'], 'fid_mnist', 'startup'])}")
    rows = []
    for round_index, what, case in schedule(config, jobs(config, only)):
        rows.append({**measure_in_subprocess(what, case, device, data_root), "round": round_index})
        print(f"{case} {what} (round {round_index + 1}): {rows[-1]['samples_per_s']:.4g}/s",
              file=sys.stderr, flush=True)
    by_round = [with_ratios(frame.reset_index(drop=True), config["cases"])
                for _, frame in pd.DataFrame(rows).groupby("round")]
    frame = over_rounds(pd.concat(by_round)) if by_round else pd.DataFrame(columns=COLUMNS)
    if config["startup"] and (not only or "startup" in only):
        frame = pd.concat([frame, pd.DataFrame(startup.measure(config["startup"], device,
                                                               data_root))])
    frame = frame.reindex(columns=COLUMNS).assign(**provenance_columns())
    atomic.write_csv(out, frame)
    plot(frame, Path(out).with_suffix(".png"))
    return frame


def provenance_columns() -> dict:
    """What `vaebench record --bench` needs to keep a row: the CPU, the commit, when."""
    code = provenance.code_state()
    return {"cpu_model": provenance.cpu_model(), "commit": code["commit"],
            "tree_clean": code["tree_clean"], "measured": provenance.now()}


def schedule(config: dict, listed: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """(round, what, case): each round passes over every case still to measure, a case's
    measures back to back, so one case's rounds are spread over the whole benchmark."""
    most = max((rounds_of(config, case) for _, case in listed), default=0)
    return [(index, what, case) for index in range(most) for what, case in listed
            if index < rounds_of(config, case)]


def rounds_of(config: dict, case: str) -> int:
    """How many times a case is measured (`rounds:`, default 1). The conv nets' steps are few
    and long, so one pass is at the mercy of whatever else the machine did during it: their
    rows are measured in several rounds, interleaved with the other cases, and reported as the
    median round with the lowest and highest ratio beside it."""
    settings = config["fid"] if case == "fid_mnist" else config["cases"][case]
    return int(settings.get("rounds", 1))


def over_rounds(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (case, what): the median of each rate and ratio over its rounds, the best
    repeat of all, the highest load seen, and the spread of its ratio (ratio_low, ratio_high)."""
    rows = []
    for _, group in frame.groupby(["case", "what"], sort=False):
        row = group.iloc[0].to_dict()
        for column in ("samples_per_s", *RATIOS):
            row[column] = group[column].median()
        ratio = next((group[c] for c in RATIOS if group[c].notna().any()), None)
        row.update(samples_per_s_best=group.samples_per_s_best.max(),
                   load_1min=group.load_1min.max(), peak_rss_mb=group.peak_rss_mb.max(),
                   rounds=len(group),
                   ratio_low=ratio.min() if ratio is not None else float("nan"),
                   ratio_high=ratio.max() if ratio is not None else float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


def with_ratios(frame: pd.DataFrame, cases: dict) -> pd.DataFrame:
    """speedup_vs_standard: vaebench's loop (or the compute floor) / the standard recipe, same
    case - the floor's is the ceiling of any loop's; stacked_vs_separate: seed-samples/s of the
    stacked seeds / samples/s of one separate run (vaebench's loop), same case;
    speedup_vs_base: an option variant / its base case's vaebench loop (fp32, default layout),
    and the suite's NHWC Inception / the default layout; best_vs_standard: as
    speedup_vs_standard,
    from each side's best repeat; share_of_floor: vaebench's loop / the floor."""
    def by_case(what, column="samples_per_s"):
        return frame[frame.what == what].set_index("case")[column]

    def ratio(row, table, key, rows=TRAINING, column="samples_per_s"):
        ok = row.what in rows and key in table.index
        return getattr(row, column) / table[key] if ok else float("nan")

    standard, floor = by_case("train_standard"), by_case("train_floor")
    frame["speedup_vs_standard"] = [ratio(r, standard, r.case) for r in frame.itertuples()]
    frame["speedup_vs_base"] = [ratio(r, by_case("train_vaebench"),
                                      cases.get(r.case, {}).get("variant_of"),
                                      rows=("train_vaebench",)) for r in frame.itertuples()]
    frame["best_vs_standard"] = [ratio(r, by_case("train_standard", "samples_per_s_best"), r.case,
                                       column="samples_per_s_best") for r in frame.itertuples()]
    frame["share_of_floor"] = [ratio(r, floor, r.case, rows=("train_vaebench",))
                               for r in frame.itertuples()]
    # per-run throughput of N stacked seeds / one separate run's, same case and threads
    frame["stacked_vs_separate"] = [ratio(r, by_case("train_vaebench"), r.case,
                                          rows=("train_stacked",)) for r in frame.itertuples()]
    is_effect = frame.what == "precision_effect"  # bf16 / fp32 in the effect's own runs
    if is_effect.any():
        frame.loc[is_effect, "speedup_vs_base"] = frame.loc[is_effect, "speedup_bf16"]
    fid_default = by_case("fid_features_default")  # NHWC Inception / torch's default layout
    is_fid = frame.what == "fid_features"
    frame.loc[is_fid, "speedup_vs_base"] = [ratio(r, fid_default, r.case, rows=("fid_features",))
                                            for r in frame[is_fid].itertuples()]
    return frame


def plot(frame: pd.DataFrame, path: Path) -> None:
    """Left: samples/s of every throughput row; right: the start-up rows, in seconds."""
    from vaebench import plots

    rates = frame.dropna(subset=["samples_per_s"])
    times = frame.dropna(subset=["seconds"])
    fig, (left, right) = plots.figure(ncols=2, figsize=(13, 0.32 * max(len(rates), 6) + 1.5),
                                      width_ratios=[2, 1])
    left.barh([f"{row.case} {row.what}" for row in rates.itertuples()], rates.samples_per_s)
    left.invert_yaxis()
    left.set(xscale="log" if len(rates) else "linear", xlabel="samples (images) per second",
             title=f"{frame.device.iloc[0]}, {frame.threads.iloc[0]} threads, "
                   f"load {frame.load_1min.min():.1f}-{frame.load_1min.max():.1f}")
    right.barh(list(times.what), times.seconds)
    right.invert_yaxis()
    right.set(xlabel="seconds", title=f"vaebench train\n{times.case.iloc[0]}"
              if len(times) else "start-up not measured")
    plots.save(fig, path)
