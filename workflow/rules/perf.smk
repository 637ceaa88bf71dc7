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
    shell:
        "{params.python} -m vaebench bench --out {output.csv} --device {params.device}"
        " > {log} 2>&1"
