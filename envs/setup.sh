#!/usr/bin/env bash
# Set up a fresh machine: .venv with vaebench and its pinned dependencies (pip).
# Conda users: envs/vaebench.yaml instead. Idempotent: re-running only checks the install.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
# FID weights: pytorch-fid downloads them on first use. Where there is no network, point
# VAEBENCH_FID_WEIGHTS at a local copy of pt_inception-2015-12-05-6726825d.pth.
if [ -n "${VAEBENCH_FID_WEIGHTS:-}" ]; then
  checkpoints="$(.venv/bin/python -c 'import torch; print(torch.hub.get_dir())')/checkpoints"
  mkdir -p "$checkpoints"
  ln -sf "$(realpath "$VAEBENCH_FID_WEIGHTS")" "$checkpoints/pt_inception-2015-12-05-6726825d.pth"
fi
.venv/bin/python -m vaebench check
