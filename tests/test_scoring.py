"""Scoring rules that protect the grade: property tests earn only beside correct values, and a
hidden test's message reaches students only when its author marked it safe.

The tests run through the real pytest plugin against an in-process student namespace."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograder.config import Assignment
from autograder.grading.results import Result
from autograder.grading.scoring import score_tests
from autograder.testing.local import LocalTransport
from autograder.testing.runner import run_tests
from autograder.testing.student import StudentProxy

TESTS = '''
import numpy as np
from autograder.testing import assert_close, assert_unchanged, property_test, question, safe_message

pytestmark = question("q")

def test_double_values(student):
    assert_close(student.double(np.arange(3.0)), np.arange(3.0) * 2, what="double(x)")

@property_test
def test_double_leaves_input(student):
    x = np.arange(3.0)
    _, args, _ = student.call_with_inputs("double", x)
    assert_unchanged(x, args[0], "x")

@property_test
def test_untested_leaves_input(student):
    x = np.arange(3.0)
    _, args, _ = student.call_with_inputs("untested", x)
    assert_unchanged(x, args[0], "x")

def test_secret_expected(student):
    assert student.double(np.ones(1))[0] == 2.0, "double(1): expected 2.0 (SECRET-EXPECTED)"

@safe_message
def test_safe_hint(student):
    assert student.double(np.ones(1))[0] == 2.0, "double must multiply by two (SAFE-HINT)"
'''


def _grade(tmp_path: Path, source: str) -> Result:
    hidden = tmp_path / "tests" / "hidden"
    hidden.mkdir(parents=True)
    (hidden / "test_q.py").write_text(TESTS)
    namespace: dict = {}
    exec(textwrap.dedent(source), namespace)  # the "student" code, in this process for speed
    student = StudentProxy(LocalTransport(namespace), call_timeout=None)
    outcomes = run_tests([hidden], tmp_path / "tests", student)
    assignment = Assignment.model_validate(
        {"title": "t", "due": "2026-12-01T12:00", "questions": {"q": {"points": 5}}})
    tests, questions = score_tests(assignment, outcomes, "after_due_date")
    return Result(submission="x", assignment="a", status="graded", tests=tests,
                  questions=questions, score=questions["q"].score, max_score=5)


def _by_name(result: Result) -> dict:
    return {t.name.split("::")[-1]: t for t in result.tests}


def test_property_tests_earn_beside_correct_values(tmp_path: Path) -> None:
    result = _grade(tmp_path, """
        import numpy as np
        def double(x): return np.asarray(x) * 2
        def untested(x): return x
    """)
    tests = _by_name(result)
    assert tests["test_double_leaves_input"].score > 0
    assert tests["test_untested_leaves_input"].score == 0, "no value test vouches for it"
    assert "correct values" in tests["test_untested_leaves_input"].output


@pytest.mark.parametrize("body", ["return 0.5", "return x", "return np.zeros(3)"])
def test_property_tests_earn_nothing_for_wrong_values(tmp_path: Path, body: str) -> None:
    result = _grade(tmp_path, f"""
        import numpy as np
        def double(x): {body}
        def untested(x): return x
    """)
    tests = _by_name(result)
    assert tests["test_double_leaves_input"].status == "failed"
    assert result.score == 0, [(t.name, t.score) for t in result.tests if t.score]


def test_hidden_messages_reach_students_only_when_marked_safe(tmp_path: Path) -> None:
    result = _grade(tmp_path, "def double(x): return x\ndef untested(x): return x\n")
    staff = result.model_dump_json()
    assert "SECRET-EXPECTED" in staff and "SAFE-HINT" in staff, "staff keep every message"
    public = _by_name(Result.model_validate(result.public_view()))
    assert public["test_secret_expected"].output == ""
    assert public["test_secret_expected"].visibility == "after_due_date"
    assert "SAFE-HINT" in public["test_safe_hint"].output
