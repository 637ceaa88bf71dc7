# Aggregation: runs -> results/<paper>/<artifact>.{csv,png} -> results/summary.csv.


rule fid_reference:
    output:
        paths.fid_reference(),
    wildcard_constraints:
        split="train|test",
        n=r"\d+",
    log:
        paths.log(paths.fid_job()),
    benchmark:
        paths.benchmark(paths.fid_job())
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
        vb_jobs.logged(
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
        csv=paths.alternative_artifact(),
        png=paths.alternative_artifact(suffix="png"),
    wildcard_constraints:
        alternative=r"[a-z][a-z0-9_]*",
    log:
        paths.log(paths.alternative_job()),
    benchmark:
        paths.benchmark(paths.alternative_job())
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
        vb_jobs.logged(
            "{params.python} -m vaebench artifact {wildcards.paper} {wildcards.artifact}"
            " --scale {params.scale} --threads {threads} --alternative {wildcards.alternative}"
        )


rule artifact:
    input:
        artifact_inputs,
        spec="benchmarks/{paper}.yaml",
    output:
        csv=paths.artifact(),
        # the CSV as a table the report shows inline (a .csv it only offers for download)
        table=report(
            paths.artifact(suffix="table.html"),
            caption="../report/artifact_table.rst",
            category="{paper}",
            subcategory="{artifact}",
            labels=table_labels,
        ),
        png=report(
            paths.artifact(suffix="png"),
            caption="../report/artifact_figure.rst",
            category="{paper}",
            subcategory="{artifact}",
            labels=figure_labels,
        ),
        build=paths.artifact(suffix="build.json"),  # commit and machine, for the record
    log:
        paths.log(paths.artifact_job()),
    benchmark:
        paths.benchmark(paths.artifact_job())
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
        vb_jobs.logged(
            "{params.python} -m vaebench artifact {wildcards.paper} {wildcards.artifact}"
            " --scale {params.scale} --threads {threads}"
        )


rule summary:
    input:
        csv=summary_inputs,
    output:
        summary=summary_output(),
        page=paths.replication_page(),
    log:
        paths.log("summary"),
    benchmark:
        paths.benchmark("summary")
    params:
        python=PYTHON,
        scale=SCALE,
        skipped=skipped_flags,
    message:
        "summary: every artifact's verdict, or why it was skipped"
    conda:
        CONDA_ENV
    shell:
        vb_jobs.logged(
            "{params.python} -m vaebench summary {input.csv} {params.skipped} --scale {params.scale}"
            " --out {output.summary}"
        )


rule across_papers:
    # Names are per paper (each has its own "Table 2"): results/table2.csv puts every paper's
    # table2 in one table, a `paper` column first, and their figures in results/table2.png.
    input:
        unpack(across_papers_inputs),
    output:
        csv=paths.across_papers(),
        png=paths.across_papers(suffix="png"),
    wildcard_constraints:
        name=vb_targets.across_papers_regex(PLAN),
    log:
        paths.log(paths.across_papers_job()),
    params:
        python=PYTHON,
    message:
        "every paper's {wildcards.name} in one table: {output.csv}"
    conda:
        CONDA_ENV
    shell:
        vb_jobs.logged(
            "{params.python} -m vaebench.artifacts.across_papers {input.csv} --out {output.csv}"
        )


rule unknown_target:
    # results/<paper>/<artifact>.csv of no spec: say which papers or artifacts exist
    output:
        f"{paths.RESULTS}/{{target}}.csv",
    wildcard_constraints:
        target=vb_targets.known_targets_regex(PLAN),
    log:
        paths.log("unknown/{target}"),
    params:
        message=unknown_target_message,
    conda:
        CONDA_ENV
    shell:
        "echo {params.message} | tee {log} >&2; exit 2"


ruleorder: unknown_target > artifact
