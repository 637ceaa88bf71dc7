"""The workflow's DAG, planned from the specs (benchmarks/<paper>.yaml): which artifacts exist
and which can be built here (skips), what each job reads (inputs), a run's identity, the seeds
trained as one job (stacking), the targets asked for (targets), each job's resources and command
(jobs) and what the report shows (report). Functions of a `Plan` (context), which the rule files
call; they only declare rules. Reading a plan opens no socket: download hosts are probed only
when a dataset that is missing and may be downloaded is asked about (data_layer)."""

from vaebench.plan.context import Plan, load

__all__ = ["Plan", "load"]
