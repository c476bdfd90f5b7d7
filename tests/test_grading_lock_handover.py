"""While a submission is graded, the interpreter lock changes hands every 0.5 ms instead of 5
(grading/grade.py): the grading thread waits for the worker's replies while the static scan, the
output drainers or Dask's event loop hold the lock. The setting is process-wide, so a grading
must give the process back as it found it, whether it ends well or in a grader error.

Speed is `make bench`'s to measure; these pin when the setting holds.
"""

from __future__ import annotations

import sys

import pytest

from autograder.course import CourseRepo
from autograder.grading import grade
from autograder.grading.grade import SWITCH_INTERVAL, GradingSpec, grade_path
from autograder.sandbox.kinds import make_launcher


@pytest.fixture
def graded(example_course: CourseRepo, monkeypatch: pytest.MonkeyPatch):
    """Grades the example course's solution; `seen` gets the interval its tests ran with."""
    seen: list[float] = []
    real_run_tests = grade.run_tests

    def run_tests(*args, **kwargs):
        seen.append(sys.getswitchinterval())
        return real_run_tests(*args, **kwargs)

    monkeypatch.setattr(grade, "run_tests", run_tests)
    spec = GradingSpec.from_repo(example_course, "squares", hidden=True)
    launcher = make_launcher("bwrap")
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.004)  # not Python's default: restoring a default would pass anyway
    try:
        yield lambda: grade_path(spec, example_course.source("squares").notebook, launcher, "s1"), seen
    finally:
        sys.setswitchinterval(before)
        launcher.close()


def test_a_grading_hands_the_lock_over_quickly_and_gives_the_setting_back(graded) -> None:
    grade_one, seen = graded
    assert grade_one().status == "graded"
    assert seen == [SWITCH_INTERVAL]
    assert sys.getswitchinterval() == pytest.approx(0.004)


def test_a_grading_that_fails_gives_the_setting_back_too(graded, monkeypatch) -> None:
    grade_one, seen = graded

    def failing(*args, **kwargs):
        seen.append(sys.getswitchinterval())
        raise RuntimeError("the grader's own fault")

    monkeypatch.setattr(grade, "run_tests", failing)
    assert grade_one().status == "grader-error"
    assert seen == [SWITCH_INTERVAL]
    assert sys.getswitchinterval() == pytest.approx(0.004)
