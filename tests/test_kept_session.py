"""A grading process keeps one pytest session for many submissions (speed); nothing a test keeps
for one student may reach the next: not `session.stash`, not a session-scoped fixture.

Found by grading the convolutions reference and then its stub in one process: the stub inherited
the reference's held-out accuracy, which the CNN test keeps in `session.stash`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from autograder.testing.local import LocalTransport
from autograder.testing.runner import run_tests
from autograder.testing.student import StudentProxy

TESTS = '''
import pytest
from autograder.testing import question

pytestmark = question("q")
KEY = pytest.StashKey[int]()

@pytest.fixture
def stashed(student, request):
    if KEY not in request.session.stash:
        request.session.stash[KEY] = student.answer()
    return request.session.stash[KEY]

@pytest.fixture(scope="session")
def session_list():
    return []

def test_stash_is_this_students(stashed):
    assert stashed == 42

def test_session_fixture_is_fresh(student, session_list):
    session_list.append(student.answer())
    assert session_list == [42]
'''


def _outcomes(tests: Path, answer: int) -> dict[str, str]:
    namespace: dict = {}
    exec(f"def answer():\n    return {answer}\n", namespace)
    student = StudentProxy(LocalTransport(namespace), call_timeout=None)
    outcomes = run_tests([tests / "hidden"], tests, student)
    return {o.info.name.split("::")[-1]: o.status for o in outcomes}


def test_nothing_kept_for_one_student_reaches_the_next(tmp_path: Path) -> None:
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "test_keep.py").write_text(TESTS)
    right = {"test_stash_is_this_students": "passed", "test_session_fixture_is_fresh": "passed"}
    wrong = {"test_stash_is_this_students": "failed", "test_session_fixture_is_fresh": "failed"}
    assert _outcomes(tmp_path, 42) == right
    assert _outcomes(tmp_path, 7) == wrong, "the second student was graded on the first's values"
    assert _outcomes(tmp_path, 42) == right


FREEZE_PROBE = '''
import gc, sys
from pathlib import Path
from autograder.testing.local import LocalTransport
from autograder.testing.runner import run_tests
from autograder.testing.student import StudentProxy

tests = Path(sys.argv[1])
namespace = {}
exec("def answer():\\n    return 42\\n", namespace)
student = StudentProxy(LocalTransport(namespace), call_timeout=None)
counts = [gc.get_freeze_count()]
for _ in range(2):
    run_tests([tests / "hidden"], tests, student)
    counts.append(gc.get_freeze_count())
class Cycle:
    pass
cycle = Cycle()
cycle.me = cycle
del cycle
print(*counts, gc.collect())
'''


def test_the_kept_session_is_frozen_and_garbage_still_goes(tmp_path: Path) -> None:
    """After a session's first run, what the process keeps for its life (pytest, the test modules)
    is hidden from the collector, which then walks only new objects; new garbage is still
    collected."""
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "test_keep.py").write_text(TESTS)
    done = subprocess.run([sys.executable, "-c", FREEZE_PROBE, str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=True)
    before, first, second, collected = map(int, done.stdout.split())
    assert before == 0
    assert first > 10_000  # pytest and its plugins alone are more
    assert abs(second - first) < first // 100  # the second run froze nothing of its own
    assert collected >= 1  # a cycle made after the freeze is collected
