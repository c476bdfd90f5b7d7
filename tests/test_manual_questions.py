"""Manual questions: declared with a rubric in grading_config.yaml, answered in marked cells."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.authoring.layout import checked_tests
from autograder.authoring.release import release
from autograder.config import load_config
from autograder.course import CourseRepo
from autograder.errors import UserError
from autograder.notebook import answer_mark


def _add_manual(repo: CourseRepo, question: dict) -> None:
    path = repo.root / "grading_config.yaml"
    data = yaml.safe_load(path.read_text())
    data["assignments"]["squares"]["questions"]["explain"] = question
    path.write_text(yaml.safe_dump(data))


def _mark_answer(repo: CourseRepo, text: str) -> None:
    path = repo.root / "source" / "squares" / "squares.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = "explain-answer"
    cell.metadata["autograder"] = {"answer": "explain"}
    nb.cells.append(cell)
    nbformat.write(nb, path)


RUBRIC = {"points": 2, "manual": True,
          "rubric": [{"id": "why", "points": 2, "description": "says why"},
                     {"id": "wrong", "points": -1, "description": "a wrong claim"}]}


def test_rubric_without_manual_is_refused(example_course: CourseRepo) -> None:
    _add_manual(example_course, {"points": 2, "rubric": RUBRIC["rubric"]})
    with pytest.raises(UserError, match="questions.explain.*manual: true"):
        load_config(example_course.root / "grading_config.yaml")


def test_duplicate_rubric_ids_are_refused(example_course: CourseRepo) -> None:
    _add_manual(example_course, RUBRIC | {"rubric": RUBRIC["rubric"] * 2})
    with pytest.raises(UserError, match="unique"):
        load_config(example_course.root / "grading_config.yaml")


def test_manual_points_count_in_the_grade_but_not_in_the_tests(example_course: CourseRepo) -> None:
    _add_manual(example_course, RUBRIC)
    spec = example_course.config.assignment("squares")
    assert spec.max_score == 7 and spec.autograded_max_score == 5
    assert list(spec.manual) == ["explain"]
    checked_tests(example_course, "squares")  # a manual question needs no tests


def test_a_test_for_a_manual_question_is_refused(example_course: CourseRepo) -> None:
    _add_manual(example_course, RUBRIC)
    tests = example_course.root / "source" / "squares" / "tests" / "public"
    (tests / "test_explain.py").write_text(
        "from autograder.testing import question\npytestmark = question('explain')\n\n"
        "def test_x(student):\n    assert True\n")
    with pytest.raises(UserError, match="graded by people"):
        checked_tests(example_course, "squares")


def test_release_keeps_answer_marks_and_strips_the_model_answer(
        example_course: CourseRepo) -> None:
    _add_manual(example_course, RUBRIC)
    _mark_answer(example_course, "### BEGIN SOLUTION\nBecause squares grow.\n### END SOLUTION")
    target = release(example_course, "squares")
    nb = nbformat.read(target / "squares.ipynb", as_version=4)
    marked = [c for c in nb.cells if answer_mark(c) == "explain"]
    assert [c.source for c in marked] == ["YOUR ANSWER HERE"]
    manifest = json.loads((target / "assignment.json").read_text())
    assert manifest["questions"]["explain"]["manual"] is True


@pytest.mark.parametrize("aid", ["gradient_descent", "spectrogram_features", "convolutions"])
def test_each_course_assignment_has_a_marked_manual_question(course: CourseRepo, aid: str) -> None:
    manual = course.config.assignment(aid).manual
    assert manual and all(q.rubric for q in manual.values())
    nb = nbformat.read(Path(course.release_dir(aid)) / f"{aid}.ipynb", as_version=4)
    kinds = {(answer_mark(c), c.cell_type) for c in nb.cells if answer_mark(c)}
    for question in manual:
        assert (question, "markdown") in kinds and (question, "code") in kinds
