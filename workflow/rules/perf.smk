# Speed, measured: `snakemake --cores 2 results/perf/throughput.csv` (not part of `all`).


rule throughput:
    input:
        "benchmarks/perf/throughput.yaml",
    output:
        csv="results/perf/throughput.csv",
        png="results/perf/throughput.png",
    log:
        "results/logs/perf/throughput.log",
    benchmark:
        "results/benchmarks/perf/throughput.tsv"
    threads: workflow.cores
    params:
        python=PYTHON,
        device=config["device"],
    conda:
        CONDA_ENV
    shell:
        "{params.python} -m vaebench bench --out {output.csv} --device {params.device}"
        " > {log} 2>&1"


# Per-rule wall time and peak RSS of the latest run of every job, and the run's span (first job's
# start to last job's end: the DAG's wall time when one run built it from nothing). It reads
# whatever TSVs exist (declaring them as inputs would make this target re-run the DAG), so force
# it after a run:
#   snakemake --cores 1 -f results/perf/rules.csv
rule rule_times:
    output:
        csv="results/perf/rules.csv",
        png="results/perf/rules.png",
        span="results/perf/rules_span.csv",
    log:
        "results/logs/perf/rules.log",
    params:
        python=PYTHON,
        patterns=benchmark_patterns,
    conda:
        CONDA_ENV
    shell:
        "{params.python} -m vaebench rule-times --benchmarks results/benchmarks --out {output.csv}"
        " {params.patterns} > {log} 2>&1"
