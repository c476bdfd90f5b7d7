"""`autograder import otter` on otter-grader's tutorial demo notebook (format v1; rebuilt in
tests/fixtures/import_examples.py), then release and validate with the real sandbox.

Format rules from otter's documentation ("Otter Assign" > "Notebook Format", v1): raw delimiter
cells (`# ASSIGNMENT CONFIG`, `# BEGIN QUESTION` with name/points/manual, `# BEGIN SOLUTION`,
`# BEGIN TESTS`), solution removal (`# BEGIN SOLUTION [NO PROMPT]` ... `# END SOLUTION`, lines
ending in `# SOLUTION`, `# SEED`, prompt blocks), test cells (`# HIDDEN`, `# BEGIN TEST CONFIG`)
and the resolution of points per test.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from fixtures.import_examples import otter_demo

from autograder.authoring.release import release
from autograder.authoring.validate import validate
from autograder.course import CourseRepo
from autograder.importers.assignment import config_block, merge_config, write_assignment
from autograder.importers.otter import _points, _Question, import_master, solution_to_markers
from autograder.sandbox.kinds import make_launcher

HIDDEN_ONLY = ("square(2.5) == 6.25", "np.sqrt(3.0)", "next(f) == 21")
SOLUTION_ONLY = ("return x**2", "x, y = y, x + y", "yield 0")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "otter" / "demo.ipynb"
    path.parent.mkdir()
    nbformat.write(otter_demo(), path)
    return path


@pytest.fixture
def imported_course(example_course: CourseRepo, demo: Path) -> CourseRepo:
    imported = import_master(demo, "otter_demo")
    write_assignment(example_course, imported)
    merge_config(example_course, config_block(imported, datetime(2026, 12, 1, 23, 59)),
                 "otter_demo")
    return CourseRepo(example_course.root, example_course.workspace)


def test_questions_tests_and_visibility(demo: Path) -> None:
    imported = import_master(demo, "otter_demo")
    assert {n: (q.points, q.manual) for n, q in imported.questions.items()} == {
        "q1": (1.0, False), "q2": (1.0, False), "q4": (1.0, True)}
    hidden = {t.name for t in imported.tests if t.hidden}
    assert hidden == {"q1_3", "q1_4", "q2_2"}  # `# HIDDEN` and `hidden: true` in TEST CONFIG
    answer = [c for c in imported.notebook.cells if "autograder" in c.metadata]
    assert [c.metadata["autograder"]["answer"] for c in answer] == ["q4"]


def test_otter_delimiters_and_calls_leave_the_notebook(demo: Path) -> None:
    text = nbformat.writes(import_master(demo, "otter_demo").notebook)
    for marker in ("# BEGIN QUESTION", "# BEGIN TESTS", "# ASSIGNMENT CONFIG", "import otter",
                   "otter.Notebook", "# SOLUTION\\n"):
        assert marker not in text, marker
    assert "### BEGIN SOLUTION" in text


def test_solution_syntax_becomes_our_markers() -> None:
    source = ("def square(x):\n    y = x * x # SOLUTION NO PROMPT\n    return y # SOLUTION\n\n"
              "nine = square(3) # SOLUTION\nnp.random.seed(42) # SEED\n"
              "def circumference(r):\n    # BEGIN SOLUTION NO PROMPT\n    return 2 * pi * r\n"
              "    # END SOLUTION\n    \"\"\" # BEGIN PROMPT\n    pass\n    \"\"\"; # END PROMPT")
    assert solution_to_markers(source) == (
        "def square(x):\n    ### BEGIN SOLUTION\n    y = x * x\n    return y\n"
        "    ### END SOLUTION\n\n### BEGIN SOLUTION\nnine = square(3)\n### END SOLUTION\n"
        "np.random.seed(42)\ndef circumference(r):\n    ### BEGIN SOLUTION\n"
        "    return 2 * pi * r\n    ### END SOLUTION")


def test_points_follow_otters_rules() -> None:
    # the documentation's example: a 6-point question, 4 tests, two of them worth 2 points
    given = [({}, 2), ({}, None), ({}, 2), ({}, None)]
    q = _Question("q", 6, False, [("", {"points": p} if p is not None else {}, None, "")
                                  for _, p in given])
    assert _points(q) == [2.0, 1.0, 2.0, 1.0]
    q.points = None  # no question points: unspecified tests are worth 0
    assert _points(q) == [2.0, 0.0, 2.0, 0.0]
    q.tests = [("", {}, None, "")] * 4  # nothing specified: 1 point shared
    assert _points(q) == [0.25] * 4


def test_generator_tests_run_next_to_the_students_code(demo: Path) -> None:
    imported = import_master(demo, "otter_demo")
    q2 = next(t for t in imported.tests if t.name == "q2_1")
    import ast

    code = "\n".join(ast.unparse(s) for s in q2.body.body)
    assert "f = student.fiberator()" in code
    assert "student.evaluate('next(f)', f=f) == 0" in code


def test_release_ships_no_hidden_test_or_solution(imported_course: CourseRepo) -> None:
    target = release(imported_course, "otter_demo")
    shipped = "\n".join(p.read_text() for p in target.rglob("*") if p.is_file())
    for text in (*HIDDEN_ONLY, *SOLUTION_ONLY):
        assert text not in shipped, text
    assert "square(1) == 1" in shipped  # the public tests do ship


def test_imported_demo_validates_in_the_sandbox(imported_course: CourseRepo) -> None:
    launcher = make_launcher("bwrap-cold")
    try:
        report = validate(imported_course, "otter_demo", launcher)
    finally:
        launcher.close()
    assert report.problems == []
    assert report.reference.score == pytest.approx(2.0)  # q1 and q2; q4 is graded by people
    assert report.stub.score == 0


def test_broken_question_yaml_is_one_line_naming_the_cell(tmp_path: Path) -> None:
    from autograder.errors import UserError

    nb = otter_demo()
    nb.cells[3].source = "# BEGIN QUESTION\nname: [q1"
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(UserError, match=r"demo\.ipynb: cell 3: not valid YAML") as caught:
        import_master(path)
    assert "\n" not in str(caught.value)
    nb.cells[3].source = "# BEGIN QUESTION\nname: q1\npoints: many"
    nbformat.write(nb, path)
    with pytest.raises(UserError, match="points must be a number"):
        import_master(path)


def test_otter_v0_format_is_refused_in_one_line(tmp_path: Path) -> None:
    from autograder.errors import UserError

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("```\nBEGIN QUESTION\nname: q1\n```"),
        nbformat.v4.new_code_cell("def square(x):\n    return x**2 # SOLUTION"),
        nbformat.v4.new_code_cell("## Test ##\nsquare(2) == 4")])
    path = tmp_path / "v0.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(UserError, match=r"v0\.ipynb: .*v0 format") as caught:
        import_master(path)
    assert "\n" not in str(caught.value)


def test_a_test_without_recorded_output_is_not_imported_as_always_passing(demo: Path) -> None:
    nb = nbformat.read(demo, as_version=4)
    first_test = next(i for i, c in enumerate(nb.cells) if c.source == "square(1) == 1")
    nb.cells[first_test].source = "square(3)"
    nb.cells[first_test].outputs = []
    nbformat.write(nb, demo)
    imported = import_master(demo, "otter_demo")
    assert "q1_1" not in {t.name for t in imported.tests}
    assert any("expected output is not recorded" in note for note in imported.skipped)


def test_files_next_to_the_notebook_are_named(demo: Path) -> None:
    (demo.parent / "data.csv").write_text("a,b\n")
    imported = import_master(demo, "otter_demo")
    assert any("data.csv" in note and "data/" in note for note in imported.skipped)


def test_an_r_notebook_is_refused(tmp_path: Path) -> None:
    from autograder.errors import UserError

    nb = otter_demo()
    nb.metadata["kernelspec"] = {"display_name": "R", "language": "R", "name": "ir"}
    path = tmp_path / "r.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(UserError, match=r"r\.ipynb: a R notebook; only Python"):
        import_master(path)
