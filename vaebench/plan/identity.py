"""A run's identity as the workflow sees it: a hash of its resolved options, a `params:` of its
training job, so that Snakemake re-runs the job when they change. The hash names no folder, but
changing how it is computed would re-run every recorded run."""

import hashlib
import json

from vaebench.spec import alternatives, specs


def run_config_hash(spec_by_paper: dict[str, dict], paper_dir: str, experiment: str, scale: str,
                    seed) -> str:
    """Changes when the experiment's resolved options change (for a run under an alternative,
    `paper_dir` is <paper>~<alternative>)."""
    paper, alternative = alternatives.split_paper_dir(paper_dir)
    spec = spec_by_paper[paper]
    run = specs.run_config(spec, experiment, scale, int(seed), alternative=alternative)
    # a procedure's settings (vaebench.artifacts.procedures) are part of what the job computes
    procedure = spec["experiments"][experiment].get("procedure")
    identity = {**run.identity(),
                **({"procedure": procedure["scales"][scale]} if procedure else {})}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def stacked_config_hash(spec_by_paper: dict[str, dict], paper_dir: str, experiment: str,
                        scale: str, seeds: list[int]) -> str:
    """Changes when any seed's resolved options change (run_config_hash of each)."""
    return "-".join(run_config_hash(spec_by_paper, paper_dir, experiment, scale, seed)
                    for seed in seeds)
