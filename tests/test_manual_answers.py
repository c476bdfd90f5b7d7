"""Answers to manual questions are captured from the sandboxed run, bounded and checked."""

from __future__ import annotations

import pytest
from manual_course import QUESTION, add_manual_question

from autograder.course import CourseRepo
from autograder.grading.answers import PNG_SIGNATURE, checked_outputs
from autograder.grading.grade import GradingSpec, grade_path
from autograder.grading.results import Result
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
