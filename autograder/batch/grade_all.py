"""`autograder grade-all`: every student's counting submission, graded in parallel, resumably.

Each finished result is written at once (autograded/<student>/<assignment>/<sha256>.json and the
gradebook, one commit per submission), so an interrupted batch loses only what was in flight and
the next run continues from there. A result is reused when the notebook's content and the
grading fingerprint are unchanged; grader errors are never reused, so a rerun retries them.
The reference solution is graded first as a canary: if it does not earn full marks, the tests
or the grader are broken and no student is graded.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ..course import CourseRepo
from ..errors import UserError
from ..gradebook.models import SubmissionRow
from ..gradebook.store import cached_result, ensure_assignment, latest_submissions, record_result
from ..grading.grade import GradingSpec
from ..grading.results import Result
from ..notebook import InvalidNotebook
from ..submission import load_submission
from .fingerprint import spec_fingerprint
from .pool import grade_in_pool, make_pool, ready


class CanaryFailed(UserError):
    """The reference solution did not earn full marks: stop before grading anyone."""


@dataclass
class Hooks:
    """What the caller sees of a batch: a progress bar in the CLI, nothing in tests."""

    def begin(self, total: int, to_grade: int) -> None: ...

    def canary(self, result: Result | None) -> None: ...

    def finished(self, student: str, result: Result, cached: bool) -> None: ...


@dataclass
class BatchSummary:
    total: int = 0
    graded: int = 0
    reused: int = 0
    statuses: Counter = field(default_factory=Counter)
    canary: Result | None = None
    interrupted: bool = False
    errors: list[Result] = field(default_factory=list)


@dataclass
class _Job:
    submission_id: int
    student: str
    path: Path
    sha256: str


def result_path(workspace: Path, student: str, assignment_id: str, sha256: str) -> Path:
    return workspace / "autograded" / student / assignment_id / f"{sha256}.json"


def _export_json(path: Path, result: Result) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(result.model_dump_json(indent=2))
    os.replace(partial, path)


def _store(session: Session, workspace: Path, job: _Job, result: Result, fingerprint: str) -> None:
    """Record the result in the gradebook (the record), then export it to autograded/."""
    row = record_result(session, session.get(SubmissionRow, job.submission_id), result,
                        fingerprint)
    session.commit()
    _export_json(result_path(workspace, job.student, result.assignment,
                             result.sha256 or job.sha256), row.contract())


def canary_ok(result: Result) -> bool:
    return result.status == "graded" and result.score >= result.max_score - 1e-9


def _canary_message(assignment_id: str, result: Result) -> str:
    failing = [t.name for t in result.tests if t.status != "passed"]
    detail = result.message or (f"failing: {', '.join(failing[:5])}" if failing else "")
    return (f"canary failed: the reference solution of {assignment_id} ended {result.status} "
            f"with {result.score:g}/{result.max_score:g} ({detail}); fix the tests or the grader "
            "before grading students (check with `autograder validate`)")


def grade_all(repo: CourseRepo, sessions: sessionmaker[Session], assignment_id: str,
              sandbox: str = "bwrap", workers: int | None = None, student: str | None = None,
              force: bool = False, hooks: Hooks | None = None) -> BatchSummary:
    hooks = hooks or Hooks()
    spec = GradingSpec.from_repo(repo, assignment_id, hidden=True)
    fingerprint = spec_fingerprint(spec)
    workspace = repo.workspace
    summary = BatchSummary()
    with sessions() as session:
        ensure_assignment(session, repo.config, assignment_id)
        latest = latest_submissions(session, assignment_id)
        if student is not None:
            if student not in latest:
                raise UserError(f"no collected submission of {student!r} for {assignment_id}")
            latest = {student: latest[student]}
        jobs: list[_Job] = []
        for sid, row in sorted(latest.items()):
            path = workspace / row.path
            sha = row.notebook_sha256 or _notebook_sha(path)
            if sha is None:  # not even a zip that opens: collect's reason is its note
                job = _Job(row.id, sid, path, row.file_sha256)
                _store(session, workspace, job, Result(
                    submission=str(path), student=sid, assignment=assignment_id,
                    status="invalid", max_score=spec.assignment.max_score,
                    message=row.note or f"{path}: not a readable submission"), fingerprint)
                summary.statuses["invalid"] += 1
                continue
            job = _Job(row.id, sid, path, sha)
            current = row.result
            if not force and student is None and current is not None and (
                    current.sha256 == sha and current.fingerprint == fingerprint
                    and current.status != "grader-error"):
                summary.statuses[current.status] += 1
                summary.reused += 1
                continue
            reuse = None if force or student else cached_result(session, assignment_id, sha,
                                                                 fingerprint)
            if reuse is not None:  # another submission's result: it becomes this one's
                reuse = reuse.model_copy(update={"student": sid, "submission": str(path)})
                _store(session, workspace, job, reuse, fingerprint)
                summary.statuses[reuse.status] += 1
                summary.reused += 1
                continue
            jobs.append(job)
        summary.total = len(latest)
        hooks.begin(summary.total, len(jobs))
        if jobs:
            _run(repo, session, spec, jobs, fingerprint, sandbox,
                 workers or os.cpu_count() or 1, hooks, summary)
    return summary


def _notebook_sha(path: Path) -> str | None:
    """For a submission collected before collect recorded the notebook's hash."""
    try:
        return load_submission(path).sha256
    except InvalidNotebook:
        return None


def _run(repo: CourseRepo, session: Session, spec: GradingSpec, jobs: list[_Job],
         fingerprint: str, sandbox: str, workers: int, hooks: Hooks,
         summary: BatchSummary) -> None:
    pool = make_pool(repo, spec.assignment_id, sandbox, min(workers, len(jobs) + 1))
    try:
        reference = repo.source(spec.assignment_id).notebook
        canary_job = _Job(0, "reference", reference, "")
        future = pool.submit(grade_in_pool, str(reference), None)
        for _ in range(min(workers, len(jobs)) - 1):  # start the other graders meanwhile
            pool.submit(ready)
        wait([future])
        canary = _outcome(future, canary_job, spec)
        summary.canary = canary
        hooks.canary(canary)
        if not canary_ok(canary):
            raise CanaryFailed(_canary_message(spec.assignment_id, canary))
        pending: dict[Future, _Job] = {pool.submit(grade_in_pool, str(j.path), j.student): j
                                       for j in jobs}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                result = _outcome(future, job, spec)
                _store(session, repo.workspace, job, result, fingerprint)
                summary.graded += 1
                summary.statuses[result.status] += 1
                if result.status == "grader-error":
                    summary.errors.append(result)
                hooks.finished(job.student, result, cached=False)
    except KeyboardInterrupt:
        summary.interrupted = True
        _stop(pool)
    finally:
        pool.shutdown(wait=not summary.interrupted, cancel_futures=True)


def _outcome(future: Future, job: _Job, spec: GradingSpec) -> Result:
    try:
        return Result.model_validate_json(future.result())
    except BrokenProcessPool as exc:  # a grading process died: the grader's fault, regradable
        message = f"grader error: the grading process died ({exc})"
    except Exception as exc:  # noqa: BLE001 - same: never the student's zero
        message = f"grader error: {type(exc).__name__}: {exc}"
    return Result(submission=str(job.path), student=job.student, assignment=spec.assignment_id,
                  status="grader-error", max_score=spec.assignment.max_score,
                  sha256=job.sha256, message=message)


def _stop(pool) -> None:
    """Ctrl-C: end the grading processes this batch started; their sandboxes die with them."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


