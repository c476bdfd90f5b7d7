"""Self-check inside the student's notebook: the public tests against the live kernel."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from ..testing.local import LocalTransport
from ..testing.plugin import TestOutcome
from ..testing.runner import run_tests
from ..testing.student import Student


def _find_release(assignment_id: str) -> Path:
    for folder in (Path.cwd(), Path.cwd() / assignment_id, *Path.cwd().parents):
        if (folder / "assignment.json").is_file() and (folder / "tests" / "public").is_dir():
            return folder
    raise FileNotFoundError(f"cannot find the public tests of {assignment_id!r}: open the notebook "
                            "from its release folder (the one holding tests/public)")


def enable_checks(assignment_id: str) -> tuple[Callable[[str], list[TestOutcome]],
                                               Callable[[], list[TestOutcome]]]:
    from IPython import get_ipython

    if os.environ.get("AUTOGRADER_WORKER"):  # being graded: the grader runs the tests itself
        def unavailable(*_: object) -> list[TestOutcome]:
            print("self-check is not available while grading")
            return []

        return unavailable, unavailable
    folder = _find_release(assignment_id)
    manifest = json.loads((folder / "assignment.json").read_text())
    forbidden = {q: v["forbidden"] for q, v in manifest["questions"].items()}
    shell = get_ipython()
    namespace = shell.user_ns if shell is not None else {}

    def run(question: str | None) -> list[TestOutcome]:
        student = Student(LocalTransport(namespace))
        outcomes = run_tests([folder / "tests" / "public"], folder / "tests", student, forbidden)
        picked = [o for o in outcomes if question is None or o.info.question == question]
        for o in picked:
            mark = "PASS" if o.status == "passed" else "FAIL"
            print(f"{mark} {o.info.name}" + (f"\n     {o.message}" if o.message else ""))
        return picked

    return (lambda question: run(question)), (lambda: run(None))
