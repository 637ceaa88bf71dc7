"""The package's import graph has no cycle, counting the imports inside functions too (a cycle
hidden in a function is still one: the modules cannot be understood or tested apart)."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "vaebench"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports, anywhere in the file."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
    return (found & modules) - {here}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imported(path, set(paths)) for name, path in paths.items()}


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (a list of modules, first == last), or None."""
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        trail.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return trail[trail.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        trail.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_package_has_no_import_cycle():
    found = cycle(import_graph())
    assert found is None, " -> ".join(found)


def test_the_check_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
    graph = import_graph()
    # the parser sees real imports
    assert "vaebench.data.datasets" in graph["vaebench.papers.asperti2020.latent_codes"]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` (import-linter) on the package under `root`, with pyproject's contract."""
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(command)], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)})


def test_every_layer_imports_only_from_those_below_it():
    result = lint_imports(PACKAGE.parent)
    assert result.returncode == 0, result.stdout[-2000:]


def test_the_layer_contract_catches_an_upward_import(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "vaebench")
    shutil.copy(PACKAGE.parent / "pyproject.toml", tmp_path)
    images = tmp_path / "vaebench" / "data" / "images.py"
    images.write_text(images.read_text() + "\nfrom vaebench.train import runs  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0 and "vaebench.data.images -> vaebench.train.runs" in result.stdout
