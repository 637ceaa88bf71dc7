"""envs/vaebench.yaml (conda users) pins exactly what pyproject.toml (pip, CI) pins."""

import tomllib

import yaml

from tests.conftest import REPO


def test_conda_environment_matches_the_pip_pins():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    pip_pins = set(pyproject["project"]["dependencies"])
    env = yaml.safe_load((REPO / "envs" / "vaebench.yaml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert set(pip_section) == pip_pins
    python = next(item for item in env["dependencies"] if str(item).startswith("python"))
    assert python == "python=3.11" and ">=3.11,<3.12" in pyproject["project"]["requires-python"]
