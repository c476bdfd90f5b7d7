"""The bench's in-process baseline starts each round as a graded worker does: a withheld module
is a stand-in for the notebook's cells (which then fail there as they fail in grading, instead of
doing work the grader never does), the real module is back for the tests afterwards, and no
figure of an earlier round is left."""

from __future__ import annotations

import sys
import wave

import matplotlib.pyplot as pyplot
import nbformat

from autograder.bench.inprocess import _withheld, run_once, standing_in
from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec
from autograder.sandbox.views import CURRENT, ModuleWithheld, WithheldModule


def test_the_baseline_withholds_what_each_assignment_s_graded_worker_lacks(
        course: CourseRepo) -> None:
    """Its most permissive view's, as the grading reports that worker's cells: librosa and
    torch for the two assignments whose every question forbids them, nothing for the CNN's."""
    for assignment_id in ("spectrogram_features", "gradient_descent"):
        withheld = _withheld(GradingSpec.from_repo(course, assignment_id))
        assert {"librosa", "torch"} <= set(withheld), assignment_id
    assert _withheld(GradingSpec.from_repo(course, "convolutions")) == ()


def test_cells_import_the_stand_in_and_the_tests_get_the_real_module_back() -> None:
    withheld_before = CURRENT.withheld
    with standing_in(("wave",)):
        import wave as seen_by_cells
        assert isinstance(seen_by_cells, WithheldModule)
        try:
            seen_by_cells.open("phrase.wav")
            raise AssertionError("the stand-in did not refuse")
        except ModuleWithheld as refused:
            assert "wave is not available" in str(refused)
    assert sys.modules["wave"] is wave and CURRENT.withheld == withheld_before
    import wave as seen_by_tests
    assert seen_by_tests is wave


def test_each_round_starts_without_the_figures_of_the_last(example_course: CourseRepo) -> None:
    """pyplot keeps every figure a cell opens; a forked worker starts with none, so a round
    that inherited the last round's would walk their objects in every collection."""
    spec = GradingSpec.from_repo(example_course, "squares", hidden=True)
    notebook = example_course.source("squares").notebook
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.subplots()"))
    nbformat.write(nb, notebook)
    for _ in range(3):
        assert run_once(spec, notebook)["passed"] > 0
    assert len(pyplot.get_fignums()) == 1
