"""The student's own time: a notebook's cells and all its tests, in this process, no grader.

A paired run of the bench (ours.py) asks a process of its own (`python -m
autograder.bench.inprocess serve <id>`: one round per line read, one JSON line written) for one
round before each grading, so that the grader's heap and the student's never share a process
and both sides of a pair see the same moment of the machine. The cells run in
the worker's own IPython shell (`make_shell`: Agg plots, `%matplotlib` a no-op) in the
assignment's source folder (its data/ is there, as in the worker's home), then every test
(public and hidden) runs through `LocalTransport`: the same test calls as grading, without
sandbox, worker or pipes. A process's first round pays imports and JIT and is reported apart;
the later rounds are what a warm template's fork would need at best.
The cells see what the grading worker sees: the modules its view withholds (librosa, for
spectrogram_features) import as the same stand-ins, so a cell that compares with librosa fails
here as it does in grading instead of doing work the grader never does.
Only for trusted notebooks (the course's own solutions): the cells run unconfined here.

The self-check time (`time_check`) is measured in a fresh process of its own
(`python -m autograder.bench.inprocess check <id> <question>`), as a student's first check() is.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ..course import CourseRepo
from ..grading.grade import GradingSpec
from ..grading.question_views import most_permissive, question_views
from ..notebook import code_cells, read_notebook
from ..sandbox.numba_cache import use_trusted_cache
from ..sandbox.views import CURRENT, StandInFinder
from ..sandbox.worker import make_shell
from ..student.timing import time_check
from ..testing.local import LocalTransport
from ..testing.runner import run_tests
from ..testing.student import StudentProxy


def run_once(spec: GradingSpec, notebook: Path) -> dict[str, float | int]:
    """Seconds for the cells and for the tests, and how many tests passed.

    Each round starts as a forked worker does: the last round's figures closed (pyplot keeps
    every figure a cell opens, five or six a round in the course's notebooks, whose objects every
    later collection would walk again) and its garbage collected before the clock starts."""
    shell = make_shell()
    shell.reset(new_session=False)
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    gc.collect()
    cells = code_cells(read_notebook(notebook))
    with contextlib.chdir(notebook.parent), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        with standing_in(_withheld(spec)):
            start = time.perf_counter()
            for cell in cells:
                shell.run_cell(cell.source, store_history=False, silent=True)
            cells_done = time.perf_counter()
        student = StudentProxy(LocalTransport(shell.user_ns), call_timeout=None)
        outcomes = run_tests(spec.test_dirs, spec.tests_root, student, spec.forbidden)
        tests_done = time.perf_counter()
    return {"cells": cells_done - start, "tests": tests_done - cells_done,
            "total": tests_done - start, "passed": sum(o.status == "passed" for o in outcomes),
            "count": len(outcomes)}


def _withheld(spec: GradingSpec) -> tuple[str, ...]:
    """What the worker whose cells grading reports lacks: its most permissive view's."""
    return most_permissive(question_views(spec.assignment, spec.warmup, spec.questions)).withheld


@contextlib.contextmanager
def standing_in(withheld: tuple[str, ...]) -> Iterator[None]:
    """While the cells run, `import librosa` (any withheld name) gives the worker's stand-in;
    afterwards the real modules are back for the tests, which compare with them."""
    def ours(name: str) -> bool:
        return name.split(".")[0] in withheld

    real = {name: module for name, module in sys.modules.items() if ours(name)}
    for name in real:
        del sys.modules[name]
    finder = StandInFinder(withheld)
    sys.meta_path.insert(0, finder)
    before, CURRENT.withheld = CURRENT.withheld, frozenset(withheld)
    try:
        yield
    finally:
        CURRENT.withheld = before
        sys.meta_path.remove(finder)
        for name in [name for name in sys.modules if ours(name)]:
            del sys.modules[name]
        sys.modules.update(real)


def serve(repo: CourseRepo, assignment_id: str) -> None:
    """A first round at once, then one round per line on stdin; each a JSON line on stdout."""
    use_trusted_cache()
    spec = GradingSpec.from_repo(repo, assignment_id, hidden=True)
    notebook = repo.source(assignment_id).notebook
    out = sys.stdout
    print(json.dumps(run_once(spec, notebook)), file=out, flush=True)
    for _ in sys.stdin:
        print(json.dumps(run_once(spec, notebook)), file=out, flush=True)


def main() -> None:
    """`inprocess serve <id>` or `inprocess check <id> <question>`: JSON on stdout."""
    mode, assignment_id = sys.argv[1], sys.argv[2]
    repo = CourseRepo.discover()
    if mode == "serve":
        serve(repo, assignment_id)
        return
    seconds = time_check(repo.source(assignment_id).notebook, sys.argv[3],
                         release=repo.release_dir(assignment_id))
    print(json.dumps({"check": seconds}))


if __name__ == "__main__":
    main()
