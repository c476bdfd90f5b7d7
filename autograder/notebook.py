"""Reading notebooks as untrusted input: size limits, JSON, nbformat 4 validation, code cells."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .config import CourseLimits
from .errors import UserError


class InvalidNotebook(UserError):
    """The file is not a usable notebook; the message is one line for the student and the TA."""


ANSWER_KEY = "autograder"  # cell metadata {"autograder": {"answer": "<manual question>"}}


def answer_mark(cell: dict) -> str | None:
    """The manual question a cell answers, if its metadata marks it as an answer cell."""
    mark = cell.get("metadata", {}).get(ANSWER_KEY)
    answer = mark.get("answer") if isinstance(mark, dict) else None
    return answer if isinstance(answer, str) and answer else None


MAX_DEPTH = 100  # JSON nesting levels a submitted notebook may have
DEFAULT_LIMITS = CourseLimits()  # where no course says otherwise (a student's own machine)


@dataclass(frozen=True)
class CodeCell:
    """A code cell as the worker runs it."""

    index: int  # position among all cells
    cell_id: str
    source: str
    answer: str | None = None  # the manual question this cell's outputs answer


def parse_notebook(data: bytes, name: str,
                   max_bytes: int = DEFAULT_LIMITS.notebook_bytes) -> nbformat.NotebookNode:
    if len(data) > max_bytes:
        raise InvalidNotebook(f"{name}: notebook is {len(data) // 1024} KiB, over the limit of "
                              f"{max_bytes // 1024} KiB")
    if not data.strip():
        raise InvalidNotebook(f"{name}: the file is empty")
    try:
        raw = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise InvalidNotebook(f"{name}: not a notebook (its JSON is nested too deeply)") from None
    except UnicodeDecodeError:
        raise InvalidNotebook(f"{name}: not a notebook (binary data, not UTF-8 JSON)") from None
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(f"{name}: not a notebook (invalid JSON at line {exc.lineno}: "
                              f"{exc.msg})") from None
    if not _nesting_within(raw, MAX_DEPTH):
        raise InvalidNotebook(f"{name}: not a notebook (its JSON is nested more than {MAX_DEPTH} "
                              "levels deep)")
    if not isinstance(raw, dict) or "cells" not in raw:
        raise InvalidNotebook(f"{name}: not a notebook (no cells)")
    if raw.get("nbformat") != 4:
        raise InvalidNotebook(f"{name}: nbformat {raw.get('nbformat')!r} is not supported; "
                              "save it with a current Jupyter (nbformat 4)")
    try:
        nb = nbformat.from_dict(raw)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidNotebook(f"{name}: not a valid notebook: {first[:200]}") from None
    return nb


def _nesting_within(value: object, limit: int) -> bool:
    """Whether the parsed JSON nests at most `limit` levels (iterative: no recursion to exhaust).

    A real notebook nests about ten levels (widget state a few more); the bound keeps every later
    recursive step (nbformat's validation, copies, the gradebook's JSON) far from Python's limit."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return True


def read_bytes(path: Path) -> bytes:
    """A file's bytes, or InvalidNotebook with a one-line reason."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidNotebook(f"{path}: file not found") from None
    except OSError as exc:
        raise InvalidNotebook(f"{path}: cannot be read: {exc.strerror or exc}") from None


def read_notebook(path: Path,
                  max_bytes: int = DEFAULT_LIMITS.notebook_bytes) -> nbformat.NotebookNode:
    return parse_notebook(read_bytes(path), str(path), max_bytes)


def code_cells(nb: nbformat.NotebookNode) -> list[CodeCell]:
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
            cells.append(CodeCell(index, str(cell.get("id", index)), source, answer_mark(cell)))
    return cells
