"""The bench's in-process baseline sees what the grading worker sees: a withheld module is a
stand-in for the notebook's cells (which then fail there as they fail in grading, instead of
doing work the grader never does), and the real module is back for the tests afterwards."""

from __future__ import annotations

import sys
import wave

from autograder.bench.inprocess import _withheld, standing_in
from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec
from autograder.sandbox.views import ModuleWithheld, WithheldModule


def test_the_baseline_withholds_what_each_assignment_s_graded_worker_lacks(
        course: CourseRepo) -> None:
    """Its most permissive view's, as the grading reports that worker's cells: librosa and
    torch for the two assignments whose every question forbids them, nothing for the CNN's."""
    for assignment_id in ("spectrogram_features", "gradient_descent"):
        withheld = _withheld(GradingSpec.from_repo(course, assignment_id))
        assert {"librosa", "torch"} <= set(withheld), assignment_id
    assert _withheld(GradingSpec.from_repo(course, "convolutions")) == ()


def test_cells_import_the_stand_in_and_the_tests_get_the_real_module_back() -> None:
    with standing_in(("wave",)):
        import wave as seen_by_cells
        assert isinstance(seen_by_cells, WithheldModule)
        try:
            seen_by_cells.open("phrase.wav")
            raise AssertionError("the stand-in did not refuse")
        except ModuleWithheld as refused:
            assert "wave is not available" in str(refused)
    assert sys.modules["wave"] is wave
    import wave as seen_by_tests
    assert seen_by_tests is wave
