"""The SLURM profile keeps its per-rule resources when a site's account and partition are added
as the documentation says (a profile of the site's own), and gives the CelebA cache memory.

Snakemake merges profiles key by key and a command-line option replaces a profile's whole key:
a workflow profile with `default-resources` hides a site profile's, and `--default-resources`
on the command line replaced the profile's mapping. Checked by a dry run (no cluster needed)."""

import re
import subprocess
import sys

import yaml

from tests.conftest import REPO, copy_workflow

PROFILE = REPO / "profiles" / "slurm" / "config.yaml"


def test_the_profile_sets_no_site_values_and_the_rules_needs():
    profile = yaml.safe_load(PROFILE.read_text())
    assert "default-resources" not in profile  # a site profile's default-resources pass through
    assert "slurm_account" not in PROFILE.read_text().split("set-resources:")[1]
    assert "slurm_partition" not in PROFILE.read_text().split("set-resources:")[1]
    rules = profile["set-resources"]
    assert rules["train"]["gpu"] == 1 and rules["fid_reference"]["gpu"] == 1
    assert rules["celeba_cache"]["mem_mb"] >= 2 * 2300  # the 2.3 GB cache, and room beside it


def job_resources(output: str) -> dict[str, list[dict[str, str]]]:
    """rule -> the resources of each of its jobs, from a dry run's job listing."""
    found: dict[str, list[dict[str, str]]] = {}
    for rule, listed in re.findall(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    resources: (.*)$",
                                   output, flags=re.MULTILINE):
        found.setdefault(rule, []).append(dict(item.split("=", 1)
                                               for item in listed.split(", ")))
    return found


def test_a_site_profile_adds_account_and_partition_and_keeps_the_rules_resources(
        tmp_path, data_root):
    copy_workflow(tmp_path, "profiles")
    # the rules' messages replace the job details in a dry run's listing: drop them in the copy
    for rules in (tmp_path / "workflow" / "rules").glob("*.smk"):
        rules.write_text(re.sub(r"\n(\s+)message:\n\1    [^\n]*\n", "\n", rules.read_text()))
    site = tmp_path / "site"
    site.mkdir()
    (site / "config.yaml").write_text(yaml.safe_dump(
        {"default-resources": {"slurm_account": "proj42", "slurm_partition": "batch"}}))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", str(site), "--workflow-profile",
         "profiles/slurm", "-n", "results/asperti2019/table1.csv",
         "results/data/celeba_crop128_bilinear.pt", "results/fid/mnist_test_n100.npz",
         "--config", "scale=smoke", f"data_root={data_root}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = job_resources(result.stdout + result.stderr)
    assert {"train", "artifact", "celeba_cache", "fid_reference"} <= set(jobs), sorted(jobs)
    for rule, each in jobs.items():
        for resources in each:
            assert resources["slurm_account"] == "proj42", rule
            assert resources["slurm_partition"] == "batch", rule
    train = jobs["train"][0]
    assert train["gpu"] == "1" and train["runtime"] == "15" and train["mem_mb"] == "2000"
    assert jobs["fid_reference"][0]["gpu"] == "1"
    assert "gpu" not in jobs["artifact"][0] or jobs["artifact"][0]["gpu"] == "0"
    assert jobs["celeba_cache"][0]["mem_mb"] == "6000"
