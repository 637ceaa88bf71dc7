# One job per training run: (scale, paper, experiment, seed) -> a run directory ending in done.json.


rule celeba_cache:
    # CelebA cropped and resized once per (crop, resize); every job that trains on it reads this.
    output:
        "results/data/celeba_{crop}_{resize}.pt",
    wildcard_constraints:
        crop="crop128|crop140",
        resize="nearest|bilinear|bicubic",
    log:
        "results/logs/data/celeba_{crop}_{resize}.log",
    benchmark:
        "results/benchmarks/data/celeba_{crop}_{resize}.tsv"
    threads: workflow.cores
    params:
        python=PYTHON,
    message:
        "prepare CelebA once into {output}: crop {wildcards.crop}, resize {wildcards.resize}"
    conda:
        CONDA_ENV
    shell:
        logged(
            "{params.python} -m vaebench prepare-celeba --crop {wildcards.crop}"
            " --resize {wildcards.resize} --out {output}"
        )


rule dataset:
    input:
        dataset_inputs,
    output:
        "results/data/{dataset}.json",
    log:
        "results/logs/data/{dataset}.log",
    benchmark:
        "results/benchmarks/data/{dataset}.tsv"
    params:
        python=PYTHON,
    message:
        "check dataset {wildcards.dataset} (download it if allowed)"
    conda:
        CONDA_ENV
    shell:
        logged(
            "{params.python} -m vaebench datasets --prepare {wildcards.dataset}"
            " --stamp {output}"
        )


rule train:
    input:
        run_inputs,
    output:
        "results/runs/{scale}/{paper}/{experiment}/seed{seed}/done.json",
    wildcard_constraints:
        paper=r"[a-z]+\d{4}(~[a-z][a-z0-9_]*)?",  # <paper>~<alternative>: its alternative runs
    log:
        "results/logs/train/{scale}/{paper}/{experiment}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{scale}/{paper}/{experiment}/seed{seed}.tsv"
    threads: config["train_threads"]
    resources:
        # a token per GPU job: `--resources gpu=N` runs N at once, each claims its own device
        gpu=GPUS_PER_JOB,
        runtime=job_runtime("train"),
        mem_mb=job_mem_mb("train"),
    params:
        python=PYTHON,
        config_hash=run_config_hash,
        paper=paper_flags,
    message:
        "train {wildcards.paper}/{wildcards.experiment} seed {wildcards.seed} ({wildcards.scale})"
    conda:
        CONDA_ENV
    shell:
        logged(
            "{params.python} -m vaebench train {params.paper} --experiment {wildcards.experiment}"
            " --scale {wildcards.scale} --seed {wildcards.seed} --out $(dirname {output})"
            " --threads {threads}"
            " --restart-if-changed --exit-with-workflow"
        )
