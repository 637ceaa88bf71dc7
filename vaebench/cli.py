"""`vaebench` / `python -m vaebench`: the only entry points the Snakemake rules call.

Every user error is one line on stderr and exit code 2, with no partial output (all outputs are
written atomically); anything else is a bug and keeps its traceback.
"""

import argparse
import os
import sys
from pathlib import Path

import yaml

from vaebench import paths
from vaebench.data import datasets as data
from vaebench.errors import UserError
from vaebench.spec import specs

EPILOG = """examples:
  vaebench train --paper asperti2019 --experiment table1_dense --scale quick --seed 0 \\
      --out results/runs/quick/asperti2019/table1_dense/seed0
  vaebench train --paper berger2020 --experiment theorem1_d2_above --scale paper --seeds 0 1 2 \\
      --out 'results/runs/paper/berger2020/theorem1_d2_above/seed{seed}'   # one stacked model
  vaebench artifact asperti2019 table1 --scale quick
  vaebench datasets
  vaebench record --scale quick          # built artifacts -> record/quick/, with provenance
The whole suite is a Snakemake DAG: snakemake --cores 2 --config scale=quick"""


DATA_ROOT_HELP = "folder holding the datasets (else $VAEBENCH_DATA, else ./data)"


def parse_assignment(text: str) -> tuple[str, object]:
    """key=value with the value read as YAML, and numbers as a person writes them: YAML 1.1
    reads 1e-4 (no dot) as a string."""
    if "=" not in text:
        raise UserError(f"--set expects key=value, got '{text}'")
    key, value = text.split("=", 1)
    parsed = yaml.safe_load(value)
    if isinstance(parsed, str):
        for number in (int, float):
            try:
                return key, number(parsed)
            except ValueError:
                continue
    return key, parsed


def positive_int(text: str) -> int:
    """argparse type for counts such as --threads: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def train_config(args, seed: int | None = None):
    """The run's TrainConfig: from --config FILE, or from the paper's spec; then --set etc.
    `seed`: this seed instead of --seed (and of the file's)."""
    from vaebench.train.config import TrainConfig

    seed = args.seed if seed is None else seed
    extra = dict(parse_assignment(item) for item in args.set)
    for key in ("device", "data_root"):
        if getattr(args, key) is not None:
            extra[key] = getattr(args, key)
    if "device" not in extra and os.environ.get("VAEBENCH_DEVICE"):
        extra["device"] = os.environ["VAEBENCH_DEVICE"]  # set by the workflow
    if args.download:
        extra["download"] = True
    if args.config:
        chosen = {"seed": seed} if args.seeds else {}
        return TrainConfig.from_dict({**read_config_file(args.config), **extra, **chosen})
    missing = [f"--{n}" for n in ("paper", "experiment") if getattr(args, n) is None]
    if missing:
        raise UserError(f"train needs --config FILE or {' and '.join(missing)}")
    return specs.run_config(specs.load_spec(args.paper), args.experiment, args.scale, seed,
                            extra, runs_root=args.runs_root, alternative=args.alternative)


DEFAULT_TRAIN_THREADS = 4  # `train` called by hand: a few cores, not torch's default of all


def set_train_threads(threads: int | None) -> str | None:
    """Set torch's CPU threads for a training job: --threads (what the workflow always passes,
    its rule's `threads`), else the smaller of DEFAULT_TRAIN_THREADS and the cores (torch's own
    default, every core, oversubscribes a machine that runs anything else). Returns the line
    that says so in the second case, for the caller to print once training starts (a bad input
    stays a one-line error), else None."""
    import torch

    notice = None
    if threads is None:
        threads = min(DEFAULT_TRAIN_THREADS, os.cpu_count() or 1)
        notice = f"vaebench train: using {threads} threads (set --threads to change)"
    torch.set_num_threads(threads)
    return notice


def say(notice: str | None) -> None:
    if notice:
        print(notice, file=sys.stderr, flush=True)


def cmd_train(args) -> None:
    from vaebench.train.loop import train

    if args.seeds:
        return cmd_train_stacked(args)
    config = train_config(args)
    if args.exit_with_workflow:
        from vaebench.train.orphan import exit_with_workflow

        exit_with_workflow()
    notice = set_train_threads(args.threads)
    spec = specs.load_spec(args.paper) if args.paper and args.experiment else None
    if spec is not None and spec["experiments"].get(args.experiment, {}).get("procedure"):
        from vaebench.artifacts import procedures

        say(notice)
        done = procedures.run(spec, args.experiment, args.scale, config, args.out)
        print(f"{args.out}: {done['procedure']}, {done['epochs']} steps")
        return
    # the threads line once the run is built (data read, checkpoint accepted); none for a
    # finished run, which trains nothing
    done = train(config, args.out, progress=None, prepare=lambda run: say(notice),
                 restart_if_changed=args.restart_if_changed)
    print(f"{args.out}: {done['epochs']} epochs, loss {done['final_loss']:.4g}, "
          f"converged={done['converged']}")


def cmd_train_stacked(args) -> None:
    """`train --seeds A B ...`: the seeds as one vectorised model (train.stacked), each into
    --out with {seed} replaced."""
    from vaebench.train.stacked import train_stacked

    if "{seed}" not in args.out:
        raise UserError(f"--seeds needs --out with {{seed}} in it, e.g. --out "
                        f"'{args.out.rstrip('/')}/seed{{seed}}'")
    spec = specs.load_spec(args.paper) if args.paper and args.experiment else None
    if spec is not None and spec["experiments"].get(args.experiment, {}).get("procedure"):
        raise UserError(f"experiment '{args.experiment}' is a procedure, not a training run; "
                        f"run its seeds one by one (--seed N)")
    configs = [train_config(args, seed) for seed in args.seeds]
    if args.exit_with_workflow:
        from vaebench.train.orphan import exit_with_workflow

        exit_with_workflow()
    say(set_train_threads(args.threads))
    outs = {seed: args.out.replace("{seed}", str(seed)) for seed in args.seeds}
    done = train_stacked(configs, list(outs.values()), progress=None,
                         restart_if_changed=args.restart_if_changed)
    for seed, out in outs.items():
        print(f"{out}: {done[seed]['epochs']} epochs, loss {done[seed]['final_loss']:.4g}, "
              f"converged={done[seed]['converged']}, stacked with seeds "
              f"{done[seed].get('stacked_with', 'none (trained before)')}")


def read_config_file(path: str) -> dict:
    try:
        values = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise UserError(f"--config {path}: no such file") from None
    except yaml.YAMLError as exc:
        raise UserError(f"--config {path}: malformed YAML ({exc})".replace("\n", " ")) from None
    if not isinstance(values, dict):
        raise UserError(f"--config {path}: not a YAML mapping of training options")
    return values


def cmd_artifact(args) -> None:
    import torch

    from vaebench.artifacts import build

    if args.threads:
        torch.set_num_threads(args.threads)
    out = build(args.paper, args.artifact, args.scale, args.runs_root, args.results,
                alternative=args.alternative)
    print(f"wrote {out} and {out.with_suffix('.png')}")


def cmd_summary(args) -> None:
    from vaebench.record.summary import write_summary

    write_summary(args.csv, args.skipped, args.scale, args.out)
    print(f"wrote {args.out}")


def cmd_record(args) -> None:
    from vaebench.record import bench_runs, dag_runs, pages
    from vaebench.record.store import record, record_dir

    # every refusal before the first write: a bad file or a dirty tree leaves the record as it was
    bench_run = bench_runs.read_run(Path(args.bench)) if args.bench else None
    dag_run = dag_runs.row(dag_runs.read_span(Path(args.dag_run))) if args.dag_run else None
    out = record_dir(args.scale, args.record)  # refuses an unknown scale
    if bench_run is not None:
        file, rows = bench_runs.merge(args.record, bench_run)
        print(f"merged {args.bench} into {file} ({rows} rows)")
    if dag_run is not None:
        dag_runs.save(out, dag_run)
        pages.write_index(out)
        print(f"recorded the DAG run of {dag_run['papers']} ({dag_run['jobs']} jobs, "
              f"{dag_run['span_s'] / 3600:.2f} h) into {out / dag_runs.FILE}")
    if args.rejudge:
        from vaebench.record.rejudge import rejudge_record

        changed = rejudge_record(out)
        pages.write_index(out)
        print(f"re-judged {out} under the current verdict rules; verdicts changed in "
              f"{len(changed)} artifacts: {', '.join(changed) or 'none'}")
    if (args.dag_run or args.bench or args.rejudge) and not args.artifacts:
        return
    names = record(args.scale, args.results, args.record, args.artifacts)
    print(f"recorded {len(names)} artifacts into {Path(args.record) / args.scale}: "
          f"{', '.join(names)}")


def cmd_datasets(args) -> None:
    root = data.check_data_root(data.resolve_data_root(args.data_root))  # not a file
    if args.prepare:
        # the workflow says whether to download through the environment (workflow_config)
        download = args.download or os.environ.get("VAEBENCH_DOWNLOAD") == "1"
        prepare_dataset(args.prepare, root, download, args.stamp)
        return
    for name in data.known_datasets():
        state = "available" if data.is_available(name, root) else "missing"
        shape = "sampled in code" if data.is_sampled(name) else data.dataset_info(name).shape
        print(f"{name:28s} {state:10s} {shape}")
    print(f"data root: {root} (set with --data-root, data_root in the config, or VAEBENCH_DATA)")


def prepare_dataset(name: str, root, download: bool, stamp: str | None) -> None:
    """Check (and, if allowed, download) one dataset once, before any job trains on it."""
    from vaebench import atomic

    counts = {split: len(data.load(name, split, root, download)[0]) for split in ("train", "test")}
    source = data.describe(name, root)
    print(f"{name}: {counts['train']} train / {counts['test']} test images under {root}: {source}")
    if stamp:
        atomic.write_json(stamp, {"dataset": name, "root": str(root), "source": source, **counts})


def cmd_prepare_celeba(args) -> None:
    from vaebench.data import celeba

    celeba.check_variant(args.crop, args.resize)
    root = data.check_data_root(data.resolve_data_root(args.data_root))  # not a file
    provenance = celeba.prepare(root, args.crop, args.resize, Path(args.out))
    print(f"wrote {args.out}: {provenance}")


def cmd_fid_reference(args) -> None:
    from vaebench import device as device_policy
    from vaebench.eval.fid_reference import compute_reference

    # "auto" is resolved here, on the machine that runs the job (a cluster's login node, where
    # the DAG is parsed, may have no GPU).
    device = str(device_policy.resolve()) if args.device == "auto" else args.device
    meta = compute_reference(args.dataset, args.split, args.n, args.out, device,
                             data.resolve_data_root(args.data_root), args.download)
    print(f"wrote {args.out}: {meta}")


def cmd_bench(args) -> None:
    import json

    from vaebench.perf import bench

    root = data.resolve_data_root(args.data_root)
    if args.measure:
        print(json.dumps(bench.measure(args.measure, args.case, args.device, root)))
        return
    frame = bench.run_all(args.out, args.device, root, args.only)
    print(frame.to_string(index=False))


def cmd_rule_times(args) -> None:
    from vaebench.perf import rule_times

    frame, run = rule_times.write(args.benchmarks, args.out,
                                  rule_times.parse_patterns(args.pattern))
    print(f"wrote {args.out} ({len(frame)} jobs, {frame.s.sum():.0f} s in all) and "
          f"{rule_times.span_path(args.out)}: first start to last end {run['span_s']:.0f} s, "
          f"CPU {run['cpu_s']:.0f} s (meaningful after one run from nothing)")


def cmd_check(args) -> None:
    """Every spec against paper.schema.json, then its cross-references: one line per error of
    every paper (exit code 2, nothing on stdout), else one line per paper."""
    loaded, problems = {}, []
    for paper in args.papers or specs.specified_papers():
        try:
            loaded[paper] = specs.load_spec(paper)
        except specs.SpecError as exc:
            problems += exc.lines
        except UserError as exc:  # no such spec, malformed YAML
            problems.append(str(exc))
    if problems:
        raise UserError("\n".join(problems))
    for paper, spec in loaded.items():
        print(f"{paper}: ok ({len(spec['artifacts'])} artifacts, "
              f"{len(spec.get('experiments') or {})} experiments)")


def os_error_line(exc: OSError, args) -> str:
    """What the machine refused and the fix that fits: a missing input is named as such, and
    --out is offered only to a command that has it."""
    where = f" {exc.filename}" if exc.filename else ""
    if isinstance(exc, FileNotFoundError) and not is_output(exc.filename, args):
        return f"cannot read{where}: no such file or directory; check the path (or build it first)"
    other = "choose another --out, or " if getattr(args, "out", None) else ""
    return (f"cannot write or read{where}: {exc.strerror or exc}; {other}free space / fix "
            f"permissions there")


def is_output(filename, args) -> bool:
    """Whether the file refused is the command's --out, or its temporary file beside it."""
    out = getattr(args, "out", None)
    return bool(filename and out) and (
        Path(str(filename)).resolve().parent == Path(str(out)).resolve().parent)


def code_commit(root: Path | None = None) -> str:
    """The short commit of the checkout this package runs from, '+dirty' after it when the tree
    has uncommitted changes (untracked files count, as in the provenance of a run); 'unknown'
    when the package is not the top of a git checkout (an installed copy) or git is missing."""
    from vaebench import git_state

    root = root or git_state.CODE_ROOT

    def git(*args: str) -> str | None:
        return git_state.git(*args, root=root)

    top = git("rev-parse", "--show-toplevel")
    # site-packages inside some other checkout (a venv in a project) is not this code's commit
    if top is None or Path(top).resolve() != root.resolve():
        return "unknown"
    commit, status = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain")
    if commit is None:
        return "unknown"
    return commit + ("+dirty" if status != "" else "")


class VersionAction(argparse.Action):
    """--version: the package version and the commit, looked up only when asked for."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="print vaebench's version and git commit (+dirty: uncommitted changes), "
                      "then exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from vaebench import __version__

        print(f"vaebench {__version__} (commit {code_commit()})")
        parser.exit(0)


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments are one line on stderr and exit code 2, as every other user error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="vaebench",
        description="Regenerate the tables and figures of the VAE papers specified in benchmarks/.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train one run (resumes from its checkpoint)")
    train.add_argument("--config", help="a YAML file of training options (instead of a spec)")
    train.add_argument("--paper", help="paper key, e.g. asperti2019 (benchmarks/<paper>.yaml)")
    train.add_argument("--experiment", help="experiment name in the paper's spec")
    train.add_argument("--scale", default="quick", help="smoke | quick | paper (default quick)")
    seeds = train.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=0,
                       help="the run's random seed (default 0)")
    seeds.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                       help="train these seeds as one vectorised model in this process "
                            "(models registered as stackable), each into --out "
                            "with {seed} replaced by the seed")
    train.add_argument("--out", required=True, help="run directory to write")
    train.add_argument("--runs-root", default=paths.RUNS,
                       help=f"where the runs this one needs live (default {paths.RUNS})")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a training option (repeatable), e.g. --set lr=1e-4")
    train.add_argument("--alternative", metavar="NAME",
                       help="train under one of the paper's alternatives (its YAML's "
                            "alternatives:), e.g. init_keras_glorot")
    train.add_argument("--device", help="auto | cpu | cuda[:N]")
    train.add_argument("--data-root", help=DATA_ROOT_HELP)
    train.add_argument("--download", action="store_true", help="let torchvision download data")
    train.add_argument("--threads", type=positive_int,
                       help=f"torch CPU threads (>= 1; default the smaller of "
                            f"{DEFAULT_TRAIN_THREADS} and the CPU cores; the DAG passes its "
                            f"rule's threads)")
    train.add_argument("--restart-if-changed", action="store_true",
                       help="discard a checkpoint written by another configuration (the DAG "
                            "uses this when a spec changed) instead of stopping")
    train.add_argument("--exit-with-workflow", action="store_true",
                       help="stop when the process that started this job's shell is gone (the "
                            "DAG uses this, so a killed snakemake leaves no run behind)")
    train.set_defaults(func=cmd_train)

    art = sub.add_parser("artifact", help="build results/<paper>/<artifact>.csv and .png")
    art.add_argument("paper", help="paper key, e.g. asperti2019 (benchmarks/<paper>.yaml)")
    art.add_argument("artifact", help="e.g. table1, figure2")
    art.add_argument("--scale", default="quick",
                     help="the scale its runs were trained at: smoke | quick | paper "
                          "(default quick)")
    art.add_argument("--runs-root", default=paths.RUNS,
                     help=f"where the trained runs live (default {paths.RUNS})")
    art.add_argument("--results", default=paths.RESULTS,
                     help=f"where to write {paths.artifact('<paper>', '<artifact>')} (default "
                          f"{paths.RESULTS})")
    art.add_argument("--alternative", metavar="NAME",
                     help="build from the runs trained under this alternative (into "
                          "results/<paper>/alternatives/<NAME>/)")
    art.add_argument("--threads", type=positive_int,
                     help="torch CPU threads (builders that evaluate)")
    art.set_defaults(func=cmd_artifact)

    summ = sub.add_parser("summary", help="write results/summary.csv from artifact CSVs")
    summ.add_argument("csv", nargs="*", help="artifact CSVs (results/<paper>/<artifact>.csv)")
    summ.add_argument("--skipped", action="append", default=[],
                      metavar="PAPER/ARTIFACT:REASON", help="an artifact not built, and why")
    summ.add_argument("--scale", default="quick",
                      help="the scale the artifacts were built at (default quick)")
    summ.add_argument("--out", default=paths.summary(),
                      help=f"the CSV to write (default {paths.summary()})")
    summ.set_defaults(func=cmd_summary)

    rec = sub.add_parser("record", help="copy built artifacts, with their provenance, into the "
                                        "committed record (record/<scale>/)")
    rec.add_argument("artifacts", nargs="*", metavar="PAPER/ARTIFACT",
                     help="e.g. asperti2019/table1 (default: every artifact under --results)")
    rec.add_argument("--scale", default="quick",
                     help="the record to fill: quick | paper (smoke only with another --record)")
    rec.add_argument("--results", default=paths.RESULTS,
                     help=f"where the run wrote (default {paths.RESULTS})")
    rec.add_argument("--record", default="record", help="the record's root (default record)")
    rec.add_argument("--rejudge", action="store_true",
                     help="re-judge the record's CSVs under the current verdict rules from the "
                          "statistics they keep (means, spreads, runs), without their runs; "
                          "orderings recorded without their test read inconclusive until rebuilt")
    rec.add_argument("--dag-run", metavar="SPAN_CSV",
                     help="also (without artifacts named: only) record a run of the DAG from "
                          "nothing: the results/perf/rules_span.csv that `snakemake --cores 1 -f "
                          "results/perf/rules.csv` wrote after it")
    rec.add_argument("--bench", metavar="THROUGHPUT_CSV",
                     help="also (without artifacts named: only) merge a benchmark run (vaebench "
                          "bench) into record/perf/throughput_<device>.csv")
    rec.set_defaults(func=cmd_record)

    ds = sub.add_parser("datasets", help="list datasets and whether they are available")
    ds.add_argument("--data-root", help=DATA_ROOT_HELP)
    ds.add_argument("--prepare", metavar="NAME", help="check one dataset (download if allowed)")
    ds.add_argument("--download", action="store_true", help="with --prepare: allow download")
    ds.add_argument("--stamp", help="with --prepare: write this JSON file when the data is ok")
    ds.set_defaults(func=cmd_datasets)

    cel = sub.add_parser("prepare-celeba", help="crop and resize CelebA once into a cache file")
    cel.add_argument("--crop", default="crop128", help="crop128 (Dai & Wipf) | crop140 (WAE)")
    cel.add_argument("--resize", default="bilinear", help="nearest | bilinear | bicubic")
    cel.add_argument("--out", required=True, help="the .pt to write, e.g. "
                     "results/data/celeba_crop128_bilinear.pt")
    cel.add_argument("--data-root", help=DATA_ROOT_HELP)
    cel.set_defaults(func=cmd_prepare_celeba)

    ref = sub.add_parser("fid-reference", help="FID statistics of N images of a dataset split")
    ref.add_argument("dataset", help="a dataset name, as `vaebench datasets` lists them")
    ref.add_argument("--split", default="test", help="train | test (default test, as the papers)")
    ref.add_argument("--n", type=int, default=10_000, help="number of images (default 10000)")
    ref.add_argument("--out", required=True, help="the .npz to write")
    ref.add_argument("--device", default="auto",
                     help="auto (a GPU when this machine has one, else cpu) | cpu | cuda[:i]")
    ref.add_argument("--data-root", help=DATA_ROOT_HELP)
    ref.add_argument("--download", action="store_true", help="let torchvision download data")
    ref.set_defaults(func=cmd_fid_reference)

    bench = sub.add_parser("bench", help="throughput: vaebench's loop vs the standard recipe")
    bench.add_argument("--out", default=paths.perf("throughput"),
                       help=f"the table to write (default {paths.perf('throughput')})")
    bench.add_argument("--device", default="auto",
                       help="auto (a GPU when this machine has one, else cpu) | cpu | cuda[:N]")
    bench.add_argument("--data-root", help=DATA_ROOT_HELP)
    bench.add_argument("--only", nargs="+", metavar="CASE",
                       help="measure only these cases (names in benchmarks/perf/throughput.yaml, "
                            "fid_mnist, startup)")
    bench.add_argument("--measure", choices=["train_vaebench", "train_standard", "train_floor",
                                             "evaluate", "fid_features", "fid_features_default",
                                             "train_stacked", "precision_effect"],
                            help=argparse.SUPPRESS)
    bench.add_argument("--case", help=argparse.SUPPRESS)
    bench.set_defaults(func=cmd_bench)

    times = sub.add_parser("rule-times", help="wall time and peak memory of every rule's jobs, "
                                              "from results/benchmarks/ (slowest first), and "
                                              "the run's span (rules_span.csv)")
    times.add_argument("--benchmarks", default="results/benchmarks",
                       help="folder of Snakemake benchmark TSVs (default results/benchmarks)")
    times.add_argument("--out", default="results/perf/rules.csv",
                       help="the table to write; its span goes beside it as <name>_span.csv")
    times.add_argument("--pattern", action="append", default=[], metavar="RULE=PATTERN",
                       help="a rule's benchmark file pattern, to name the rule of each TSV "
                            "(repeatable; the workflow passes every rule's)")
    times.set_defaults(func=cmd_rule_times)

    check = sub.add_parser("check", help="validate benchmarks/<paper>.yaml specifications")
    check.add_argument("papers", nargs="*", help="paper keys (default: every paper with a spec)")
    check.set_defaults(func=cmd_check)
    add_plan_command(sub)
    add_preflight_command(sub)
    add_progress_command(sub)
    return parser


def add_plan_command(sub) -> None:
    """`vaebench plan`: a scale's jobs per rule and GPU-hours, CPU-hours and disk per artifact,
    before it runs (the cost model: vaebench.plan_cost)."""
    def cmd_plan(args) -> None:
        from vaebench import plan_cost

        spec_by_paper = {paper: specs.load_spec(paper) for paper in specs.specified_papers()}
        plan = plan_cost.make_plan(args.scale, spec_by_paper, args.targets)
        print(plan_cost.format_plan(plan, args.scale))

    plan = sub.add_parser("plan", help="what a scale costs before it runs: jobs per rule, "
                                       "GPU- and CPU-hours per artifact, disk")
    plan.add_argument("targets", nargs="*", metavar="TARGET",
                      help="results/<paper>/<artifact>.csv, <paper>/<artifact> or <paper> "
                           "(default: every artifact)")
    plan.add_argument("--scale", default="paper", help="smoke | quick | paper (default paper)")
    plan.set_defaults(func=cmd_plan)


def add_preflight_command(sub) -> None:
    """`vaebench preflight`: every experiment of a scale built at its real shapes on this
    machine's device, trained a few steps, checkpointed and resumed; one line each, exit code 2
    if any fails (vaebench.preflight)."""
    def cmd_preflight(args) -> None:
        from vaebench import preflight

        checks = preflight.run_preflight(args.scale, [args.paper] if args.paper else None,
                                         args.experiment, args.steps, args.device)
        failed = [check.name for check in checks if check.error is not None]
        if failed:
            raise UserError(f"preflight: {len(failed)} of {len(checks)} experiment(s) failed: "
                            f"{', '.join(failed[:5])}{' ...' if len(failed) > 5 else ''}")

    pre = sub.add_parser("preflight", help="before a long run: every experiment built at its "
                                           "real shapes, trained, checkpointed and resumed here")
    pre.add_argument("--scale", default="paper", help="smoke | quick | paper (default paper)")
    pre.add_argument("--paper", help="only this paper's experiments")
    pre.add_argument("--experiment", action="append", default=None, metavar="NAME",
                     help="only this experiment (repeatable)")
    pre.add_argument("--steps", type=positive_int, default=2,
                     help="training steps before the checkpoint (default 2)")
    pre.add_argument("--device", help="cpu, cuda[:N], mps (default: $VAEBENCH_DEVICE, else auto)")
    pre.set_defaults(func=cmd_preflight)


def add_progress_command(sub) -> None:
    """`vaebench progress`: per partial run its epoch and time left, read from results/runs, and
    the DAG's training left on N cores (vaebench.dag_progress)."""
    def cmd_progress(args) -> None:
        from vaebench import dag_progress

        print(dag_progress.progress_report(Path(args.results), args.scale, args.targets,
                                           args.cores or dag_progress.default_cores()))

    prog = sub.add_parser("progress", help="while a DAG runs: each partial run's epoch and time "
                                           "left, and the training left on N cores")
    prog.add_argument("targets", nargs="*", metavar="TARGET",
                      help="also count the runs these need that have not started, their time "
                           "estimated as `vaebench plan` does: results/<paper>/<artifact>.csv, "
                           "<paper>/<artifact> or <paper>")
    prog.add_argument("--results", default="results",
                      help="the folder the DAG writes (default results; its runs/<scale>/ is "
                           "read)")
    prog.add_argument("--scale", default="quick", help="smoke | quick | paper (default quick)")
    prog.add_argument("--cores", type=positive_int,
                      help="cores the DAG runs on, one training job a core (default this "
                           "machine's)")
    prog.set_defaults(func=cmd_progress)


def interrupted_message(command: str) -> str:
    """One line for Ctrl-C (KeyboardInterrupt): what was stopped and what a next call does."""
    if command == "train":
        return ("vaebench train: interrupted; the run resumes from its last checkpoint on the "
                "next call")
    return (f"vaebench {command}: interrupted; no file was left half-written (each is written "
            f"whole or not at all): run it again")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if hasattr(args, "scale"):
            specs.check_scale(args.scale)
        args.func(args)
    except KeyboardInterrupt:  # Ctrl-C reaches every job of a workflow: one line each
        print(interrupted_message(args.command), file=sys.stderr, flush=True)
        return 130
    except UserError as exc:  # one line per error (`vaebench check` reports them all)
        for line in str(exc).splitlines():
            print(f"vaebench: error: {line}", file=sys.stderr)
        return 2
    except OSError as exc:  # the machine said no (read-only folder, a file in the way, full disk)
        print(f"vaebench: error: {os_error_line(exc, args)}", file=sys.stderr)
        return 2
    return 0
