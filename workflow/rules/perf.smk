# Speed, measured: `snakemake --cores 2 results/perf/throughput.csv` (not part of `all`).


rule throughput:
    input:
        "benchmarks/perf/throughput.yaml",
    output:
        csv=paths.perf("throughput"),
        png=paths.perf("throughput", "png"),
    log:
        paths.log("perf/throughput"),
    benchmark:
        paths.benchmark("perf/throughput")
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
        csv=paths.perf("rules"),
        png=paths.perf("rules", "png"),
        span=paths.perf("rules_span"),
    log:
        paths.log("perf/rules"),
    params:
        python=PYTHON,
        benchmarks=paths.BENCHMARKS,
        patterns=benchmark_patterns,
    conda:
        CONDA_ENV
    shell:
        "{params.python} -m vaebench rule-times --benchmarks {params.benchmarks} --out {output.csv}"
        " {params.patterns} > {log} 2>&1"
