"""The Snakefile and workflow/rules/*.smk are formatted by snakefmt, with pyproject.toml's
[tool.snakefmt] (the line length of ruff, a rule's items in tests/test_rule_shape.py's order), as
ruff checks the Python."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_workflow_is_formatted():
    snakefmt = Path(sys.executable).with_name("snakefmt")
    assert snakefmt.exists(), "snakefmt is not installed: pip install -e '.[test]'"
    result = subprocess.run([str(snakefmt), "--check", "--compact-diff", "Snakefile",
                             "workflow/rules"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, (f"run `snakefmt Snakefile workflow/rules`:\n"
                                    f"{result.stdout[-3000:]}{result.stderr[-1000:]}")
