"""Markers of nbgrader and otter that release does not understand: refused, never shipped.

A notebook brought over from nbgrader or otter without `autograder import` still holds their
markers. Release only understands `### BEGIN SOLUTION` / `### END SOLUTION`; anything else would
reach students as written: nbgrader's hidden tests (`### BEGIN HIDDEN TESTS`, nbgrader docs,
"Autograder tests" cells), otter's test and question blocks and its solution one-liners (otter
docs, "Notebook Format" v1: `# BEGIN QUESTION`, `# BEGIN TESTS`, `# BEGIN TEST CONFIG`,
`# HIDDEN`, `... # SOLUTION`, `# BEGIN SOLUTION NO PROMPT`), and whole-cell solutions that
nbgrader marks in cell metadata (`nbgrader.solution: true` without markers, or an autograder
test cell, `nbgrader.grade: true` with code).
"""

from __future__ import annotations

import re

from ..errors import UserError
from .solutions import BEGIN, END

LINE_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*#+\s*(BEGIN|END)\s+HIDDEN\s+TESTS\b", re.I), "nbgrader hidden tests"),
    (re.compile(r"^\s*#+\s*(BEGIN|END)\s+TESTS?\b", re.I), "otter test block"),
    (re.compile(r"^\s*#+\s*(BEGIN|END)\s+QUESTION\b", re.I), "otter question block"),
    (re.compile(r"^\s*(\"\"\"|''')?\s*#\s*(BEGIN|END)\s+TEST\s+CONFIG\b", re.I), "otter test config"),
    (re.compile(r"^\s*#+\s*ASSIGNMENT\s+CONFIG\b", re.I), "otter assignment config"),
    (re.compile(r"^\s*#+\s*HIDDEN\s*$", re.I), "otter hidden test"),
    (re.compile(r"^\s*##\s*(Hidden\s+)?Test\s*##", re.I), "otter (v0) test cell"),
    # upper case only, as otter's own regular expressions (otter/assign/solutions.py): a comment
    # such as `# seed` is not a marker
    (re.compile(r"#\s?(SOLUTION( NO PROMPT)?|SEED)\s*$"), "otter solution line"),
    (re.compile(r"^\s*#+\s*(BEGIN|END)\s+SOLUTION\b", re.I), "solution marker in a form "
     "release does not understand"),
    (re.compile(r"^\s*(\"\"\"|''')?;?\s*#\s*(BEGIN|END)\s+PROMPT\b", re.I), "otter prompt block"),
    (re.compile(r"^\s*(<!--)?\s*BEGIN\s+(QUESTION|ASSIGNMENT)\b", re.I), "otter (v0) metadata"),
)


def foreign_marker(cell: dict) -> str | None:
    """What in this cell release does not understand, or None."""
    source = cell.get("source", "")
    source = source if isinstance(source, str) else "".join(source)
    for number, line in enumerate(source.splitlines(), start=1):
        if line.strip() in (BEGIN, END):
            continue
        for pattern, what in LINE_MARKERS:
            if pattern.search(line):
                return f"line {number}: {what} ({line.strip()[:60]!r})"
    meta = cell.get("metadata", {}).get("nbgrader")
    if isinstance(meta, dict):
        has_markers = any(line.strip() == BEGIN for line in source.splitlines())
        if meta.get("solution") and not has_markers and source.strip():
            return "nbgrader solution cell without ### BEGIN SOLUTION markers (the whole cell " \
                   "is its solution)"
        if meta.get("grade") and not meta.get("solution") and cell.get("cell_type") == "code" \
                and source.strip():
            return "nbgrader autograder test cell (nbgrader.grade: true)"
    return None


def refuse_foreign_markers(cell: dict, where: str) -> None:
    """Raise a one-line UserError naming the notebook and cell when `cell` holds such markers."""
    found = foreign_marker(cell)
    if found:
        raise UserError(f"{where}: {found}; release would ship it to students. Convert the "
                        "notebook with `autograder import nbgrader` or `autograder import otter`")
