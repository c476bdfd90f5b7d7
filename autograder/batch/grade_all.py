"""`autograder grade-all`: every student's counting submission, graded in parallel, resumably.

This is the batch engine: what to grade, the canary, reuse, retries, storing and progress,
written once against the executor seam (executor.py); the local pool and Dask run the tasks.
Each finished result is stored at once (the gradebook, one commit per submission, then
autograded/<student>/<assignment>/<sha256>.json), so an interrupted batch loses only what was in
flight and the next run continues from there. Only this process writes them.

A result is reused when the notebook's content and the grading fingerprint are unchanged; grader
errors are never reused, so a rerun retries them. A submission whose grader died is retried on
another grading process, up to `MAX_ATTEMPTS` times; then it is a grader-error, never the
student's fault. The reference solution is graded first as a canary: if it does not earn full
marks, the tests or the grader are broken and no student is graded. Only batches that ask for it
(the web app's one-upload batches) reuse a canary that passed while nothing it depends on changed
(canary.py); every other batch grades it anew.
"""

from __future__ import annotations

import os
import queue
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..course import CourseRepo
from ..errors import UserError
from ..gradebook.models import SubmissionRow
from ..gradebook.store import ensure_assignment, latest_submissions, record_result, reusable_results
from ..grading.grade import GradingSpec
from ..grading.results import Result
from ..notebook import InvalidNotebook, read_bytes
from ..submission import load_submission
from .bundle import Bundle
from .canary import canary_file, canary_ok, keep_canary, kept_canary
from .disk import disk_full, write_atomically
from .executor import Executor, Outcome, Task
from .fingerprint import spec_fingerprint
from .lock import workspace_lock
from .stop import StopRequest

MAX_ATTEMPTS = 3
CANARY_KEY = 0  # gradebook ids start at 1


class CanaryFailed(UserError):
    """The reference solution did not earn full marks: stop before grading anyone."""


@dataclass
class Hooks:
    """What the caller sees of a batch: a progress bar in the CLI, nothing in tests."""

    def begin(self, total: int, to_grade: int) -> None: ...

    def canary(self, result: Result | None) -> None: ...

    def finished(self, student: str, result: Result) -> None: ...


@dataclass
class BatchSummary:
    """What one run of grade-all did: counts by outcome, the canary, and the grader errors."""

    total: int = 0
    graded: int = 0
    reused: int = 0
    retried: int = 0
    statuses: Counter = field(default_factory=Counter)
    canary: Result | None = None
    canary_kept: bool = False  # the canary is an earlier batch's (canary.py), not graded now
    interrupted: str | None = None  # the signal that stopped the batch
    errors: list[Result] = field(default_factory=list)


@dataclass
class _Job:
    """A submission the engine has to grade, and how often its grading was tried."""

    submission_id: int
    student: str | None
    path: Path
    sha256: str
    attempts: int = 0


def result_path(workspace: Path, student: str, assignment_id: str, sha256: str) -> Path:
    return workspace / "autograded" / student / assignment_id / f"{sha256}.json"


def _store(session: Session, workspace: Path, done: list[tuple[_Job, Result]],
           fingerprint: str) -> None:
    """Record results in the gradebook (the record) in one commit, then export each to
    autograded/. Results that arrive together are stored together: one commit per result would
    cost the coordinator more than the results themselves."""
    rows = []
    try:
        for job, result in done:
            rows.append((job, record_result(session, session.get(SubmissionRow, job.submission_id),
                                            result, fingerprint)))
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if "full" in str(exc.orig):  # SQLite: "database or disk is full"
            raise disk_full(session.get_bind().url.database or "the gradebook") from None
        raise
    for (job, result), (_, row) in zip(done, rows, strict=True):
        assert job.student is not None
        write_atomically(result_path(workspace, job.student, row.assignment_id,
                                     row.sha256 or job.sha256), result.model_dump_json(indent=2))


def _canary_message(assignment_id: str, result: Result) -> str:
    failing = [t.name for t in result.tests if t.status != "passed"]
    detail = result.message or (f"failing: {', '.join(failing[:5])}" if failing else "")
    return (f"canary failed: the reference solution of {assignment_id} ended {result.status} "
            f"with {result.score:g}/{result.max_score:g} ({detail}); fix the tests or the grader "
            "before grading students (check with `autograder validate`)")


def grade_all(repo: CourseRepo, sessions: sessionmaker[Session], assignment_id: str,
              sandbox: str = "bwrap", workers: int | None = None, student: str | None = None,
              force: bool = False, hooks: Hooks | None = None,
              executor: Executor | None = None, reuse_canary: bool = False) -> BatchSummary:
    """Grade what needs grading on `executor` (default: a local pool of `workers` processes).

    The canary is graded anew unless `reuse_canary` (the web app's batches of one upload): then
    one kept from an earlier batch with the same tests, reference and sandbox is reused."""
    hooks = hooks or Hooks()
    spec = GradingSpec.from_repo(repo, assignment_id, hidden=True)
    fingerprint = spec_fingerprint(spec)
    workspace = repo.workspace
    summary = BatchSummary()
    with workspace_lock(workspace, " ".join([Path(sys.argv[0]).name, *sys.argv[1:3]])), sessions() as session, \
            StopRequest() as stop:
        ensure_assignment(session, repo.config, assignment_id)
        latest = latest_submissions(session, assignment_id)
        if student is not None:
            if student not in latest:
                raise UserError(f"no collected submission of {student!r} for {assignment_id}")
            latest = {student: latest[student]}
        jobs: list[_Job] = []
        reusable = {} if force or student else reusable_results(session, assignment_id,
                                                                 fingerprint)
        for sid, row in sorted(latest.items()):
            path = workspace / row.path
            sha = row.notebook_sha256 or _notebook_sha(path)
            if sha is None:  # not even a zip that opens: collect's reason is its note
                job = _Job(row.id, sid, path, row.file_sha256)
                _store(session, workspace, [(job, Result(
                    submission=str(path), student=sid, assignment=assignment_id,
                    status="invalid", max_score=spec.assignment.autograded_max_score,
                    message=row.note or f"{path}: not a readable submission"))], fingerprint)
                summary.statuses["invalid"] += 1
                continue
            job = _Job(row.id, sid, path, sha)
            current = row.result
            if not force and student is None and current is not None and (
                    current.sha256 == sha and current.fingerprint == fingerprint
                    and current.status != "grader-error"):
                exported = result_path(workspace, sid, assignment_id, current.sha256)
                if not exported.exists():  # the disk was full when it was graded
                    write_atomically(exported, current.contract().model_dump_json(indent=2))
                summary.statuses[current.status] += 1
                summary.reused += 1
                continue
            earlier = reusable.get(sha)
            if earlier is not None:  # another submission's result: it becomes this one's
                reuse = earlier.contract().model_copy(update={"student": sid,
                                                              "submission": str(path)})
                _store(session, workspace, [(job, reuse)], fingerprint)
                summary.statuses[reuse.status] += 1
                summary.reused += 1
                continue
            jobs.append(job)
        summary.total = len(latest)
        hooks.begin(summary.total, len(jobs))
        if jobs:
            if executor is None:
                from .pool import LocalPool  # the pool's machinery only when there is work

                executor = LocalPool(sandbox, min(workers or os.cpu_count() or 1, len(jobs)))
            kept = canary_file(workspace, spec, fingerprint, repo.source(assignment_id).notebook,
                               sandbox) if reuse_canary and not force else None
            _Batch(repo, session, spec, fingerprint, executor, hooks, summary, stop,
                   kept).run(jobs)
    return summary


def _notebook_sha(path: Path) -> str | None:
    """For a submission collected before collect recorded the notebook's hash."""
    try:
        return load_submission(path).sha256
    except InvalidNotebook:
        return None


@dataclass
class _Batch:
    """One run of the engine over an executor: submit, collect outcomes, retry, store."""

    repo: CourseRepo
    session: Session
    spec: GradingSpec
    fingerprint: str
    executor: Executor
    hooks: Hooks
    summary: BatchSummary
    stop: StopRequest
    canary_at: Path | None = None  # where a passing canary is kept (canary.py); None: regrade
    outcomes: queue.Queue[tuple[Task, Outcome]] = field(default_factory=queue.Queue)

    def _submit(self, key: int, job: _Job) -> None:
        task = Task(key, job.student, str(job.path), read_bytes(job.path))
        self.executor.submit(task, lambda t, o: self.outcomes.put((t, o)))

    def _next(self) -> tuple[Task, Outcome] | None:
        """The next outcome, or None once a stop was asked for (checked every 0.2 s)."""
        while not self.stop.requested:
            try:
                return self.outcomes.get(timeout=0.2)
            except queue.Empty:
                continue
        return None

    def _result(self, job: _Job, outcome: Outcome) -> Result:
        if outcome.kind == "result":
            try:
                return Result.model_validate_json(outcome.text)
            except ValueError as exc:
                message = f"the grader sent an unreadable result ({str(exc).splitlines()[0]})"
        else:
            message = outcome.text
        return Result(submission=str(job.path), student=job.student,
                      assignment=self.spec.assignment_id, status="grader-error",
                      max_score=self.spec.assignment.autograded_max_score, sha256=job.sha256,
                      message=f"grader error: {message}")

    def _retry(self, job: _Job, outcome: Outcome, result: Result) -> bool:
        """A grader-side failure is retried (elsewhere, as the executor sees fit), boundedly."""
        job.attempts += 1
        if result.status != "grader-error" or outcome.final or job.attempts >= MAX_ATTEMPTS:
            if result.status == "grader-error" and job.attempts > 1:
                result.message += (f" (after {job.attempts} attempts; not the student's doing: "
                                   "run grade-all again to retry)")
            return False
        self.summary.retried += 1
        return True

    def _canary(self) -> Result | None:
        kept = kept_canary(self.canary_at)
        if kept is not None:
            self.summary.canary_kept = True
            return kept
        reference = self.repo.source(self.spec.assignment_id).notebook
        job = _Job(CANARY_KEY, None, reference, "")
        while True:
            self._submit(CANARY_KEY, job)
            got = self._next()
            if got is None:
                return None
            result = self._result(job, got[1])
            if not self._retry(job, got[1], result):
                keep_canary(self.canary_at, result)
                return result

    def run(self, jobs: list[_Job]) -> None:
        finished = False
        try:
            capacity = self.executor.start(Bundle.of(self.spec))
            canary = self._canary()
            if canary is not None:
                self.summary.canary = canary
                self.hooks.canary(canary)
                if not canary_ok(canary):
                    raise CanaryFailed(_canary_message(self.spec.assignment_id, canary))
                self._grade(jobs, 2 * capacity)
            finished = not self.stop.requested
        finally:
            self.summary.interrupted = self.stop.signal
            self.executor.close(now=not finished)

    def _grade(self, jobs: list[_Job], window: int) -> None:
        waiting = deque(jobs)
        running: dict[int, _Job] = {}
        while waiting or running:
            while waiting and len(running) < window:  # bytes in memory only for a window
                job = waiting.popleft()
                try:
                    self._submit(job.submission_id, job)
                except InvalidNotebook as exc:  # the file went away since collect
                    self._finish([(job, Result(
                        submission=str(job.path), student=job.student,
                        assignment=self.spec.assignment_id, status="invalid",
                        max_score=self.spec.assignment.autograded_max_score, message=str(exc)))])
                    continue
                running[job.submission_id] = job
            got = self._next()
            if got is None:
                return
            finished = []
            while got is not None:  # and whatever else has arrived meanwhile
                task, outcome = got
                job = running.pop(task.key)
                result = self._result(job, outcome)
                if self._retry(job, outcome, result):
                    waiting.appendleft(job)
                else:
                    finished.append((job, result))
                got = self._arrived()
            self._finish(finished)

    def _arrived(self) -> tuple[Task, Outcome] | None:
        try:
            return self.outcomes.get_nowait()
        except queue.Empty:
            return None

    def _finish(self, finished: list[tuple[_Job, Result]]) -> None:
        _store(self.session, self.repo.workspace, finished, self.fingerprint)
        for job, result in finished:
            self.summary.graded += 1
            self.summary.statuses[result.status] += 1
            if result.status == "grader-error":
                self.summary.errors.append(result)
            self.hooks.finished(job.student or "", result)
