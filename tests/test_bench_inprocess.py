"""The bench's in-process baseline starts each round as a graded worker does: a withheld module
is a stand-in for the notebook's cells (which then fail there as they fail in grading, instead of
doing work the grader never does), the real module is back for the tests afterwards, and no
figure of an earlier round is left."""

from __future__ import annotations

import json
import subprocess
import sys
import wave

import nbformat

from autograder.bench.inprocess import _withheld, standing_in
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


ROUNDS = """
import json, sys
from pathlib import Path
import matplotlib.pyplot as pyplot
from autograder.bench.inprocess import run_once
from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec
course = CourseRepo(Path(sys.argv[1]))
spec = GradingSpec.from_repo(course, "squares", hidden=True)
passed = [run_once(spec, course.source("squares").notebook)["passed"] for _ in range(3)]
print(json.dumps({"passed": passed, "figures": len(pyplot.get_fignums())}))
"""


def test_each_round_starts_without_the_figures_of_the_last(example_course: CourseRepo) -> None:
    """pyplot keeps every figure a cell opens; a forked worker starts with none, so a round
    that inherited the last round's would walk their objects in every collection. (In a process
    of its own, as the bench runs it: IPython's shell takes over the process's __main__.)"""
    notebook = example_course.source("squares").notebook
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.subplots()"))
    nbformat.write(nb, notebook)
    done = subprocess.run([sys.executable, "-c", ROUNDS, str(example_course.root)],
                          capture_output=True, text=True, timeout=300, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(passed > 0 for passed in out["passed"])
    assert out["figures"] == 1
