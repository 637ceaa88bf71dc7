"""The SLURM profile, for real: a small smoke target set submitted through sbatch.

Needs a SLURM cluster whose jobs can see this checkout (CI starts a single-node one with
.ci/slurm_local.sh and sets VAEBENCH_SLURM_TEST=1); elsewhere it is skipped, so that a
developer's test run never submits jobs to their site's cluster.
"""

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import copy_workflow

TARGETS = ["results/berger2020/figure2.csv",  # analytic: no training run
           "results/asperti2019/table1.csv"]  # one training run on real MNIST


def sacct_job_ids() -> set[str]:
    out = subprocess.run(["sacct", "-X", "-n", "-P", "--starttime", "now-1days",
                          "--format=JobID"], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def sacct(job: str) -> dict:
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-j", job,
                          "--format=State,Timelimit,ReqMem"],
                         capture_output=True, text=True, check=True).stdout
    state, limit, mem = out.strip().split("|")
    return {"state": state, "timelimit": limit, "reqmem": mem}


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("VAEBENCH_SLURM_TEST") != "1",
                    reason="no test cluster: set VAEBENCH_SLURM_TEST=1 where .ci/slurm_local.sh "
                           "started one")
def test_smoke_targets_run_through_sbatch(tmp_path, data_root):
    copy_workflow(tmp_path, "profiles")
    before = sacct_job_ids()
    # the test node has no GPU: the profile's GPU rules are told so, as the README says
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/slurm",
         *TARGETS, "--set-resources", "train:gpu=0", "fid_reference:gpu=0",
         # one idle node answers at once: poll after 5 s, not the plugin's 40 (CI time)
         "--slurm-init-seconds-before-status-checks", "5",
         "--config", "scale=smoke", f"data_root={data_root}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    for target in TARGETS:
        assert (tmp_path / target).exists() and (tmp_path / target).with_suffix(".png").exists()

    # every job was an sbatch submission: Snakemake logs the SLURM job id and the rule of each
    # (the plugin deletes its per-job logs of successful jobs)
    logs = dict(re.findall(r"submitted with SLURM jobid (\d+) \(log: \S*/slurm_logs/(rule_\w+)/",
                           result.stdout + result.stderr))
    # (the dataset check is a localrule: it runs where Snakemake runs; table1 is also built
    # under its alternative init_torch, one more run and one more build)
    assert sorted(logs.values()) == ["rule_artifact", "rule_artifact",
                                     "rule_artifact_alternative", "rule_train", "rule_train"]
    assert set(logs) <= sacct_job_ids() - before
    jobs = {logs[job]: sacct(job) for job in logs}
    assert {job["state"] for job in jobs.values()} == {"COMPLETED"}
    # runtime and memory come from JOB_LIMITS in workflow/rules/common.smk (smoke)
    assert jobs["rule_train"]["timelimit"] == "00:15:00"
    assert re.fullmatch(r"2000M?n?", jobs["rule_train"]["reqmem"])
    assert jobs["rule_artifact"]["timelimit"] == "00:15:00"
    assert re.fullmatch(r"4000M?n?", jobs["rule_artifact"]["reqmem"])
