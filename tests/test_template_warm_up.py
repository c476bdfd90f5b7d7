"""The warm template runs a cell and formats a failing cell's errors before it forks (so that a
worker's first cell and first error cost no start-up): none of that may reach a student's worker.

Speed is `make bench`'s to measure; these pin what the warm-up must leave behind: nothing.
"""

from __future__ import annotations

import pytest

from autograder.config import CourseLimits
from autograder.grading.run import SubmissionRun
from autograder.notebook import CodeCell
from autograder.sandbox.kinds import make_launcher
from autograder.sandbox.views import WorkerView
from autograder.testing.student import StudentProxy

WITHOUT_LIBROSA = WorkerView(withheld=("librosa",))

LOOK_AROUND = """\
import sys
from autograder.sandbox.views import CURRENT
left = {"names": sorted(n for n in dir() if "fail" in n),
        "refused": repr(CURRENT.refused), "last": repr(getattr(sys, "last_value", None))}
"""


@pytest.fixture
def student():
    launcher = make_launcher("bwrap")
    run = SubmissionRun(launcher, [CodeCell(0, "a", LOOK_AROUND)],
                        CourseLimits(), None, WITHOUT_LIBROSA)
    try:
        assert [outcome.status for outcome in run.run_cells()] == ["ok"]
        yield StudentProxy(run)
    finally:
        run.close()
        launcher.close()


def test_the_warm_up_leaves_no_name_no_error_and_no_refusal_in_a_worker(student) -> None:
    """It raises through a stand-in: that refusal must not stay on the worker's record."""
    assert student.get("left") == {"names": [], "refused": "None", "last": "None"}

