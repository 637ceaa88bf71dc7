"""The targets a person asks for: results/<paper>/<artifact>.csv of a spec, or results/<name>.csv,
every paper's artifact of that name in one table (e.g. each paper's Table 2). A target no spec
has is refused in one line naming what exists."""

import re

from vaebench import paths
from vaebench.plan.context import Plan

ARTIFACT_TARGET = re.compile(re.escape(paths.RESULTS) + r"/([a-z]+\d{4})/([^/]+)\.csv")
ACROSS_PAPERS_TARGET = re.compile(re.escape(paths.RESULTS) + r"/([a-z][a-z0-9_]*)\.csv")
NOT_AN_ARTIFACT = {"summary"}  # results/summary.csv: every artifact's verdict


def known_targets_regex(plan: Plan) -> str:
    """A regex for `<paper>/<artifact>` matching every pair that is *not* an artifact of a spec
    (rule unknown_target answers those in one line instead of a KeyError traceback)."""
    known = "|".join(re.escape(f"{paper}/{name}") for paper, name in plan.artifacts) or "(?!)"
    return rf"(?!(?:{known})\.csv$)[^/]+/[^/]+"  # the lookahead sees the rest of the path


def unknown_target_message(plan: Plan, target: str) -> str:
    """One line for `<paper>/<artifact>` of no spec: what is wrong, and what exists."""
    paper, _, artifact = target.partition("/")
    if paper in plan.broken:
        return f"vaebench: {plan.broken[paper]}"
    if paper not in plan.specs:
        return f"vaebench: unknown paper '{paper}'; known: {', '.join(plan.specs)}"
    return (f"vaebench: paper {paper} has no artifact '{artifact}'; known: "
            f"{', '.join(plan.specs[paper]['artifacts'])}")


def artifact_names(plan: Plan) -> list[str]:
    """Every artifact name of any paper, once (each paper has a table1, ...)."""
    return sorted({name for _, name in plan.artifacts})


def papers_with(plan: Plan, name: str) -> list[str]:
    """The papers that have an artifact of this name."""
    return [paper for paper, spec in plan.specs.items() if name in spec["artifacts"]]


def unknown_name_message(plan: Plan, name: str) -> str:
    return (f"vaebench: no paper has an artifact '{name}'; results/<name>.csv takes one of "
            f"{', '.join(artifact_names(plan))}, results/<paper>/<artifact>.csv one paper's")


def refusal(plan: Plan, targets: list[str]) -> str | None:
    """The one-line error for the first target of the command line that no spec has, or None:
    the workflow stops on it before any job (the command line is all Snakemake gives a
    Snakefile to look at; rule unknown_target answers targets that come another way)."""
    for target in targets:
        if (match := ARTIFACT_TARGET.fullmatch(target)) and (match[1], match[2]) not in (
                plan.artifacts):
            return unknown_target_message(plan, f"{match[1]}/{match[2]}")
        if ((match := ACROSS_PAPERS_TARGET.fullmatch(target)) and match[1] not in NOT_AN_ARTIFACT
                and not papers_with(plan, match[1])):
            return unknown_name_message(plan, match[1])
    return None


def across_papers_regex(plan: Plan) -> str:
    """The {name} wildcard of results/{name}.csv: an artifact name of some paper."""
    return "|".join(re.escape(name) for name in artifact_names(plan)) or "(?!)"


def across_papers_inputs(plan: Plan, name: str) -> dict[str, list[str]]:
    """The CSV and the figure of every paper's artifact of this name, in paper order."""
    papers = papers_with(plan, name)
    return {"csv": [paths.artifact(paper, name) for paper in papers],
            "png": [paths.artifact(paper, name, "png") for paper in papers]}

