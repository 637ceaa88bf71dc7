# vaebench: regenerate every table and figure of four VAE papers.
#   snakemake --cores 2                         all available artifacts at the default scale
#   snakemake --cores 2 --config scale=smoke    the plumbing in minutes (CI)
#   snakemake --cores 2 results/asperti2019/table1.csv
# Papers are data (benchmarks/<paper>.yaml); the rules are generic over them.
import yaml
from snakemake.utils import min_version, validate

min_version("9.19")


configfile: "workflow/config.yaml"


# `--config download=false` arrives as the string "false": read such values as YAML.
for _key in ("download", "train_threads"):
    if isinstance(config.get(_key), str):
        config[_key] = yaml.safe_load(config[_key])

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
include: "workflow/rules/resources.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/artifacts.smk"
include: "workflow/rules/perf.smk"


rule all:
    default_target: True
    input:
        "results/summary.csv",
