"""Release refuses notebooks that still hold nbgrader or otter markers it does not understand,
naming the notebook and the cell, so hidden tests and full solutions never ship.

Markers as documented by nbgrader (`### BEGIN HIDDEN TESTS`, `nbgrader` cell metadata with
`grade`/`solution`) and otter ("Notebook Format" v1: `# BEGIN QUESTION`, `# BEGIN TESTS`,
`# BEGIN TEST CONFIG`, `# HIDDEN`, `# SOLUTION` one-liners, `# BEGIN SOLUTION NO PROMPT`).
"""

from __future__ import annotations

import nbformat
import pytest
from fixtures.import_examples import nbgrader_problem1, otter_demo
from nbformat.v4 import new_code_cell, new_markdown_cell, new_raw_cell

from autograder.authoring.release import release
from autograder.course import CourseRepo
from autograder.errors import UserError


def use_notebook(course: CourseRepo, nb: nbformat.NotebookNode) -> str:
    path = course.source("squares").notebook
    nbformat.write(nb, path)
    return str(path)


def with_cell(course: CourseRepo, cell: nbformat.NotebookNode) -> int:
    """The example notebook with one more cell; returns that cell's index."""
    nb = nbformat.read(course.source("squares").notebook, as_version=4)
    nb.cells.append(cell)
    use_notebook(course, nb)
    return len(nb.cells) - 1


def graded(cell: nbformat.NotebookNode, **meta: object) -> nbformat.NotebookNode:
    cell.metadata["nbgrader"] = {"grade_id": "x", "schema_version": 3, **meta}
    return cell


FOREIGN = {
    "nbgrader hidden tests": new_code_cell("assert square(1) == 1\n### BEGIN HIDDEN TESTS\n"
                                           "assert square(3) == 9\n### END HIDDEN TESTS"),
    "nbgrader test cell": graded(new_code_cell("assert square(2) == 4"), grade=True,
                                 solution=False, points=1),
    "nbgrader whole-cell solution": graded(new_code_cell("def f():\n    return 42"),
                                           grade=False, solution=True),
    "otter question": new_raw_cell("# BEGIN QUESTION\nname: q1"),
    "otter tests": new_raw_cell("# BEGIN TESTS"),
    "otter hidden test": new_code_cell("# HIDDEN\nsquare(2.5) == 6.25"),
    "otter test config": new_code_cell('""" # BEGIN TEST CONFIG\nhidden: true\n'
                                       '""" # END TEST CONFIG\nsquare(2) == 4'),
    "otter solution line": new_code_cell("def cube(x):\n    return x**3 # SOLUTION"),
    "otter solution block": new_code_cell("def cube(x):\n    # BEGIN SOLUTION NO PROMPT\n"
                                          "    return x**3\n    # END SOLUTION"),
    "otter assignment config": new_raw_cell("# ASSIGNMENT CONFIG\ninit_cell: false"),
}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_each_foreign_marker_is_refused_naming_notebook_and_cell(
        example_course: CourseRepo, kind: str) -> None:
    index = with_cell(example_course, FOREIGN[kind])
    with pytest.raises(UserError) as caught:
        release(example_course, "squares")
    message = str(caught.value)
    assert "\n" not in message
    assert f"squares.ipynb: cell {index}:" in message
    assert not example_course.release_dir("squares").exists()


def test_nbgraders_own_example_is_refused_not_shipped(example_course: CourseRepo) -> None:
    use_notebook(example_course, nbgrader_problem1())
    with pytest.raises(UserError, match=r"squares\.ipynb: cell 5: nbgrader autograder test cell"):
        release(example_course, "squares")
    assert not example_course.release_dir("squares").exists()


def test_otters_own_example_is_refused_not_shipped(example_course: CourseRepo) -> None:
    use_notebook(example_course, otter_demo())
    with pytest.raises(UserError, match="cell 0: line 1: otter assignment config"):
        release(example_course, "squares")


def test_our_own_markers_and_ordinary_comments_still_release(example_course: CourseRepo) -> None:
    with_cell(example_course, new_code_cell("def cube(x):\n    # the solution is below\n"
                                            "    ### BEGIN SOLUTION\n    return x**3\n"
                                            "    ### END SOLUTION"))
    with_cell(example_course, new_markdown_cell("Tests are hidden; see # HIDDEN TESTS below?"))
    with_cell(example_course, new_code_cell("import numpy as np\n"
                                            "rng = np.random.default_rng(0)  # seed\n"
                                            "answer = 42  # the solution"))
    target = release(example_course, "squares")
    assert "x**3" not in (target / "squares.ipynb").read_text()
