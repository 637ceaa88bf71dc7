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
        python=PYTHON,
        scale=SCALE,
    message:
        "build {wildcards.paper}/{wildcards.artifact} ({params.scale})"
    shell:
        "{params.python} -m vaebench artifact {wildcards.paper} {wildcards.artifact}"
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
        python=PYTHON,
        scale=SCALE,
        skipped=skipped_flags(),
    shell:
        "{params.python} -m vaebench summary {input.csv} {params.skipped} --scale {params.scale}"
        " --out {output} > {log} 2>&1"


rule flat_artifact_name:
    # Every paper has a "Table 2": names are per paper. Say which ones exist instead of guessing.
    output:
        "results/{flat}.csv",
    wildcard_constraints:
        flat=r"(table|figure)\d+[a-z0-9_]*",
    log:
        "results/logs/flat_{flat}.log",
    params:
        candidates=per_paper_names,
    shell:
        "echo 'vaebench: results/{wildcards.flat}.csv is ambiguous; artifacts are per paper:"
        " {params.candidates}' | tee {log} >&2; exit 2"
