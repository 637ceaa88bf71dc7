"""The experiments whose seeds train as one job (`stack_seeds`: one vectorised model, rule
train_stacked_*), and the wildcard that keeps their runs from the per-seed train rule."""

import re

from vaebench.plan.context import Plan
from vaebench.spec import alternatives, specs


def stacked_jobs(plan: Plan) -> list[tuple[str, str, list[int]]]:
    """(runs folder of the paper, experiment, seeds) of every experiment whose seeds train as one
    job at this scale; the others train a job per seed."""
    return [(alternatives.paper_dir(paper, alternative), experiment, seeds)
            for paper, spec in plan.specs.items()
            for alternative, experiment, seeds in specs.stacked_jobs(spec, plan.scale)]


def per_seed_scale_regex(plan: Plan) -> str:
    """The {scale} wildcard of the per-seed train rule: any scale, except where the path goes on
    to a stacked experiment's run at this scale (the lookahead sees the rest of the path), so
    each run has one rule."""
    stacked = "|".join(re.escape(f"{plan.scale}/{paper_dir}/{experiment}/")
                       for paper_dir, experiment, _ in stacked_jobs(plan))
    return (rf"(?!(?:{stacked}))" if stacked else "") + "(?:smoke|quick|paper)"
