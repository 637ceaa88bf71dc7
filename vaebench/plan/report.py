"""`snakemake --report`: what the report shows of each artifact. Captions (workflow/report/*.rst)
are Jinja templates that see only `snakemake.config`, the job and its wildcards, so each
artifact's entry of its spec (title, source, claim) reaches them through config."""

import re

from vaebench import paths
from vaebench.record.summary import artifact_row


def rst_text(value) -> str:
    """YAML prose as literal reStructuredText: one line, markup characters escaped (a claim's
    `sigma_x` or `|mu|` would otherwise become a link or a substitution)."""
    return re.sub(r"([\\*_`|])", r"\\\1", " ".join(str(value).split()))


def report_specs(spec_by_paper: dict[str, dict]) -> dict:
    """{paper: {title, artifacts: {name: {kind, title, source, claim}}}} as the captions read it."""
    return {
        paper: {"title": rst_text(spec.get("title", paper)),
                "artifacts": {name: {key: rst_text(entry.get(key, ""))
                                     for key in ("kind", "title", "source", "claim")}
                              for name, entry in spec["artifacts"].items()}}
        for paper, spec in spec_by_paper.items()
    }


def labels(paper: str, artifact: str, csv: str, shows: str) -> dict[str, str]:
    """Columns of the report's result list. Called when the report is built, after the run, so
    the verdict is the one in the artifact's CSV now, summarised by claim as in summary.csv."""
    summary = artifact_row(paper, artifact, csv)
    return {"artifact": artifact, "shows": shows, "verdict": summary["verdict"],
            "scale": str(summary["scale"])}


def built(buildable: list[tuple[str, str]], exists) -> list[str]:
    """The artifact CSVs (and the summary) that exist now: what `snakemake --report` reports
    after any target (the full list would make it fail on the first artifact not built yet)."""
    csvs = [paths.artifact(paper, name) for paper, name in buildable]
    return [path for path in [*csvs, paths.summary()] if exists(path)]
