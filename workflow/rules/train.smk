# One job per training run: (scale, paper, experiment, seed) -> a run directory ending in done.json;
# an experiment with stack_seeds trains all its seeds in one job (rule train_stacked_*, below).


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
        scale=per_seed_scale_regex(),  # not the runs of a stacked job
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


# The seeds of a stack_seeds experiment as one vectorised model in one job (vaebench.train.stacked):
# its outputs are every seed's done.json, each run directory as a job per seed writes it.
for _paper_dir, _experiment, _seeds in STACKED:
    _runs = f"results/runs/{SCALE}/{_paper_dir}/{_experiment}"

    rule:
        name:
            f"train_stacked_{_paper_dir.replace('~', '__')}_{_experiment}"
        input:
            stacked_inputs(_paper_dir, _experiment, _seeds),
        output:
            [f"{_runs}/seed{seed}/done.json" for seed in _seeds],
        log:
            f"results/logs/train/{SCALE}/{_paper_dir}/{_experiment}/stacked.log",
        benchmark:
            f"results/benchmarks/train/{SCALE}/{_paper_dir}/{_experiment}/stacked.tsv"
        threads: config["train_threads"]
        resources:
            gpu=GPUS_PER_JOB,
            runtime=job_runtime("train") * len(_seeds),
            mem_mb=job_mem_mb("train"),
        params:
            python=PYTHON,
            config_hash=stacked_config_hash(_paper_dir, _experiment, _seeds),
            paper=paper_flags(SimpleNamespace(paper=_paper_dir)),
            experiment=_experiment,
            seeds=" ".join(map(str, _seeds)),
            out=seed_pattern(_runs),  # vaebench fills in each seed
        message:
            f"train {_paper_dir}/{_experiment} seeds {_seeds} as one stacked model ({SCALE})"
        conda:
            CONDA_ENV
        shell:
            logged(
                "{params.python} -m vaebench train {params.paper} --experiment {params.experiment}"
                f" --scale {SCALE} --seeds {{params.seeds}} --out '{{params.out}}'"
                " --threads {threads} --restart-if-changed --exit-with-workflow"
            )
