"""Every rule lists its items in one order, as pypsa-eur's rules do, so a reader finds a rule's
inputs, outputs, log and resources where every other rule has them."""

import re
from pathlib import Path

RULES = Path(__file__).resolve().parents[1] / "workflow" / "rules"
ORDER = ["input", "output", "wildcard_constraints", "log", "benchmark", "threads", "resources",
         "params", "message", "conda", "shell", "run"]


def rule_items(text: str) -> dict[str, list[str]]:
    """{rule: its items in the order written} of a .smk file."""
    rules, current = {}, None
    for line in text.splitlines():
        if header := re.match(r"^(?:rule|checkpoint) (\w+):", line):
            current = rules.setdefault(header.group(1), [])
        elif current is not None and (item := re.match(r"^    (\w+):", line)):
            current.append(item.group(1))
        elif line and not line.startswith((" ", "#")):
            current = None
    return rules


def out_of_order(items: list[str]) -> list[str]:
    positions = [ORDER.index(item) if item in ORDER else -1 for item in items]
    return [item for item, pos, before in zip(items[1:], positions[1:], positions, strict=False)
            if pos < before or pos < 0]


def test_every_rule_lists_its_items_in_one_order():
    for path in sorted(RULES.glob("*.smk")):
        for rule, items in rule_items(path.read_text()).items():
            assert items, f"{path.name}: rule {rule} has no items"
            assert not out_of_order(items), f"{path.name}: rule {rule}: {items}"


def test_the_check_sees_a_rule_out_of_order():
    text = "rule a:\n    output: 'x'\n    input: 'y'\n    shell: 'z'\n"
    assert rule_items(text) == {"a": ["output", "input", "shell"]}
    assert out_of_order(rule_items(text)["a"]) == ["input"]
