"""The course's own assignments through the real engine: solutions full marks, stubs zero.

Runs `validate` with the default sandbox (warm template in bubblewrap), so each reference is
graded exactly as a student's submission would be.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.authoring.validate import validate
from autograder.course import CourseRepo
from autograder.sandbox.launch import make_launcher

ROOT = Path(__file__).resolve().parents[1]
COURSE = ["gradient_descent", "spectrogram_features", "convolutions"]


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
