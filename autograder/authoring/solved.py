"""The released notebook with the reference solutions typed in: what a good student hands in.

The demo's sample submissions and the tool's own tests start from it (and then break it on
purpose), so a grading test always grades a notebook shaped like a real submission.
"""

from __future__ import annotations

import nbformat

from ..course import CourseRepo
from .release import student_notebook
from .solutions import BEGIN, END


def solved_notebook(repo: CourseRepo, assignment_id: str) -> nbformat.NotebookNode:
    """The student notebook of `assignment_id`, each solution cell filled with the reference code."""
    files = repo.source(assignment_id)
    source = nbformat.read(files.notebook, as_version=4)
    solutions = {str(c.get("id")): c.source for c in source.cells if c.cell_type == "code"}
    nb = student_notebook(files)
    for cell in nb.cells:
        if cell.cell_type == "code" and str(cell.get("id")) in solutions:
            lines = solutions[str(cell.get("id"))].splitlines()
            cell.source = "\n".join(line for line in lines if line.strip() not in (BEGIN, END))
    return nb


def notebook_bytes(nb: nbformat.NotebookNode) -> bytes:
    """The file a student's Jupyter would save."""
    return (nbformat.writes(nb) + "\n").encode()
