"""A validator of Gradescope's results.json rules, for the tests of every writer of the format.

Rules as read in Gradescope's autograder specification,
https://gradescope-autograders.readthedocs.io/en/latest/specs/ (docs/specs.md of
github.com/gradescope/autograder_samples): "Output format" (the keys), "Controlling Test Case
Visibility" (hidden, after_due_date, after_published, visible; "If test cases are hidden, students
will not be able to see their total score"), "Test case status" (passed or failed) and "Output
String Formatting" (text, html, simple_format, md, ansi; simple_format, which renders HTML, is the
default of the top-level output).
"""

from __future__ import annotations

import json
import math

TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
            "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
            "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
STATUS = {"passed", "failed"}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def spec_problems(data: object, superset: bool = False) -> list[str]:
    """Every way `data` breaks the specification (empty when it meets it). A `superset` of the
    format (our results contract) may add keys; the specification's own keys must still obey."""
    if not isinstance(data, dict):
        return ["results.json must be one JSON object"]
    problems = [] if superset else [f"unknown top-level key {k!r}" for k in set(data) - TOP_KEYS]
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        return [*problems, "tests must be a list"]
    problems += _top_level_problems(data, tests)
    for i, test in enumerate(tests):
        problems += _test_problems(f"tests[{i}]", test, superset)
    try:
        json.dumps(data, allow_nan=False)
    except ValueError as exc:
        problems.append(f"not strict JSON: {exc}")
    return problems


def _top_level_problems(data: dict, tests: list) -> list[str]:
    problems = []
    if "score" in data:
        if not _number(data["score"]):
            problems.append("score must be a number")
    elif not tests or not all(_number(t.get("score")) for t in tests if isinstance(t, dict)):
        problems.append("a score is required at the top level or on every test")
    problems += [f"{key} {data[key]!r} is not one of {sorted(allowed)}"
                 for key, allowed in (("visibility", VISIBILITY), ("stdout_visibility", VISIBILITY),
                                      ("output_format", FORMATS), ("test_output_format", FORMATS),
                                      ("test_name_format", FORMATS))
                 if key in data and data[key] not in allowed]
    if "output" in data and not isinstance(data["output"], str):
        problems.append("output must be a string")
    return problems


def _test_problems(where: str, test: object, superset: bool) -> list[str]:
    if not isinstance(test, dict):
        return [f"{where} must be an object"]
    problems = [] if superset else [f"{where}: unknown key {k!r}" for k in set(test) - TEST_KEYS]
    if "status" in test and test["status"] not in STATUS:
        problems.append(f"{where}.status {test['status']!r} is not passed or failed")
    problems += [f"{where}.{key} {test[key]!r} is not allowed"
                 for key, allowed in (("visibility", VISIBILITY), ("name_format", FORMATS),
                                      ("output_format", FORMATS))
                 if key in test and test[key] not in allowed]
    problems += [f"{where}.{key} must be a number" for key in ("score", "max_score")
                 if key in test and not _number(test[key])]
    return problems


def student_safety_problems(data: dict) -> list[str]:
    """This project's rules on top of the specification, for what students see: every text is
    rendered as text (student-controlled words never become HTML), and the total stays visible
    (no test hidden from students) unless the course chose otherwise."""
    problems = []
    if data.get("output_format") != "text":
        problems.append("top-level output is not rendered as text (simple_format renders HTML)")
    for key in ("test_output_format", "test_name_format"):
        if data.get(key) != "text":
            problems.append(f"{key} is not text")
    for i, test in enumerate(data.get("tests", [])):
        if test.get("visibility", "visible") != "visible":
            problems.append(f"tests[{i}] is not visible: students would not see their total")
    return problems
