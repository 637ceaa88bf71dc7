"""Concurrent jobs on a (simulated) multi-GPU machine each get their own device."""

import subprocess
import sys


def claim_in_subprocess(env, hold_seconds: float):
    code = ("import time, sys; from vaebench.train.gpu import claim_gpu; "
            f"print(claim_gpu(), flush=True); time.sleep({hold_seconds})")
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env=env)


def test_concurrent_jobs_get_distinct_gpus_and_a_released_one_is_reused(tmp_path, monkeypatch):
    import os

    env = {**os.environ, "VAEBENCH_GPUS": "0,1", "VAEBENCH_GPU_LOCKS": str(tmp_path)}
    first = claim_in_subprocess(env, 5)
    second = claim_in_subprocess(env, 5)
    claims = {first.stdout.readline().strip(), second.stdout.readline().strip()}
    assert claims == {"0", "1"}
    third = claim_in_subprocess(env, 0)
    assert third.communicate()[0].strip() == "None"  # both taken
    first.kill()  # a killed job's lock is released by the kernel
    first.wait()
    fourth = claim_in_subprocess(env, 0)
    assert fourth.communicate()[0].strip() in claims
    second.kill()
    second.wait()
