#!/usr/bin/env bash
# The test suite: lint, unit tests, and the whole Snakemake DAG at smoke scale (tests/test_workflow.py).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/python -m pytest -ra "$@"
