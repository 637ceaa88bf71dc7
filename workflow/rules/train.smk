# One job per training run: (scale, paper, experiment, seed) -> a run directory ending in done.json;
# an experiment with stack_seeds trains all its seeds in one job (rule train_stacked_*, below).


rule celeba_cache:
    # CelebA cropped and resized once per (crop, resize); every job that trains on it reads this.
    output:
        paths.celeba_cache(),
    wildcard_constraints:
        crop="crop128|crop140",
        resize="nearest|bilinear|bicubic",
    log:
        paths.log(paths.celeba_cache_job()),
    benchmark:
        paths.benchmark(paths.celeba_cache_job())
    threads: workflow.cores
    params:
        python=PYTHON,
    message:
        "prepare CelebA once into {output}: crop {wildcards.crop}, resize {wildcards.resize}"
    conda:
        CONDA_ENV
    shell:
        vb_jobs.logged(
            "{params.python} -m vaebench prepare-celeba --crop {wildcards.crop}"
            " --resize {wildcards.resize} --out {output}"
        )


rule dataset:
    input:
        dataset_inputs,
    output:
        paths.dataset_check(),
    log:
        paths.log(paths.dataset_job()),
    benchmark:
        paths.benchmark(paths.dataset_job())
    params:
        python=PYTHON,
    message:
        "check dataset {wildcards.dataset} (download it if allowed)"
    conda:
        CONDA_ENV
    shell:
        vb_jobs.logged(
            "{params.python} -m vaebench datasets --prepare {wildcards.dataset}"
            " --stamp {output}"
        )


rule train:
    input:
        run_inputs,
    output:
        paths.run_done(),
    wildcard_constraints:
        paper=r"[a-z]+\d{4}(~[a-z][a-z0-9_]*)?",  # <paper>~<alternative>: its alternative runs
        scale=vb_stacking.per_seed_scale_regex(PLAN),  # not the runs of a stacked job
    log:
        paths.log(paths.train_job()),
    benchmark:
        paths.benchmark(paths.train_job())
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
        vb_jobs.logged(
            "{params.python} -m vaebench train {params.paper} --experiment {wildcards.experiment}"
            " --scale {wildcards.scale} --seed {wildcards.seed} --out $(dirname {output})"
            " --threads {threads}"
            " --restart-if-changed --exit-with-workflow"
        )


# The seeds of a stack_seeds experiment as one vectorised model in one job (vaebench.train.stacked):
# its outputs are every seed's done.json, each run directory as a job per seed writes it.
for _paper_dir, _experiment, _seeds in STACKED:

    rule:
        name:
            f"train_stacked_{_paper_dir.replace('~', '__')}_{_experiment}"
        input:
            vb_inputs.stacked_inputs(PLAN, _paper_dir, _experiment, _seeds),
        output:
            [paths.run_done(SCALE, _paper_dir, _experiment, seed) for seed in _seeds],
        log:
            paths.log(paths.stacked_job(SCALE, _paper_dir, _experiment)),
        benchmark:
            paths.benchmark(paths.stacked_job(SCALE, _paper_dir, _experiment))
        threads: config["train_threads"]
        resources:
            gpu=GPUS_PER_JOB,
            runtime=job_runtime("train") * len(_seeds),
            mem_mb=job_mem_mb("train"),
        params:
            python=PYTHON,
            config_hash=vb_identity.stacked_config_hash(
                PLAN.specs, _paper_dir, _experiment, SCALE, _seeds
            ),
            paper=vb_jobs.paper_flags(_paper_dir),
            experiment=_experiment,
            seeds=" ".join(map(str, _seeds)),
            # <runs>/seed{seed}: vaebench fills in each seed
            out=unformatted(paths.run_dir(SCALE, _paper_dir, _experiment)),
        message:
            f"train {_paper_dir}/{_experiment} seeds {_seeds} as one stacked model ({SCALE})"
        conda:
            CONDA_ENV
        shell:
            vb_jobs.logged(
                "{params.python} -m vaebench train {params.paper} --experiment {params.experiment}"
                f" --scale {SCALE} --seeds {{params.seeds}} --out '{{params.out}}'"
                " --threads {threads} --restart-if-changed --exit-with-workflow"
            )
