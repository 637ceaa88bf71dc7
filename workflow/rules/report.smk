# `snakemake --report results/report.html`: what the report shows of each output, and how.
# Captions (workflow/report/*.rst) are Jinja templates that see only `snakemake.config`, the job and
# its wildcards, so each artifact's entry of benchmarks/<paper>.yaml (title, source, claim) reaches
# them through config. Jobs never read this key, and spawned (cluster) jobs rebuild it themselves.
import os
import re

from vaebench.record.summary import artifact_row


def rst_text(value) -> str:
    """YAML prose as literal reStructuredText: one line, markup characters escaped (a claim's
    `sigma_x` or `|mu|` would otherwise become a link or a substitution)."""
    return re.sub(r"([\\*_`|])", r"\\\1", " ".join(str(value).split()))


config["report_specs"] = {
    paper: {"title": rst_text(spec.get("title", paper)),
            "artifacts": {name: {key: rst_text(art.get(key, ""))
                                 for key in ("kind", "title", "source", "claim")}
                          for name, art in spec["artifacts"].items()}}
    for paper, spec in SPECS.items()
}


def report_labels(wildcards, output, shows):
    """Columns of the report's result list. Called when the report is built, after the run, so
    the verdict is the one in the artifact's CSV now, summarised by claim as in summary.csv."""
    summary = artifact_row(wildcards.paper, wildcards.artifact, output.csv)
    return {"artifact": wildcards.artifact, "shows": shows, "verdict": summary["verdict"],
            "scale": str(summary["scale"])}


def figure_labels(wildcards, output):
    return report_labels(wildcards, output, "figure")


def table_labels(wildcards, output):
    return report_labels(wildcards, output, "reported vs replicated")


def summary_output():
    """results/summary.csv, in the report once it exists: `snakemake --report` after a single
    target (no summary yet) reports what was built instead of failing."""
    path = "results/summary.csv"
    if os.path.exists(path):  # read again when --report parses the workflow, after the run
        return report(path, caption="../report/summary.rst", category="Summary")
    return path


def built_outputs():
    """The artifact CSVs (and the summary) that exist now."""
    built = [f"results/{p}/{a}.csv" for p, a in BUILDABLE
             if os.path.exists(f"results/{p}/{a}.csv")]
    return built + [path for path in ["results/summary.csv"] if os.path.exists(path)]
