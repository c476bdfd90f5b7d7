"""results.json as Gradescope's autograder specification defines it.

Rules, from https://gradescope-autograders.readthedocs.io/en/latest/specs/ (docs/specs.md of
github.com/gradescope/autograder_samples):
- one JSON object; a top-level `score` overrides the total of the tests;
- a test's `status` is "passed" or "failed" (nothing else);
- `visibility` is one of hidden, after_due_date, after_published, visible; "If test cases are
  hidden, students will not be able to see their total score", so hidden tests are shown as
  name, points and pass/fail only (visibility "visible") unless the course chooses otherwise;
- `output_format` defaults to "simple_format" for the top level, which renders HTML: every text
  here may carry student-controlled words, so every format is set to "text".
"""

from __future__ import annotations

from typing import Literal

from ..grading.results import Result

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
VISIBILITIES: tuple[str, ...] = ("visible", "hidden", "after_due_date", "after_published")
TEXT = "text"


def test_entry(test: dict, hidden_tests: Visibility, staff: bool) -> dict:
    """One test as Gradescope shows it, from the staff view or the student view
    (`Result.public_view`, which keeps a hidden test's message only when marked safe)."""
    hidden = test["visibility"] != "visible"
    entry = {
        "name": f"{test['question']}: {test['name']}" if test.get("question") else test["name"],
        "name_format": TEXT,
        "score": test["score"],
        "max_score": test["max_score"],
        "status": "passed" if test["status"] == "passed" else "failed",
        "visibility": hidden_tests if hidden and not staff else test["visibility"],
        "output": test.get("output", ""),
        "output_format": TEXT,
        "tags": [test["question"]] if test.get("question") else [],
    }
    if test["status"] not in ("passed", "failed"):
        entry["extra_data"] = {"outcome": test["status"]}
    return entry


def results_json(result: Result, *, hidden_tests: Visibility = "visible",
                 score: float | None = None, notes: list[str] | None = None,
                 extra: dict | None = None, staff: bool = False) -> dict:
    """The results.json object for one graded submission.

    `score` is the final score (after a late penalty); `notes` become the top-level output;
    `staff` keeps hidden tests' messages (for the TA's own files, never for students)."""
    data = result.model_dump() if staff else result.public_view()
    lines = list(notes or [])
    if result.message:
        lines.insert(0, result.message)
    return {
        "score": result.score if score is None else score,
        "execution_time": result.execution_time,
        "output": "\n".join(lines),
        "output_format": TEXT,
        "test_output_format": TEXT,
        "test_name_format": TEXT,
        "stdout_visibility": "hidden",
        "tests": [test_entry(t, hidden_tests, staff) for t in data["tests"]],
        "extra_data": {"status": result.status, "raw_score": result.score,
                       "max_score": result.max_score, **(extra or {})},
    }


def failure_json(reason: str, status: str = "grader-error") -> dict:
    """results.json when the submission could not be graded through no fault of the student.

    The run exits non-zero as well, so Gradescope records an autograder error (the
    `autograder_error` flag of submission_metadata.json) instead of a grade."""
    return {
        "score": 0.0,
        "output": f"Not graded: {reason}. This is not your grade; the course staff will regrade.",
        "output_format": TEXT,
        "test_output_format": TEXT,
        "test_name_format": TEXT,
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"status": status, "reason": reason},
    }


def contract_json(result: Result) -> dict:
    """`grade --json`: the full results contract (staff view) that is also a valid results.json:
    Gradescope's fields are added, tests keep our fields and gain Gradescope's formats."""
    data = result.model_dump()
    spec = results_json(result, staff=True)
    for ours, theirs in zip(data["tests"], spec["tests"], strict=True):
        ours.update(status=theirs["status"], output_format=TEXT, name_format=TEXT,
                    tags=theirs["tags"])
        if "extra_data" in theirs:
            ours["extra_data"] = theirs["extra_data"]
    for key in ("output_format", "test_output_format", "test_name_format", "stdout_visibility"):
        data[key] = spec[key]
    return data
