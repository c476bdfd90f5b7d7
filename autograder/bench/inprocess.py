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
Only for trusted notebooks (the course's own solutions): the cells run unconfined here.

The self-check time (`time_check`) is measured in a fresh process of its own
(`python -m autograder.bench.inprocess check <id> <question>`), as a student's first check() is.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path

from ..course import CourseRepo
from ..grading.grade import GradingSpec
from ..notebook import code_cells, read_notebook
from ..sandbox.numba_cache import use_trusted_cache
from ..sandbox.worker import make_shell
from ..student.timing import time_check
from ..testing.local import LocalTransport
from ..testing.runner import run_tests
from ..testing.student import StudentProxy


def run_once(spec: GradingSpec, notebook: Path) -> dict[str, float | int]:
    """Seconds for the cells and for the tests, and how many tests passed."""
    shell = make_shell()
    shell.reset(new_session=False)
    cells = code_cells(read_notebook(notebook))
    with contextlib.chdir(notebook.parent), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
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
