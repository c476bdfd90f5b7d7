"""YAML for files people edit by hand: a repeated key is an error, dates stay text.

PyYAML's safe loader keeps the last of two equal keys without a word (YAML 1.2 says mapping keys
are unique, https://yaml.org/spec/1.2.2/#mapping), so a copied assignment block someone forgot to
rename silently replaces the first one. It also turns `2026-11-31 23:59` into a datetime itself and
fails with a bare ValueError; keeping timestamps as text lets the schema say which key is wrong.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import UserError


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys and leaves timestamps as strings."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        first_line: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                continue  # unhashable keys are reported by the base class
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise DuplicateKeyError(key, first_line[key], line)
            first_line[key] = line
        return super().construct_mapping(node, deep=deep)


StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: object, first: int, second: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.first, self.second = key, first, second


def load_yaml(path: Path, text: str) -> object:
    """Parse `text` (read from `path`); every problem is one UserError line with `path:line`."""
    try:
        return yaml.load(text, Loader=StrictLoader)
    except DuplicateKeyError as exc:
        raise UserError(f"{path}:{exc.second}: duplicate key {exc.key!r}: it is already defined "
                        f"at line {exc.first} (a copied block not renamed?)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{path}{where}: not valid YAML: {problem}") from None
