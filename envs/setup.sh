#!/usr/bin/env bash
# Set up a fresh machine: .venv with vaebench and its pinned dependencies (pip).
# Conda users: envs/vaebench.yaml instead. Idempotent: re-running only checks the install.
set -euo pipefail
# FID weights given by hand: checked, and made absolute, before anything is installed or linked
if [ -n "${VAEBENCH_FID_WEIGHTS:-}" ]; then
  if [ ! -f "$VAEBENCH_FID_WEIGHTS" ]; then
    echo "envs/setup.sh: error: VAEBENCH_FID_WEIGHTS=$VAEBENCH_FID_WEIGHTS is not a file;" \
      "point it at a copy of pt_inception-2015-12-05-6726825d.pth, or unset it" >&2
    exit 2
  fi
  VAEBENCH_FID_WEIGHTS="$(realpath "$VAEBENCH_FID_WEIGHTS")"
fi
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
  ln -sf "$VAEBENCH_FID_WEIGHTS" "$checkpoints/pt_inception-2015-12-05-6726825d.pth"
fi
.venv/bin/python -m vaebench check
