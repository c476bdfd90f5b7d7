"""`autograder release`: build release/<id>/ from source/<id>/, byte-for-byte reproducibly.

The student folder holds the notebook with stubs in place of solutions (outputs cleared, cell ids
kept), the public tests, the data, assignment.json (what self-checking needs) and SELF_CHECK.md
(how to self-check on Colab and on a laptop). Hidden tests,
solutions and cells tagged `instructor-only` never get there. The new folder is built aside and
swapped in whole, so a refused release leaves the previous one untouched.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import nbformat

from ..course import AssignmentFiles, CourseRepo
from ..notebook import ANSWER_KEY, answer_mark, read_notebook
from ..student.guide import GUIDE_NAME, self_check_guide
from .foreign import refuse_foreign_markers
from .layout import checked_tests
from .solutions import strip_solutions

INSTRUCTOR_TAG = "instructor-only"
SELF_CHECK_ID = "autograder-self-check"
SELF_CHECK_SOURCE = """\
# Self-check: check("question") runs that question's public tests against this notebook,
# check_all() runs them all. Run this cell first. On Colab, or if `autograder` is not installed:
# SELF_CHECK.md in this folder says how (one upload, two lines).
from autograder.student.selfcheck import enable_checks

check, check_all = enable_checks("{aid}")"""
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def student_notebook(files: AssignmentFiles) -> nbformat.NotebookNode:
    nb = read_notebook(files.notebook)
    cells = [nbformat.v4.new_code_cell(SELF_CHECK_SOURCE.format(aid=files.id))]
    cells[0].id = SELF_CHECK_ID
    for index, cell in enumerate(nb.cells):
        if INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        where = f"{files.notebook}: cell {index}"
        refuse_foreign_markers(cell, where)
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(strip_solutions(source, where, code=True))
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(strip_solutions(source, where, code=False))
        else:
            new = nbformat.v4.new_raw_cell(source)
        new.id = str(cell.get("id") or f"cell-{index}")
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if t != INSTRUCTOR_TAG]
        if tags:
            new.metadata["tags"] = tags
        answer = answer_mark(cell)
        if answer is not None:  # the grader shows this cell to the TA grading `answer`
            new.metadata[ANSWER_KEY] = {"answer": answer}
        cells.append(new)
    out = nbformat.v4.new_notebook(cells=cells)
    for key in ("kernelspec", "language_info"):
        if key in nb.metadata:
            out.metadata[key] = nb.metadata[key]
    out.metadata["autograder"] = {"assignment": files.id}
    nbformat.validate(out)
    return out


def assignment_manifest(repo: CourseRepo, assignment_id: str) -> dict:
    """The public facts about an assignment that the student's tools need."""
    a = repo.config.assignment(assignment_id)
    return {
        "assignment": assignment_id,
        "title": a.title,
        "due": repo.config.deadline(assignment_id).isoformat(),
        "questions": {name: {"points": q.points, "forbidden": q.forbidden}
                      | ({"manual": True} if q.manual else {})
                      for name, q in a.questions.items()},
        "question_order": list(a.questions),  # the keys above are sorted; this is the notebook's
        "limits": repo.config.limits.model_dump(),
    }


def release(repo: CourseRepo, assignment_id: str) -> Path:
    files = repo.source(assignment_id)
    checked_tests(repo, assignment_id)
    notebook = student_notebook(files)
    target = repo.release_dir(assignment_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{assignment_id}-", dir=target.parent))
    try:
        (staging / files.notebook.name).write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
        shutil.copytree(files.public_tests, staging / "tests" / "public", ignore=IGNORED)
        if files.data.is_dir():
            shutil.copytree(files.data, staging / "data", ignore=IGNORED)
        manifest = json.dumps(assignment_manifest(repo, assignment_id), indent=2, sort_keys=True)
        (staging / "assignment.json").write_text(manifest + "\n", encoding="utf-8")
        guide = self_check_guide(assignment_id, repo.config.assignment(assignment_id))
        (staging / GUIDE_NAME).write_text(guide, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
