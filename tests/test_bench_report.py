"""The bench's bookkeeping: nbgrader's log split into per-student times, targets, assignments."""

from __future__ import annotations

import pytest

from autograder.bench.__main__ import ready_assignments
from autograder.bench.measure import AssignmentBench
from autograder.bench.nbgrader_run import NbgraderRun, split_times
from autograder.bench.ours import Graded, RunResult
from autograder.bench.report import targets
from autograder.course import CourseRepo
from autograder.errors import UserError


def test_split_times_separates_startup_from_each_student():
    startup, per_student, elapsed = split_times(10.0, [12.5, 20.0, 26.0], 30.0)
    assert startup == 2.5
    assert per_student == [7.5, 6.0, 4.0]
    assert elapsed == 17.5


def test_split_times_without_any_student_line():
    assert split_times(1.0, [], 4.0) == (3.0, [], 0.0)


def _run(sandbox: str, workers: int, seconds: list[float], elapsed: float,
         own: list[float] | None = None) -> RunResult:
    run = RunResult(sandbox, workers, elapsed=elapsed, warmups=[5.0], template_starts=[1.0],
                    paired=own is not None)
    run.submissions = [Graded(f"s{i}", s, "graded", 1.0, 1.0, own[i] if own else None)
                       for i, s in enumerate(seconds)]
    return run


def _bench(one_per_sub: float, many_elapsed: float, nbgrader_elapsed: float) -> AssignmentBench:
    bench = AssignmentBench("a", check_question="q", check_seconds=0.4)
    bench.runs = [_run("bwrap", 1, [one_per_sub] * 4, 4 * one_per_sub, own=[1.0] * 4),
                  _run("bwrap", 2, [one_per_sub] * 4, many_elapsed)]
    bench.nbgrader = NbgraderRun(per_student=[nbgrader_elapsed / 4] * 4, elapsed=nbgrader_elapsed,
                                 scores={f"s{i}": (1.0, 1.0) for i in range(4)})
    return bench


def test_targets_pass_when_the_numbers_meet_them():
    verdicts = {t.name.split()[0]: t.passed for t in targets(_bench(1.05, 2.3, 60.0), 2)}
    assert verdicts == {"overhead": True, ">=": True, "throughput": True, "self-check": True}


def test_targets_miss_when_they_do_not():
    verdicts = {t.name.split()[0]: t.passed for t in targets(_bench(2.0, 7.9, 40.0), 2)}
    assert verdicts["overhead"] is False  # 2.0 s graded vs 1.0 s in-process
    assert verdicts[">="] is False  # 4 subs in 7.9 s vs 4 in 40 s: about 5x
    assert verdicts["throughput"] is False  # 8.0 s with one worker, 7.9 s with two


def test_a_paired_run_reports_the_median_of_its_differences():
    """Each grading is compared with the in-process round just before it, so a slow moment of
    the machine that hits both sides of a pair cancels out."""
    paired = _run("bwrap", 1, [1.1, 3.0, 1.3, 1.2, 5.0], 0.0, own=[1.0, 2.7, 1.1, 1.0, 4.5])
    assert paired.own_seconds == 1.1
    assert paired.overhead == pytest.approx(0.2)  # not 4 s - 1.1 s: pairs, not means
    bench = AssignmentBench("a", runs=[paired])
    (overhead, *_) = targets(bench, 1)
    assert overhead.passed is False and "+0.20 s (median of 5 pairs" in overhead.value
    assert _run("bwrap", 2, [1.0], 1.0).overhead is None  # unpaired: no pairs to take


def test_a_paired_run_reports_how_far_its_pairs_spread():
    """One run's median says little when its pairs scatter: the report gives their middle half,
    so that a reader can tell +0.18 s from a goal of 0.1 s, or not."""
    paired = _run("bwrap", 1, [1.1, 1.5, 1.3, 1.2, 1.6], 0.0, own=[1.0] * 5)  # +0.1 to +0.6
    assert paired.overhead_spread == pytest.approx((0.2, 0.5))
    (overhead, *_) = targets(AssignmentBench("a", runs=[paired]), 1)
    assert "median of 5 pairs, middle half +0.20 to +0.50 s:" in overhead.value
    single = _run("bwrap", 1, [1.3], 0.0, own=[1.0])
    assert single.overhead_spread is None
    (overhead, *_) = targets(AssignmentBench("a", runs=[single]), 1)
    assert "median of 1 pair:" in overhead.value


def test_targets_without_measurements_say_so():
    bench = AssignmentBench("a")
    assert [t.passed for t in targets(bench, 2)] == [None, None, None]


@pytest.mark.parametrize("with_release", [True, False])
def test_only_released_assignments_are_benched(example_course: CourseRepo, with_release: bool):
    if with_release:
        (example_course.root / "release" / "squares").mkdir(parents=True)
    ready, skipped = ready_assignments(example_course, ["squares"])
    assert ready == (["squares"] if with_release else [])
    assert bool(skipped) is not with_release
    assert all("no release/squares yet" in note for note in skipped)


def test_an_unknown_assignment_is_a_user_error(example_course: CourseRepo):
    with pytest.raises(UserError, match="unknown assignment 'nope'"):
        ready_assignments(example_course, ["nope"])
