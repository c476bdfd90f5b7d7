"""Forbidden modules are enforced where the student cannot reach them.

The example assignment with `square` (2 points) forbidding scipy and torch and `total` (3 points)
allowing everything, graded in both sandboxes. Each attack computes `square` with torch or scipy
after a side cell imported them. Before, a profile hook inside the worker's own interpreter was
the enforcement, and every attack but the plain import (which the static check sees) earned full
marks. Now the worker that serves `square` has no torch or scipy on its file system at all, while
`total`'s worker still has torch.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLE
from test_hostile import (  # noqa: F401 - fixture
    launcher,
    leftover_report,
    notebook,
    sandbox_leftovers,
    sandbox_processes,
)

from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec, grade_submission
from autograder.grading.results import Result
from autograder.grading.run import SubmissionRun
from autograder.submission import Submission

SIDE_CELL = "import numpy as np\nimport sys, importlib, threading\nimport torch, scipy.special"
TOTAL_WITH_TORCH = ("def total(x):\n"
                    "    return float(torch.sum(torch.as_tensor(np.asarray(x, dtype=float)) ** 2))")

# name -> (a `square` that reaches torch or scipy, the module its message must name). All but the
# first are invisible to the static check; scipy.special's ufuncs were invisible to the old hook.
ATTACKS = {
    "import_inside_the_function": (
        "def square(x):\n    import torch\n"
        "    return torch.as_tensor(np.asarray(x, dtype=float)).square().numpy()", "torch"),
    "sys_modules_lookup": (
        "def square(x):\n    special = sys.modules['sci' + 'py.special']\n"
        "    return special.xlogy(0, 1) + np.asarray(x, dtype=float) ** 2", "scipy"),
    "name_built_at_run_time": (
        "def square(x):\n    special = importlib.import_module('.'.join(['scipy', 'special']))\n"
        "    return special.xlogy(0, 1) + np.asarray(x, dtype=float) ** 2", "scipy"),
    "dunder_import_of_a_computed_name": (
        "def square(x):\n    special = __import__('scipy.' + 'special', fromlist=['xlogy'])\n"
        "    return special.xlogy(0, 1) + np.asarray(x, dtype=float) ** 2", "scipy"),
    "work_moved_into_a_thread": (
        "def square(x):\n    out = {}\n"
        "    def work():\n        t = sys.modules['tor' + 'ch']\n"
        "        out['v'] = t.as_tensor(np.asarray(x, dtype=float)).square().numpy()\n"
        "    th = threading.Thread(target=work)\n    th.start()\n    th.join()\n"
        "    return out['v']", "torch"),
    "stand_ins_removed_and_profile_hook_cleared": (
        "def square(x):\n    sys.setprofile(None)\n    threading.setprofile(None)\n"
        "    sys.meta_path[:] = [f for f in sys.meta_path if 'StandIn' not in type(f).__name__]\n"
        "    for name in [m for m in sys.modules if m.split('.')[0] == 'torch']:\n"
        "        del sys.modules[name]\n"
        "    t = importlib.import_module('tor' + 'ch')\n"
        "    return t.as_tensor(np.asarray(x, dtype=float)).square().numpy()", "torch"),
    "grader_objects_in_the_worker_patched": (
        "from autograder.sandbox import host\n"
        "for obj in vars(host).values():  # whatever watches calls: make it watch nothing\n"
        "    if isinstance(obj, type) and hasattr(obj, '__enter__'):\n"
        "        obj.__enter__ = lambda self: self\n"
        "try:\n"
        "    from autograder.sandbox import views\n"
        "    views.StandInFinder.find_spec = lambda *a, **k: None\n"
        "    views.StandIn.__call__ = lambda self, *a, **k: 0.0\n"
        "except ImportError:\n    pass\n"
        "def square(x):\n"
        "    special = sys.modules['scipy.special']\n"
        "    if type(special).__name__ == 'WithheldModule':\n"
        "        for name in [m for m in sys.modules if m.split('.')[0] == 'scipy']:\n"
        "            del sys.modules[name]\n"
        "        special = importlib.import_module('scipy' + '.special')\n"
        "    return np.exp(special.logsumexp([0.0])) * np.asarray(x, dtype=float) ** 2", "scipy"),
}


@pytest.fixture(scope="module")
def forbidden_course(tmp_path_factory: pytest.TempPathFactory) -> CourseRepo:
    """The example course, with `total` allowing every module (as convolutions' CNN allows torch)."""
    root = tmp_path_factory.mktemp("forbidden") / "course"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("release", "__pycache__"))
    config = yaml.safe_load((root / "grading_config.yaml").read_text())
    config["assignments"]["squares"]["questions"]["total"]["forbidden"] = []
    config["limits"] = {"cell_timeout": 120, "call_timeout": 30, "submission_timeout": 400,
                        "memory_mb": 4096, "max_restarts": 3, "output_kb": 64}
    (root / "grading_config.yaml").write_text(yaml.safe_dump(config))
    return CourseRepo(root, workspace=root / "workspace")


@pytest.fixture
def grade(forbidden_course: CourseRepo, launcher):  # noqa: F811 - the imported fixture
    spec = GradingSpec.from_repo(forbidden_course, "squares")
    before = set(sandbox_processes())

    def run(*cells: str) -> Result:
        return grade_submission(spec, Submission(Path("forbidden.ipynb"), notebook(*cells)),
                                launcher)

    yield run
    leftover = sandbox_leftovers(before, launcher)
    assert not leftover, leftover_report(leftover, launcher)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_forbidden_module_reached_any_way_earns_nothing(grade, attack):
    source, module = ATTACKS[attack]
    r = grade(SIDE_CELL, source, TOTAL_WITH_TORCH)
    assert r.status == "graded", r.message
    assert r.questions["square"].score == 0.0
    assert r.questions["total"].score == 3.0  # the question that allows torch still has it
    for test in r.tests:
        if test.question == "square" and test.visibility == "visible":
            assert test.status != "passed"
            assert module in test.output and "square" in test.output, test.output


@pytest.mark.parametrize("attack", ["sys_modules_lookup", "work_moved_into_a_thread"])
def test_the_message_names_the_module_and_the_function(grade, attack):
    source, module = ATTACKS[attack]
    r = grade(SIDE_CELL, source, TOTAL_WITH_TORCH)
    public = [t.output for t in r.tests if t.question == "square" and t.visibility == "visible"]
    assert public
    for output in public:
        assert f"`square` used {module}, but {module} may not be used in question `square`" in output
        assert f"{module} is not available inside square" in output


def test_side_cells_using_a_withheld_module_fail_harmlessly(grade):
    """A comparison cell with scipy fails in `square`'s worker only; every question still grades."""
    side = ("import scipy.signal, torch\n"
            "W = scipy.signal.get_window('hann', 8)\nprint('compare', torch.ones(3).sum())")
    honest = "def square(x):\n    return np.asarray(x, dtype=float) ** 2"
    r = grade(SIDE_CELL, side, honest, TOTAL_WITH_TORCH)
    assert (r.status, r.score) == ("graded", 5.0)
    assert [c.status for c in r.cells] == ["ok", "ok", "ok", "ok"]  # the permissive view's cells


def test_no_copy_of_a_withheld_package_is_anywhere_in_the_worker(grade):
    """Not in the virtualenv, not in the base interpreter's own site-packages (it has a scipy)."""
    probe = ("import os, sys\nFOUND = []\n"
             "for top in ['/usr', '/opt', '/tmp', '/root', '/home', '/work', sys.prefix,\n"
             "            sys.base_prefix]:\n"
             "    for root, dirs, files in os.walk(top):\n"
             "        if root.endswith(('site-packages', 'dist-packages')):\n"
             "            FOUND += [os.path.join(root, d) for d in dirs\n"
             "                      if d.split('-')[0].split('.')[0] in ('torch', 'scipy')\n"
             "                      and os.listdir(os.path.join(root, d))]\n"
             "def square(x):\n"
             "    if FOUND:\n        raise RuntimeError(str(FOUND[:5]))\n"
             "    return np.asarray(x, dtype=float) ** 2\n")
    r = grade(SIDE_CELL, probe, TOTAL_WITH_TORCH)
    failures = [t.output for t in r.tests if t.question == "square" and t.status != "passed"]
    assert r.questions["square"].score == 2.0, failures


def test_the_views_run_their_cells_side_by_side(grade, monkeypatch: pytest.MonkeyPatch):
    """Each view's worker runs the notebook at the same time as the other's (a second core then
    hides the second run): with a slow first cell, each run starts before the other ends."""
    spans: list[tuple[float, float]] = []
    run_cells = SubmissionRun.run_cells

    def timed(self: SubmissionRun) -> list:
        start = time.monotonic()
        try:
            return run_cells(self)
        finally:
            spans.append((start, time.monotonic()))

    monkeypatch.setattr(SubmissionRun, "run_cells", timed)
    honest = "def square(x):\n    return np.asarray(x, dtype=float) ** 2"
    r = grade("import time\ntime.sleep(3)\n" + SIDE_CELL, honest, TOTAL_WITH_TORCH)
    assert (r.status, r.score) == ("graded", 5.0)
    assert len(spans) == 2
    assert max(start for start, _ in spans) < min(end for _, end in spans)
