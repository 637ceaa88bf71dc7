"""YAML that refuses a repeated key: plain YAML lets the last of two equal keys win without a
word, so a spec with an artifact (or a reported number) given twice would be judged against
whichever came last."""

import yaml

MERGE = "tag:yaml.org,2002:merge"  # `<<: *anchor`: its keys may be overridden, by design


class UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        first_line: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                seen = first_line.get(key)
            except TypeError:  # an unhashable key: the safe loader's own error follows
                continue
            if seen is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' given twice (first on line {seen}); the last "
                    f"would silently win: keep one", key_node.start_mark)
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def load(text: str):
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
