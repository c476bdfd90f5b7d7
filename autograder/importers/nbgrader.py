"""`autograder import nbgrader`: an nbgrader source notebook (or course folder) in our format.

nbgrader's format, from its documentation ("Creating and grading assignments", and the example
course's source/ps1/problem1.ipynb): cell metadata `nbgrader` with `grade_id`, `points`,
`solution` (the student writes here), `grade` (graded), `task`; code solutions between
`### BEGIN SOLUTION` / `### END SOLUTION` (a solution cell without them is all solution);
autograder test cells (`grade: true`, not `solution`) whose `### BEGIN HIDDEN TESTS` /
`### END HIDDEN TESTS` part is never shown to students. Here:
- each graded cell's grade id becomes a question with its points;
- a test cell's visible part becomes a public test, the whole cell (visible and hidden parts,
  which share their variables) a hidden test, each half of the question's points;
- manually graded cells (solution and grade, or task) become `manual: true` questions and
  their cells are marked as the answers;
- test cells leave the notebook: the tests live in tests/ and run in the grader.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from ..errors import UserError
from ..notebook import read_notebook
from .assignment import (
    ImportedAssignment,
    ImportedQuestion,
    ImportedTest,
    identifier,
    new_notebook_like,
    points_value,
)
from .rewrite import NotebookNames, Untranslatable, translate

HIDDEN_BEGIN = re.compile(r"^\s*#+\s*BEGIN\s+HIDDEN\s+TESTS\s*$", re.I)
HIDDEN_END = re.compile(r"^\s*#+\s*END\s+HIDDEN\s+TESTS\s*$", re.I)
SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"


def _source(cell: nbformat.NotebookNode) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def split_hidden(source: str) -> tuple[str, str | None]:
    """The visible part of a test cell, and the whole cell when it has hidden tests."""
    visible, inside, seen = [], False, False
    whole = []
    for line in source.splitlines():
        if HIDDEN_BEGIN.match(line):
            if inside:
                raise Untranslatable("### BEGIN HIDDEN TESTS inside another hidden block")
            inside = seen = True
            continue
        if HIDDEN_END.match(line):
            if not inside:
                raise Untranslatable("### END HIDDEN TESTS without a BEGIN")
            inside = False
            continue
        whole.append(line)
        if not inside:
            visible.append(line)
    if inside:
        raise Untranslatable("### BEGIN HIDDEN TESTS is never closed")
    return "\n".join(visible), ("\n".join(whole) if seen else None)


def _has_code(source: str) -> bool:
    """More than a docstring and comments."""
    lines = [line for line in source.splitlines() if line.strip() and
             not line.strip().startswith("#")]
    return bool(lines) and not (len(lines) == 1 and lines[0].strip()[:3] in ('"""', "'''"))


def _wrapped(source: str) -> str:
    if any(line.strip() == SOLUTION_BEGIN for line in source.splitlines()):
        return source
    return f"{SOLUTION_BEGIN}\n{source}\n{SOLUTION_END}"


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def import_notebook(path: Path, assignment_id: str) -> ImportedAssignment:
    nb = read_notebook(path)
    names = NotebookNames()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and not (meta.get("grade") and not meta.get("solution")):
            names.add_cell(_source(cell))
    out = new_notebook_like(nb, path)
    imported = ImportedAssignment(assignment_id, _title(nb, path.stem), path, out)
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = _source(cell)
        gid = str(meta.get("grade_id") or f"cell-{index}")
        where = f"cell {index} (grade_id {gid})"
        points = points_value(meta.get("points"), f"{path}: {where}") or 0.0
        if (meta.get("grade") or meta.get("task")) and points == 0:
            imported.skipped.append(f"{where}: worth 0 points in nbgrader, so not a question")
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                continue
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            question = imported.add_question(gid, ImportedQuestion(points, origin=where))
            _import_tests(imported, question, source, names, where)
            continue
        if meta.get("solution"):
            source = _wrapped(source)
        new = (nbformat.v4.new_code_cell(source) if cell.cell_type == "code" else
               nbformat.v4.new_markdown_cell(source) if cell.cell_type == "markdown" else
               nbformat.v4.new_raw_cell(source))
        if ((meta.get("grade") and meta.get("solution")) or meta.get("task")) and points > 0:
            question = imported.add_question(gid, ImportedQuestion(points, manual=True,
                                                                   origin=where))
            imported.mark_answer(new, question)
        out.cells.append(new)
    return imported.finish()


def _import_tests(imported: ImportedAssignment, question: str, source: str,
                  names: NotebookNames, where: str) -> None:
    try:
        visible, whole = split_hidden(source)
        parts = []
        if _has_code(visible):
            parts.append((False, translate(visible, names)))
        if whole is not None:
            parts.append((True, translate(whole, names)))
    except Untranslatable as exc:
        imported.skipped.append(f"{where}: {exc}")
        return
    for hidden, body in parts:
        imported.tests.append(ImportedTest(question, question + ("_hidden" if hidden else ""),
                                           body, hidden, origin=where))


def notebooks_of(path: Path) -> list[tuple[Path, str]]:
    """(notebook, assignment id) for a notebook, an assignment folder, or a course folder with
    nbgrader's source/<assignment>/ layout."""
    if path.is_file():
        return [(path, identifier(path.stem, "assignment"))]
    if not path.is_dir():
        raise UserError(f"{path}: no such notebook or folder")
    folders = sorted(p for p in (path / "source").iterdir() if p.is_dir()) \
        if (path / "source").is_dir() else [path]
    found = []
    for folder in folders:
        books = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
        for book in books:
            aid = folder.name if len(books) == 1 else f"{folder.name}_{book.stem}"
            found.append((book, identifier(aid, "assignment")))
    if not found:
        raise UserError(f"{path}: no notebooks found (expected *.ipynb or source/<assignment>/)")
    return found
