"""The tests' calls on one CPU (grading/cpu_share.py): each grading process of a machine claims a
CPU of its own, and while its tests call into the notebook, its thread and its worker run there.

Real processes hold the claims and a real kill frees one. The speed this buys is `make bench`'s to
measure; these pin who runs where.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.config import CourseLimits
from autograder.course import CourseRepo
from autograder.grading import cpu_share, grade
from autograder.grading.grade import GradingSpec, grade_path
from autograder.grading.run import SubmissionRun
from autograder.notebook import CodeCell
from autograder.sandbox.kinds import make_launcher
from autograder.sandbox.transport import WorkerLost
from autograder.testing.student import StudentProxy

CPUS = sorted(os.sched_getaffinity(0))
AFFINITY = "sorted(__import__('os').sched_getaffinity(0))"

CLAIMANT = """\
import sys
from autograder.grading.cpu_share import claimed_cpu
print(claimed_cpu(), flush=True)
sys.stdin.read()  # hold the claim until told to go
"""


def _claimant(folder: Path) -> tuple[subprocess.Popen, str]:
    """A process that claims a CPU under `folder` (its temporary directory) and holds it."""
    proc = subprocess.Popen([sys.executable, "-c", CLAIMANT], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(folder)})
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


@pytest.fixture
def claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process claims afresh, under a folder of the test's own."""
    folder = tmp_path / "claims"
    monkeypatch.setattr(cpu_share, "claims_dir", lambda: folder)
    monkeypatch.setattr(cpu_share, "_claimed", {})
    return folder


def test_the_grading_processes_of_a_machine_claim_different_cpus_and_a_dead_ones_is_freed(
        tmp_path: Path) -> None:
    holders = [_claimant(tmp_path) for _ in CPUS]
    try:
        assert sorted(int(cpu) for _, cpu in holders) == CPUS  # one each, none shared
        extra, extra_cpu = _claimant(tmp_path)
        extra.kill()
        assert extra_cpu == "None"  # every CPU taken: it does not pin
        victim, victim_cpu = holders.pop()
        victim.kill()  # what the OOM killer does: the kernel drops its lock
        victim.wait()
        replacement, replacement_cpu = _claimant(tmp_path)
        holders.append((replacement, replacement_cpu))
        assert replacement_cpu == victim_cpu
    finally:
        for proc, _ in holders:
            proc.kill()
            proc.wait()


def test_a_claims_folder_that_is_not_ours_decides_nothing(claims: Path) -> None:
    claims.mkdir(mode=0o700)
    os.chown(claims, 65534, 65534)  # someone else's (the suite runs as root)
    assert cpu_share.claimed_cpu() is None


def test_a_process_claims_once_and_its_forked_child_claims_its_own(claims: Path) -> None:
    if len(CPUS) < 2:
        pytest.skip("needs two CPUs")
    mine = cpu_share.claimed_cpu()
    assert mine is not None and cpu_share.claimed_cpu() == mine
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write_end, str(cpu_share.claimed_cpu()).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    with os.fdopen(read_end) as answer:
        assert answer.read() not in ("", str(mine))


def test_on_cpu_moves_only_the_calling_thread_and_moves_it_back() -> None:
    with pytest.raises(RuntimeError), cpu_share.on_cpu(CPUS[-1]):
        assert sorted(os.sched_getaffinity(0)) == [CPUS[-1]]
        raise RuntimeError("a failing test run")
    assert sorted(os.sched_getaffinity(0)) == CPUS


def test_the_worker_moves_to_the_cpu_before_the_tests_first_call_and_so_does_a_fresh_one() -> None:
    launcher = make_launcher("bwrap")
    run = SubmissionRun(launcher, [CodeCell(0, "a", "x = 1")], CourseLimits())
    try:
        run.run_cells()
        student = StudentProxy(run)
        assert student.evaluate(AFFINITY) == CPUS  # the cells ran where the kernel liked
        run.cpu = CPUS[-1]
        assert student.evaluate(AFFINITY) == [CPUS[-1]]
        with pytest.raises(WorkerLost) as lost:
            student.evaluate("__import__('os')._exit(3)")
        run.recover(lost.value)  # a fresh worker replays the cells
        assert student.evaluate(AFFINITY) == [CPUS[-1]]
    finally:
        run.close()
        launcher.close()


def test_grading_runs_the_tests_and_the_worker_on_its_cpu_and_moves_back_after(
        example_course: CourseRepo, claims: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    real_run_tests = grade.run_tests

    def run_tests(*args, **kwargs):
        student = args[2]
        seen["grader"] = sorted(os.sched_getaffinity(0))
        seen["worker"] = student.evaluate(AFFINITY)
        return real_run_tests(*args, **kwargs)

    monkeypatch.setattr(grade, "run_tests", run_tests)
    spec = GradingSpec.from_repo(example_course, "squares", hidden=True)
    launcher = make_launcher("bwrap")
    try:
        result = grade_path(spec, example_course.source("squares").notebook, launcher, "s1")
    finally:
        launcher.close()
    cpu = cpu_share.claimed_cpu()
    assert result.status == "graded" and cpu is not None
    assert seen == {"grader": [cpu], "worker": [cpu]}
    assert sorted(os.sched_getaffinity(0)) == CPUS
