"""The course's own assignments through the real engine: solutions full marks, stubs zero.

Runs `validate` with the default sandbox (warm template in bubblewrap), so each reference is
graded exactly as a student's submission would be. The assignments are those of
grading_config.yaml, so an assignment added there is validated by CI without editing this file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.authoring.validate import validate
from autograder.config import load_config
from autograder.course import CONFIG_NAME, CourseRepo
from autograder.sandbox.kinds import make_launcher

ROOT = Path(__file__).resolve().parents[1]
COURSE = list(load_config(ROOT / CONFIG_NAME).assignments)


@pytest.fixture(scope="module")
def launcher():
    chosen = make_launcher("bwrap")
    yield chosen
    chosen.close()


@pytest.mark.parametrize("assignment_id", COURSE)
def test_reference_full_marks_and_stub_zero_in_the_sandbox(course: CourseRepo, launcher,
                                                           assignment_id: str):
    report = validate(course, assignment_id, launcher)
    assert report.ok, "\n".join(report.problems)
    assert report.reference.status == "graded"
    assert report.reference.score == report.reference.max_score > 0
    assert report.stub.score == 0
    assert all(cell.status in ("ok", "error") for cell in report.stub.cells)
