"""Points only for correct work: a notebook whose every function returns a constant, zeros, its
own input or an always-equal object scores 0 on every assignment of the course.

Property tests (inputs unchanged, dtype, shape) pass for such functions; they earn points only
when the functions they call are also correct (autograder/grading/scoring.py). The assignments
come from grading_config.yaml, so a new assignment is held to the same rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from autograder.course import CourseRepo

COURSE = CourseRepo(Path(__file__).resolve().parents[2])

BODIES = {
    "constant": "return 0.5",
    "zeros": "return np.zeros(3)",
    "input": "return args[0] if args else None",
    "always_equal": (
        "class AlwaysEqual:\n"
        "    def __eq__(self, other): return True\n"
        "    def __ne__(self, other): return False\n"
        "    def __bool__(self): return True\n"
        "return AlwaysEqual()"
    ),
}


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def student_definitions(assignment_id: str) -> list[tuple[str, bool]]:
    """(name, is_class) of what students implement: the release's stubs."""
    notebook = nbformat.read(COURSE.root / "release" / assignment_id / f"{assignment_id}.ipynb",
                             as_version=4)
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if (isinstance(node, ast.FunctionDef | ast.ClassDef)
                    and "NotImplementedError" in ast.unparse(node)):
                found.append((node.name, isinstance(node, ast.ClassDef)))
    return found


def degenerate(name: str, is_class: bool, body: str) -> str:
    if is_class:  # constructible, and calling an instance gives the degenerate value
        return (f"class {name}:\n    def __init__(self, *args, **kwargs):\n        pass\n"
                f"    def __call__(self, *args, **kwargs):\n        import numpy as np\n"
                f"{_indent(body, '        ')}\n")
    return f"def {name}(*args, **kwargs):\n    import numpy as np\n{_indent(body, '    ')}\n"


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("assignment_id", sorted(COURSE.config.assignments))
def test_degenerate_notebook_scores_zero(grade_variant, assignment_id: str, kind: str) -> None:
    definitions = student_definitions(assignment_id)
    assert definitions, f"no stubs found in the release of {assignment_id}"
    replacements = {name: degenerate(name, is_class, BODIES[kind])
                    for name, is_class in definitions}
    result = grade_variant(assignment_id, replacements)
    assert result.status == "graded", result.message
    earning = [(t.name, t.score) for t in result.tests if t.score > 0]
    assert result.score == 0, f"{kind} functions earned {result.score}: {earning}"
