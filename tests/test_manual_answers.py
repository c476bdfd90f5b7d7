"""Answers to manual questions are captured from the sandboxed run, bounded and checked."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest
from manual_course import PLOT_CELL, QUESTION, add_manual_question

from autograder.course import CourseRepo
from autograder.grading.answers import PNG_SIGNATURE, checked_outputs
from autograder.grading.grade import GradingSpec, grade_path
from autograder.grading.results import Result
from autograder.sandbox import display_capture
from autograder.sandbox.display_capture import MAX_OUTPUTS, MAX_TEXT_BYTES
from autograder.sandbox.launch import Bubblewrap, NoSandbox


@pytest.fixture
def manual_course(example_course: CourseRepo) -> CourseRepo:
    add_manual_question(example_course)
    return example_course


def test_markdown_and_plot_answers_are_kept_through_json(manual_course: CourseRepo) -> None:
    spec = GradingSpec.from_repo(manual_course, "squares")
    result = grade_path(spec, manual_course.source("squares").notebook, NoSandbox())
    assert result.status == "graded" and result.score == result.max_score == 5
    again = Result.model_validate_json(result.model_dump_json())  # how grade-all stores it
    by_kind = {a.kind: a for a in again.answers if a.question == QUESTION}
    assert "quadratically" in by_kind["markdown"].text
    outputs = {o.mime: o.data for o in by_kind["code"].outputs}
    assert outputs["image/png"].startswith(PNG_SIGNATURE)
    assert outputs["text/plain"] == b"squares plotted\n"


def test_unmarked_cells_and_unknown_questions_are_not_answers(manual_course: CourseRepo) -> None:
    spec = GradingSpec.from_repo(manual_course, "squares")
    result = grade_path(spec, manual_course.source("squares").notebook, NoSandbox())
    assert {a.question for a in result.answers} == {QUESTION}
    assert len(result.answers) == 2


def test_what_the_worker_claims_is_checked_on_the_trusted_side() -> None:
    forged = [["image/png", b"<svg onload=alert(1)>"],       # not a PNG
              ["text/html", b"<script>alert(1)</script>"],   # never kept
              ["text/plain", "not bytes"],                     # wrong type
              "garbage",
              ["text/plain", b"x" * (10 * MAX_TEXT_BYTES)]]    # truncated
    kept = checked_outputs(forged)
    assert [o.mime for o in kept] == ["text/plain"]
    assert len(kept[0].data) == MAX_TEXT_BYTES
    many = checked_outputs([["text/plain", b"y"]] * 1000)
    assert len(many) == MAX_OUTPUTS
    assert checked_outputs({"not": "a list"}) == []


def test_a_plot_answer_is_captured_inside_bubblewrap(manual_course: CourseRepo) -> None:
    spec = GradingSpec.from_repo(manual_course, "squares")
    result = grade_path(spec, manual_course.source("squares").notebook, Bubblewrap())
    code = next(a for a in result.answers if a.kind == "code")
    assert result.status == "graded"
    assert any(o.mime == "image/png" and o.data.startswith(PNG_SIGNATURE) for o in code.outputs)


def _with_cells(repo: CourseRepo, *sources: str) -> Path:
    """The course's notebook, its plotted answer cell replaced by `sources[0]`, then the rest."""
    notebook = repo.source("squares").notebook
    nb = nbformat.read(notebook, as_version=4)
    answer = next(c for c in nb.cells if c.get("id") == "explain-plot")
    answer.source = sources[0]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources[1:]]
    path = notebook.with_name("variant.ipynb")
    nbformat.write(nb, path)
    return path


def test_a_worker_dying_while_its_figure_is_drawn_is_seen_at_once(
        manual_course: CourseRepo) -> None:
    """The copy that draws an answer's figure holds none of the worker's pipes: a later cell's
    exit is `crashed` when it happens, not a timeout at the cell limit. (Unconfined, so that
    nothing but the copy's own closing can end it: a sandbox's PID namespace would.)"""
    slow_figure = PLOT_CELL + ("\nimport time, matplotlib.figure\n"
                               "matplotlib.figure.Figure.savefig = lambda *a, **k: time.sleep(60)")
    path = _with_cells(manual_course, slow_figure, "import os\nos._exit(3)")
    result = grade_path(GradingSpec.from_repo(manual_course, "squares"), path, NoSandbox())
    assert result.cells[-1].status == "crashed", result.cells[-1]
    code = next(a for a in result.answers if a.kind == "code")  # the replayed cell's drawing
    assert code.outputs[-1].data == b"(the cell's figures could not be drawn in time)"


def test_a_figure_that_never_finishes_drawing_costs_only_itself(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display_capture, "DRAWING_WAIT", 0.5)
    plt = pytest.importorskip("matplotlib.pyplot")
    figure = plt.figure()
    monkeypatch.setattr(figure, "savefig", lambda *a, **k: time.sleep(60))
    drawing = display_capture.Drawing.start(())
    assert drawing is not None
    assert drawing.outputs() == [("text/plain", b"(the cell's figures could not be drawn in time)")]
    with pytest.raises(ChildProcessError):  # the copy is gone and reaped
        os.waitpid(drawing.pid, os.WNOHANG)


def test_the_drawing_copy_ends_before_its_figure_is_asked_for() -> None:
    """A figure larger than a default pipe (64 KiB) is written whole and the copy exits while
    the tests run: the grader's request at the end does not wait for it to draw or to end."""
    np = pytest.importorskip("numpy")
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.figure(figsize=(6, 6)).gca().imshow(np.random.default_rng(0).random((300, 300)))
    drawing = display_capture.Drawing.start(())
    assert drawing is not None
    deadline = time.monotonic() + 30
    while os.waitpid(drawing.pid, os.WNOHANG) == (0, 0):
        assert time.monotonic() < deadline, "the copy is still waiting to write its figure"
        time.sleep(0.05)
    (mime, png), = drawing.outputs()
    assert mime == "image/png" and png.startswith(PNG_SIGNATURE) and len(png) > 1 << 16


def test_a_worker_that_cannot_fork_draws_its_figures_itself(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A student who used up the process limit still has the answer's figure."""
    from IPython.core.interactiveshell import InteractiveShell

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    _, outputs, drawing = display_capture.run_capturing(
        InteractiveShell.instance(), "import matplotlib.pyplot as plt\nplt.plot([1, 2])")
    assert drawing is None
    assert any(mime == "image/png" and data.startswith(PNG_SIGNATURE) for mime, data in outputs)


def test_the_figure_is_drawn_as_the_cell_left_it(manual_course: CourseRepo) -> None:
    """A later cell that draws on the answer's figure changes nothing the TA sees."""
    spec = GradingSpec.from_repo(manual_course, "squares")
    plain = grade_path(spec, manual_course.source("squares").notebook, NoSandbox())
    kept = PLOT_CELL + "\nanswer_figure = plt.gcf()"
    later = "answer_figure.gca().plot(range(100), color='red')"
    changed = grade_path(spec, _with_cells(manual_course, kept, later), NoSandbox())
    png = [next(o.data for o in a.outputs if o.mime == "image/png")
           for r in (plain, changed) for a in r.answers if a.kind == "code"]
    assert len(png) == 2 and png[0] == png[1]
