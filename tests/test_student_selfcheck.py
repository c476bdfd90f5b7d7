"""Self-check inside the notebook: check()/check_all() against the live namespace, its display,
how the release folder is found, and a real Jupyter kernel rendering the result."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.release import SELF_CHECK_ID, release
from autograder.course import CourseRepo
from autograder.student.selfcheck import enable_checks
from autograder.student.timing import time_check

AID = "squares"


@pytest.fixture
def released(example_course: CourseRepo) -> Path:
    return release(example_course, AID)


def completed_notebook(repo: CourseRepo, folder: Path) -> nbformat.NotebookNode:
    """The released notebook with the instructor's code put back into each cell (same cell ids)."""
    solutions = {c.id: c.source for c in nbformat.read(repo.source(AID).notebook, as_version=4).cells}
    nb = nbformat.read(folder / f"{AID}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.id in solutions:
            cell.source = solutions[cell.id]
    return nb


def run_cells(nb: nbformat.NotebookNode, folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Execute the student's cells (not the self-check cell) into a namespace, in the folder."""
    monkeypatch.chdir(folder)
    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.id != SELF_CHECK_ID:
            try:
                exec(compile(cell.source, f"<cell {cell.id}>", "exec"), namespace)
            except NotImplementedError:
                pass
    return namespace


def test_stub_fails_with_teaching_message(released: Path, example_course: CourseRepo,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ns = run_cells(nbformat.read(released / f"{AID}.ipynb", as_version=4), released, monkeypatch)
    check, _ = enable_checks(AID, namespace=ns)
    report = check("square")
    assert not report.ok and report.passed == 0 and len(report.tests) == 1
    assert "Not done yet: replace `raise NotImplementedError()` in `square`" in report.tests[0].message
    text = repr(report)
    assert text.startswith("[FAIL] squares · square: 0 of 1 public tests passed")
    assert "ERROR" in text and "test_square.py::test_small" in text
    html = report._repr_html_()
    assert "FAIL" in html and "test_square.py::test_small" in html


def test_completed_notebook_passes(released: Path, example_course: CourseRepo,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ns = run_cells(completed_notebook(example_course, released), released, monkeypatch)
    check, check_all = enable_checks(AID, namespace=ns)
    assert check("total").ok
    report = check_all()
    assert report.ok and report.passed == 2
    assert {t.question for t in report.tests} == {"square", "total"}
    assert repr(report).startswith("[PASS] squares · all questions: 2 of 2 public tests passed")
    assert "PASS" in report._repr_html_()


def test_wrong_answer_shows_the_trap_hint(released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(released)
    ns = {"total": lambda x: float(sum(x))}
    check, _ = enable_checks(AID, namespace=ns)
    report = check("total")
    assert not report.ok and report.tests[0].status == "failed"
    assert "did you sum x instead of its squares?" in repr(report)


def test_only_public_tests_run(released: Path, example_course: CourseRepo,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    ns = run_cells(completed_notebook(example_course, released), released, monkeypatch)
    report = enable_checks(AID, namespace=ns)[1]()
    hidden = {p.name for p in example_course.source(AID).hidden_tests.glob("test_*.py")}
    assert hidden and not any(h in t.name for t in report.tests for h in hidden)


def test_html_escapes_student_text(released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(released)

    def square(x):
        raise ValueError("<script>alert(1)</script>")

    report = enable_checks(AID, namespace={"square": square})[0]("square")
    html = report._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>" in repr(report)


def test_unknown_question_lists_the_questions(released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(released)
    check, _ = enable_checks(AID, namespace={})
    report = check("squar")
    assert not report.ok and not report.tests
    assert 'Did you mean "square"?' in report.problem
    assert '"square", "total"' in report.problem
    assert '"square", "total"' in check().problem
    assert "nothing was checked" in repr(report) and "NOTE" in report._repr_html_()


def test_found_from_the_course_root_and_by_folder(released: Path, example_course: CourseRepo,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example_course.root)  # release/<id> below the cwd (a cloned course repo)
    assert enable_checks(AID, namespace={})[0]("square").tests
    monkeypatch.chdir(released / "tests")  # a parent of the cwd
    assert enable_checks(AID, namespace={})[0]("square").tests
    monkeypatch.chdir("/")
    assert enable_checks(AID, folder=released, namespace={})[0]("square").tests


def test_missing_folder_does_not_raise_in_the_first_cell(tmp_path: Path, capsys,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    check, check_all = enable_checks(AID, namespace={})
    assert "cannot find the release folder" in capsys.readouterr().out
    report = check("square")
    assert "folder=" in report.problem and not report.ok
    assert check_all().problem == report.problem


def test_another_assignments_folder_is_not_used(released: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = json.loads((released / "assignment.json").read_text())
    manifest["assignment"] = "other"
    (released / "assignment.json").write_text(json.dumps(manifest))
    monkeypatch.chdir(released)
    assert "cannot find" in enable_checks(AID, namespace={})[0]("square").problem
    report = enable_checks(AID, folder=released, namespace={})[0]("square")
    assert "holds assignment 'other', not 'squares'" in report.problem


def test_no_op_while_graded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGRADER_WORKER", "1")
    monkeypatch.chdir(tmp_path)  # no release folder anywhere: must not even look
    check, check_all = enable_checks(AID)
    assert check("square") is None and check_all() is None


def test_time_check_runs_the_notebook_and_one_check(released: Path, example_course: CourseRepo,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The timed call is one check of the question, against the notebook's own definitions."""
    from autograder.student import timing

    reports = []

    def recording(*args, **kwargs):
        check, check_all = enable_checks(*args, **kwargs)

        def timed(question: str):
            reports.append(check(question))
            return reports[-1]
        return timed, check_all

    monkeypatch.setattr(timing, "enable_checks", recording)
    solution = example_course.source(AID).notebook
    seconds = time_check(solution, "square", release=released)
    (report,) = reports  # passes only if the notebook's cells defined `square`
    assert report.scope == "square" and report.ok and isinstance(seconds, float)


def test_rendered_by_a_real_jupyter_kernel(released: Path, example_course: CourseRepo) -> None:
    from nbclient import NotebookClient

    nb = completed_notebook(example_course, released)
    nb.cells.append(nbformat.v4.new_code_cell('check("square")'))
    nb.cells.append(nbformat.v4.new_code_cell('check("nope")'))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(released)}}).execute()
    passed, unknown = nb.cells[-2].outputs[0], nb.cells[-1].outputs[0]
    assert passed.output_type == "execute_result"
    assert "square: 1 of 1 public tests passed" in passed.data["text/html"]
    assert passed.data["text/plain"].startswith("[PASS] squares · square")
    assert "There is no question 'nope'" in unknown.data["text/plain"]


def test_self_check_needs_no_linux_only_modules(released: Path) -> None:
    """A student's laptop may be macOS or Windows: no `resource`, no bubblewrap on this path."""
    import subprocess
    import sys

    code = ("import sys\nfrom autograder.student.selfcheck import enable_checks\n"
            "check, _ = enable_checks('squares', namespace={})\nassert check('square').tests\n"
            "print(sorted(m for m in ('resource', 'autograder.sandbox.launch', "
            "'autograder.sandbox.process') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], cwd=released, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
