# Aggregation: runs -> results/<paper>/<artifact>.{csv,png} -> results/summary.csv.


rule artifact:
    input:
        artifact_runs,
        spec="benchmarks/{paper}.yaml",
    output:
        csv="results/{paper}/{artifact}.csv",
        png="results/{paper}/{artifact}.png",
    log:
        "results/logs/artifact/{paper}/{artifact}.log",
    benchmark:
        "results/benchmarks/artifact/{paper}/{artifact}.tsv"
    params:
        scale=SCALE,
    message:
        "build {wildcards.paper}/{wildcards.artifact} ({params.scale})"
    shell:
        "python -m vaebench artifact {wildcards.paper} {wildcards.artifact}"
        " --scale {params.scale} > {log} 2>&1"


rule summary:
    input:
        csv=[f"results/{p}/{a}.csv" for p, a in BUILDABLE],
    output:
        "results/summary.csv",
    log:
        "results/logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    params:
        scale=SCALE,
        skipped=skipped_flags(),
    shell:
        "python -m vaebench summary {input.csv} {params.skipped} --scale {params.scale}"
        " --out {output} > {log} 2>&1"
