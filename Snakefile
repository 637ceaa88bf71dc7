# vaebench: regenerate every table and figure of the VAE papers specified in benchmarks/
#   snakemake --cores 2                         all available artifacts at the default scale
#   snakemake --cores 2 --config scale=smoke    the plumbing in minutes (CI)
#   snakemake --cores 2 results/asperti2019/table1.csv
#   snakemake --cores 8 results/table2.csv      every paper's Table 2 in one table
# Papers are data (benchmarks/<paper>.yaml); the rules are generic over them, and the package
# plans the DAG (vaebench.plan) with every path under results/ spelled once (vaebench.paths).
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from vaebench import workflow_config as vaebench_config

min_version("9.19")


configfile: "workflow/config.yaml"


config.update(vaebench_config.typed(config))
# one line with the allowed values (Snakemake's validate would dump the jsonschema error)
_problem = vaebench_config.problem(config, "workflow/schemas/config.schema.yaml")
if _problem:
    raise WorkflowError(_problem)
validate(config, "workflow/schemas/config.schema.yaml")


# `snakemake --report results/report.html`: figures, reported-vs-replicated tables, summary
report: "workflow/report/workflow.rst"


wildcard_constraints:
    paper=r"[a-z]+\d{4}",
    artifact=r"[a-z][a-z0-9_]*",
    experiment=r"[a-z][a-z0-9_]*",
    seed=r"\d+",
    scale="smoke|quick|paper",
    dataset=r"[a-z][a-z0-9_]*",


include: "workflow/rules/common.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/artifacts.smk"
include: "workflow/rules/perf.smk"


# cheap bookkeeping runs where Snakemake runs, not as cluster jobs
localrules:
    all,
    dataset,
    summary,
    across_papers,
    unknown_target,
    rule_times,


rule all:
    default_target: True
    input:
        # `snakemake --report` after any target reports what exists (the full list would make
        # it fail on the first artifact not built yet)
        built_outputs() if "--report" in sys.argv else paths.summary(),
