"""Evaluation of finished runs: FID (features, references, runs) and the verdict of a replicated
number against a reported one."""
