# Aggregation: runs -> results/<paper>/<artifact>.{csv,png} -> results/summary.csv.


rule fid_reference:
    output:
        "results/fid/{dataset}_{split}_n{n}.npz",
    wildcard_constraints:
        split="train|test",
        n=r"\d+",
    log:
        "results/logs/fid/{dataset}_{split}_n{n}.log",
    benchmark:
        "results/benchmarks/fid/{dataset}_{split}_n{n}.tsv"
    resources:
        runtime=job_runtime("fid_reference"),
        mem_mb=job_mem_mb("fid_reference"),
    params:
        python=PYTHON,
        device=config["device"],  # resolved by the job itself
    message:
        "FID reference statistics: {wildcards.n} {wildcards.split} images of {wildcards.dataset}"
    conda:
        CONDA_ENV
    shell:
        logged(
            "{params.python} -m vaebench fid-reference {wildcards.dataset} --split {wildcards.split}"
            " --n {wildcards.n} --out {output} --device {params.device}"
        )


rule artifact_alternative:
    # the artifact rebuilt from its runs under one of the paper's alternatives (the choices the
    # paper leaves open); rule artifact sets each verdict beside these
    input:
        alternative_inputs,
        spec="benchmarks/{paper}.yaml",
    output:
        csv="results/{paper}/alternatives/{alternative}/{artifact}.csv",
        png="results/{paper}/alternatives/{alternative}/{artifact}.png",
    wildcard_constraints:
        alternative=r"[a-z][a-z0-9_]*",
    log:
        "results/logs/artifact/{paper}/alternatives/{alternative}/{artifact}.log",
    benchmark:
        "results/benchmarks/artifact/{paper}/alternatives/{alternative}/{artifact}.tsv"
    threads: artifact_threads
    resources:
        runtime=job_runtime("artifact"),
        mem_mb=job_mem_mb("artifact"),
    params:
        python=PYTHON,
        scale=SCALE,
    message:
        "build {wildcards.paper}/{wildcards.artifact} under {wildcards.alternative} ({params.scale})"
    conda:
        CONDA_ENV
    shell:
        logged(
            "{params.python} -m vaebench artifact {wildcards.paper} {wildcards.artifact}"
            " --scale {params.scale} --threads {threads} --alternative {wildcards.alternative}"
        )


rule artifact:
    input:
        artifact_inputs,
        spec="benchmarks/{paper}.yaml",
    output:
        csv="results/{paper}/{artifact}.csv",
        # the CSV as a table the report shows inline (a .csv it only offers for download)
        table=report("results/{paper}/{artifact}.table.html",
                     caption="../report/artifact_table.rst", category="{paper}",
                     subcategory="{artifact}", labels=table_labels),
        png=report("results/{paper}/{artifact}.png", caption="../report/artifact_figure.rst",
                   category="{paper}", subcategory="{artifact}", labels=figure_labels),
        build="results/{paper}/{artifact}.build.json",  # commit and machine, for the record
    log:
        "results/logs/artifact/{paper}/{artifact}.log",
    benchmark:
        "results/benchmarks/artifact/{paper}/{artifact}.tsv"
    threads: artifact_threads
    resources:
        runtime=job_runtime("artifact"),
        mem_mb=job_mem_mb("artifact"),
    params:
        python=PYTHON,
        scale=SCALE,
    message:
        "build {wildcards.paper}/{wildcards.artifact} ({params.scale})"
    conda:
        CONDA_ENV
    shell:
        logged(
            "{params.python} -m vaebench artifact {wildcards.paper} {wildcards.artifact}"
            " --scale {params.scale} --threads {threads}"
        )


rule summary:
    input:
        csv=[f"results/{p}/{a}.csv" for p, a in BUILDABLE],
    output:
        summary=summary_output(),
        page="results/REPLICATION.md",
    log:
        "results/logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    params:
        python=PYTHON,
        scale=SCALE,
        skipped=skipped_flags(),
    message:
        "summary: every artifact's verdict, or why it was skipped"
    conda:
        CONDA_ENV
    shell:
        logged(
            "{params.python} -m vaebench summary {input.csv} {params.skipped} --scale {params.scale}"
            " --out {output.summary}"
        )


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
    conda:
        CONDA_ENV
    shell:
        "echo 'vaebench: results/{wildcards.flat}.csv is ambiguous; artifacts are per paper:"
        " {params.candidates}' | tee {log} >&2; exit 2"


rule unknown_target:
    # results/<paper>/<artifact>.csv of no spec: say which papers or artifacts exist
    output:
        "results/{target}.csv",
    wildcard_constraints:
        target=known_targets_regex(),
    log:
        "results/logs/unknown/{target}.log",
    params:
        message=lambda wildcards: shlex.quote(unknown_target_message(wildcards.target)),
    conda:
        CONDA_ENV
    shell:
        "echo {params.message} | tee {log} >&2; exit 2"


ruleorder: unknown_target > artifact
