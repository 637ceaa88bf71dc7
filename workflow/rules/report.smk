# `snakemake --report results/report.html`: what the report shows of each output, and how.
# Each artifact's entry of its spec (title, source, claim) reaches the captions through config
# (vaebench.plan.report). Jobs never read this key, and spawned (cluster) jobs rebuild it themselves.
import os

from vaebench.plan import report as vb_report

config["report_specs"] = vb_report.report_specs(PLAN.specs)


def figure_labels(wildcards, output):
    return vb_report.labels(wildcards.paper, wildcards.artifact, output.csv, "figure")


def table_labels(wildcards, output):
    return vb_report.labels(
        wildcards.paper, wildcards.artifact, output.csv, "reported vs replicated"
    )


def summary_output():
    """results/summary.csv, in the report once it exists: `snakemake --report` after a single
    target (no summary yet) reports what was built instead of failing."""
    path = paths.summary()
    if os.path.exists(path):  # read again when --report parses the workflow, after the run
        return report(path, caption="../report/summary.rst", category="Summary")
    return path


def built_outputs():
    """The artifact CSVs (and the summary) that exist now."""
    return vb_report.built(vb_skips.buildable(PLAN), os.path.exists)
