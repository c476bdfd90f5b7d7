"""A grading run survives what happens the night before grades are due: real processes, real kills.

Killed or terminated grade-all, a killed grading process, a submission whose graders keep dying,
Ctrl-C once and twice, two runs at once, a full disk.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from batch_support import (
    SLOW_CELL,
    cli,
    collect_files,
    descendants,
    gone,
    kill_next_grader,
    results,
    slow_cells,
    slow_notebook,
    summary_of,
    wait_for,
)

from autograder.authoring.solved import notebook_bytes, solved_notebook
from autograder.batch.exports.staff_csv import csv_rows
from autograder.batch.grade_all import MAX_ATTEMPTS, grade_all
from autograder.batch.lock import LOCK_NAME, workspace_lock
from autograder.course import CourseRepo
from autograder.errors import UserError
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.grades import compute_grades
from autograder.gradebook.store import set_override


@pytest.fixture
def sessions(example_course):
    return open_gradebook(example_course.workspace)


def _partials(workspace: Path) -> list[Path]:
    return [p for p in workspace.rglob("*") if ".partial" in p.name]


@pytest.mark.parametrize(("signum", "sandbox"), [(signal.SIGKILL, "bwrap"),
                                                 (signal.SIGTERM, "none")])
def test_killed_grade_all_leaves_no_process_and_a_rerun_completes(
        example_course, sessions, tmp_path: Path, signum: int, sandbox: str) -> None:
    files = {f"s{i}": slow_notebook(example_course, 2, tag=str(i)) for i in range(3)}
    collect_files(example_course, sessions, tmp_path / "inbox", files)
    out = tmp_path / "out.txt"
    args = ("grade-all", "squares", "-j", "2", "--sandbox", sandbox)
    proc = cli(example_course, out, *args)
    wait_for(lambda: results(sessions), 240, "a first stored result")
    worker = "bwrap" if sandbox == "bwrap" else "python"
    tree = wait_for(lambda: [p for p in descendants(proc.pid) if p.name() == worker] and
                    descendants(proc.pid), 60, "graders and their workers in the process tree")
    assert isinstance(tree, list)
    proc.send_signal(signum)
    code = proc.wait(timeout=60)
    assert gone(tree) == [], "processes outlived grade-all"
    text = out.read_text()
    assert "Traceback" not in text
    if signum == signal.SIGTERM:
        assert code == 143 and "run the same command again" in text
    rerun = grade_all(example_course, sessions, "squares", sandbox=sandbox, workers=2)
    assert rerun.errors == [] and rerun.graded + rerun.reused == len(files)
    stored = results(sessions)
    assert set(stored) == set(files)
    reference = {summary_of(r) for r in stored.values()}
    assert len(reference) == 1 and next(iter(reference))[0:2] == ("graded", 5.0)
    for student in files:
        exported = list((example_course.workspace / "autograded" / student).rglob("*.json"))
        assert len(exported) == 1
    assert _partials(example_course.workspace) == []


def _killer(marker_dir: Path, times: int) -> threading.Thread:
    """Kill -9 the grading process of each of the next `times` markers, from another thread."""
    def run() -> None:
        seen: set[str] = set()
        for _ in range(times):
            kill_next_grader(marker_dir, seen)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_killed_grading_process_costs_only_its_submission(
        example_course, sessions, tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    good = notebook_bytes(solved_notebook(example_course, "squares"))
    files = {"alice": slow_notebook(example_course, 3, markers), "bob": good,
             "carol": slow_notebook(example_course, 0.1, tag="carol"),
             "dave": slow_notebook(example_course, 0.1, tag="dave")}
    collect_files(example_course, sessions, tmp_path / "inbox", files)
    killer = _killer(markers, 1)
    summary = grade_all(example_course, sessions, "squares", sandbox="none", workers=2)
    killer.join(timeout=5)
    assert not killer.is_alive()
    stored = results(sessions)
    assert {s: (r["status"], r["score"]) for s, r in stored.items()} == {
        s: ("graded", 5.0) for s in files}
    assert summary.retried == 1 and summary.errors == []


def test_a_submission_that_keeps_killing_graders_is_a_grader_error_and_retried_next_run(
        example_course, sessions, tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    deadly = slow_notebook(example_course, 3, markers)
    files = {"alice": deadly, "alice_twin": deadly,
             "bob": notebook_bytes(solved_notebook(example_course, "squares"))}
    collect_files(example_course, sessions, tmp_path / "inbox", files)
    killer = _killer(markers, 2 * MAX_ATTEMPTS)
    first = grade_all(example_course, sessions, "squares", sandbox="none", workers=2)
    killer.join(timeout=5)
    stored = results(sessions)
    for student in ("alice", "alice_twin"):
        assert stored[student]["status"] == "grader-error"
        assert "not the student's doing" in stored[student]["message"]
    assert stored["bob"]["status"] == "graded"
    assert first.retried == 2 * (MAX_ATTEMPTS - 1)
    second = grade_all(example_course, sessions, "squares", sandbox="none", workers=2)
    assert second.reused == 1 and second.graded == 2  # grader errors are never reused
    assert {s: r["status"] for s, r in results(sessions).items()} == dict.fromkeys(files, "graded")


@pytest.fixture
def slow_batch(example_course, sessions, tmp_path: Path):
    """A CLI grade-all busy with a notebook that sleeps for minutes."""
    markers = tmp_path / "markers"
    markers.mkdir()
    collect_files(example_course, sessions, tmp_path / "inbox",
                  {"alice": slow_notebook(example_course, 300, markers)})
    out = tmp_path / "out.txt"
    proc = cli(example_course, out, "grade-all", "squares", "--sandbox", "none", "-j", "1")
    wait_for(lambda: list(markers.iterdir()), 240, "the slow cell to start")
    tree = descendants(proc.pid)
    yield proc, out, tree
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_soon_and_says_how_to_resume(slow_batch, example_course, tmp_path: Path,
                                                  presses: int) -> None:
    proc, out, tree = slow_batch
    if presses == 1:  # meanwhile a second grade-all on the same workspace refuses
        second = cli(example_course, tmp_path / "second.txt", "grade-all", "squares",
                     "--sandbox", "none")
        assert second.wait(timeout=120) == 2
        lines = (tmp_path / "second.txt").read_text().strip().splitlines()
        assert len(lines) == 1 and "already running" in lines[0]
        assert f"pid {proc.pid}" in lines[0] and LOCK_NAME in lines[0]
    for _ in range(presses):
        proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130  # not the five minutes the cell would sleep
    text = out.read_text()
    assert "Traceback" not in text and "run the same command again" in text
    assert gone(tree) == []


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 4 MiB tmpfs mounted for the test (root only: CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


@pytest.mark.parametrize("full", ["gradebook", "results"])
def test_a_full_disk_is_one_line_and_leaves_no_partial_files(
        example_course, tmp_path: Path, small_disk: Path, full: str) -> None:
    course = CourseRepo(example_course.root, small_disk / "workspace")
    db = f"sqlite:///{tmp_path / 'gradebook.sqlite'}" if full == "results" else None
    sessions = open_gradebook(course.workspace, db)
    collect_files(course, sessions, tmp_path / "inbox",
                  {"alice": slow_notebook(course, 0, tag="alice")})
    with workspace_lock(course.workspace, "an earlier run"):
        pass  # the lock file exists, as after any earlier batch
    filler = _fill(small_disk)
    if full == "gradebook":  # through the CLI: one line, exit 2
        out = tmp_path / "out.txt"
        proc = cli(course, out, "grade-all", "squares", "--sandbox", "none", "-j", "1")
        assert proc.wait(timeout=240) == 2
        lines = out.read_text().strip().splitlines()
        assert "Traceback" not in out.read_text()
        message = lines[-1]
    else:
        with pytest.raises(UserError) as error:
            grade_all(course, sessions, "squares", sandbox="none", workers=1)
        message = str(error.value)
        assert "\n" not in message
    assert "no space left" in message and str(small_disk) in message
    assert _partials(course.workspace) == []
    filler.unlink()
    again = grade_all(course, sessions, "squares", sandbox="none", workers=1)
    assert again.errors == []
    assert {s: r["status"] for s, r in results(sessions).items()} == {"alice": "graded"}
    assert len(list((course.workspace / "autograded" / "alice").rglob("*.json"))) == 1


def test_an_override_of_an_older_submission_is_flagged_not_applied(
        example_course, sessions, tmp_path: Path) -> None:
    config = example_course.config
    collect_files(example_course, sessions, tmp_path / "v1",
                  {"alice": slow_notebook(example_course, 0, tag="first")})
    with sessions() as session:
        set_override(session, config, "squares", "alice", "square", 1.0, "style")
        session.commit()
        (grade,) = compute_grades(session, config, "squares")
        assert grade.overridden == ["square"] and grade.outdated_overrides == []
    collect_files(example_course, sessions, tmp_path / "v2",
                  {"alice": slow_notebook(example_course, 0, tag="resubmitted")})
    with sessions() as session:
        (grade,) = compute_grades(session, config, "squares")
        assert grade.overridden == [] and grade.outdated_overrides == ["square"]
        assert grade.questions["square"].score != 1.0
        header, row = csv_rows(config, [grade])
        assert row[header.index("override_outdated")] == "square"
        set_override(session, config, "squares", "alice", "square", 1.0, "still style")
        session.commit()
        (grade,) = compute_grades(session, config, "squares")
        assert grade.overridden == ["square"] and grade.questions["square"].score == 1.0



@pytest.mark.parametrize("sandbox", ["bwrap", "bwrap-cold"])
def test_an_interrupted_grading_ends_at_once_and_blames_no_student(example_course, sandbox):
    """`Grader.interrupt` (a batch stopped at once on Dask) ends the grading in progress within
    seconds as a grader-error, never a status of the student's own. A cold sandbox's worker once
    ran on to its cell's time limit, and fresh workers then replayed the cells."""
    import nbformat

    from autograder.batch.bundle import Bundle
    from autograder.batch.executor import Task
    from autograder.batch.grader import Grader
    from autograder.grading.grade import GradingSpec
    from autograder.grading.results import Result

    nb = solved_notebook(example_course, "squares")
    nb.cells.append(nbformat.v4.new_code_cell(SLOW_CELL))
    bundle = Bundle.of(GradingSpec.from_repo(example_course, "squares"))
    grader = Grader(sandbox)
    done: list[str] = []
    task = Task(1, "slow", "slow.ipynb", notebook_bytes(nb))
    thread = threading.Thread(target=lambda: done.append(grader.grade(task, bundle.sha256,
                                                                      bundle.data)))

    try:
        thread.start()
        running = wait_for(slow_cells, 180, "the slow cell running")
        grader.interrupt()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the grading ran on after the interrupt"
        assert gone(running, timeout=15) == []
        result = Result.model_validate_json(done[0])
        assert result.status == "grader-error", result.message
    finally:
        grader.close()
