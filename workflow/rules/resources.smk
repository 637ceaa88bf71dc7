# Wall time and memory per job, by rule and scale: what a cluster scheduler needs to place a job
# (SLURM: --time, --mem). Locally they are only tokens, limited only by `--resources mem_mb=N`.
# Which jobs take a GPU is the profile's business (workflow/profiles/slurm/config.yaml): the machine
# that submits the jobs may have none.

# rule: {scale: (runtime in minutes, mem_mb)}. Generous on purpose: a job killed at its time
# limit costs more than one that waits a little longer in the queue. `paper` training runs are up
# to 1000 epochs of a conv net (Berger & Sebag's MNIST runs), about a day on one GPU.
JOB_LIMITS = {
    "train": {"smoke": (15, 2000), "quick": (240, 8000), "paper": (2880, 16000)},
    "fid_reference": {"smoke": (15, 4000), "quick": (60, 8000), "paper": (240, 16000)},
    "artifact": {"smoke": (15, 4000), "quick": (120, 8000), "paper": (720, 32000)},
}


def job_runtime(rule):
    return JOB_LIMITS[rule][SCALE][0]


def job_mem_mb(rule):
    return JOB_LIMITS[rule][SCALE][1]
