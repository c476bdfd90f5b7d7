"""Finding and swapping a notebook's top-level `def`/`class`: for samples, mutants and demos."""

from __future__ import annotations

import ast

import nbformat


def _span(source: str, name: str) -> tuple[int, int] | None:
    """First and last line (0-based, end exclusive) of `def name`/`class name`, decorators included."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            return start, node.end_lineno or start + 1
    return None


def definition_source(nb: nbformat.NotebookNode, name: str) -> str | None:
    """The full source of the notebook's top-level definition of `name`."""
    for cell in nb.cells:
        if cell.cell_type == "code" and (span := _span(cell.source, name)):
            return "\n".join(cell.source.splitlines()[span[0]:span[1]])
    return None


def replace_definition(nb: nbformat.NotebookNode, name: str, new_source: str) -> bool:
    """Swap the definition of `name` in place; False if the notebook has none."""
    for cell in nb.cells:
        if cell.cell_type == "code" and (span := _span(cell.source, name)):
            lines = cell.source.splitlines()
            cell.source = "\n".join(lines[:span[0]] + new_source.strip("\n").splitlines()
                                    + lines[span[1]:])
            return True
    return False
