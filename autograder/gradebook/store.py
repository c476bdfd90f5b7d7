"""Reading and writing the gradebook: students, submissions, results, overrides."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..config import GradingConfig
from ..errors import UserError
from ..grading.results import Result
from .models import AssignmentRow, GradeResult, Override, Student, SubmissionRow, now


def ensure_assignment(session: Session, config: GradingConfig, assignment_id: str) -> AssignmentRow:
    spec = config.assignment(assignment_id)
    row = session.get(AssignmentRow, assignment_id)
    if row is None:
        row = AssignmentRow(id=assignment_id)
        session.add(row)
    row.title, row.max_score = spec.title, spec.max_score
    return row


def upsert_student(session: Session, student_id: str, name: str = "",
                   lms_id: str | None = None) -> Student:
    row = session.get(Student, student_id)
    if row is None:
        row = Student(id=student_id, name=name, lms_id=lms_id)
        session.add(row)
    if name:
        row.name = name
    if lms_id:
        row.lms_id = lms_id
    return row


def find_submission(session: Session, student_id: str, assignment_id: str,
                    file_sha256: str) -> SubmissionRow | None:
    return session.scalar(select(SubmissionRow).where(
        SubmissionRow.student_id == student_id, SubmissionRow.assignment_id == assignment_id,
        SubmissionRow.file_sha256 == file_sha256))


def submissions(session: Session, assignment_id: str) -> list[SubmissionRow]:
    """All submissions of an assignment, oldest first (ties: order of collection), with their
    results loaded in one more query instead of one query per submission."""
    return list(session.scalars(select(SubmissionRow)
                                .where(SubmissionRow.assignment_id == assignment_id)
                                .order_by(SubmissionRow.submitted_at, SubmissionRow.id)
                                .options(selectinload(SubmissionRow.result))))


def latest_submissions(session: Session, assignment_id: str) -> dict[str, SubmissionRow]:
    """The submission that counts for each student: the latest one."""
    latest: dict[str, SubmissionRow] = {}
    for row in submissions(session, assignment_id):
        latest[row.student_id] = row
    return latest


def record_result(session: Session, submission: SubmissionRow, result: Result,
                  fingerprint: str) -> GradeResult:
    """Replace the submission's result; a grader error is stored as such, never as a zero."""
    if submission.result is not None:
        session.delete(submission.result)
        session.flush()
    row = GradeResult(
        submission_id=submission.id, assignment_id=submission.assignment_id,
        sha256=result.sha256, fingerprint=fingerprint, status=result.status,
        result_json=result.model_dump_json(), graded_at=now())
    session.add(row)
    submission.result = row
    return row


def reusable_results(session: Session, assignment_id: str,
                     fingerprint: str) -> dict[str, GradeResult]:
    """Finished results under this grading by notebook hash (the newest for each), in one query:
    a submission whose content was graded before takes that result instead of a new grading."""
    rows = session.scalars(select(GradeResult).where(
        GradeResult.assignment_id == assignment_id, GradeResult.fingerprint == fingerprint,
        GradeResult.status != "grader-error", GradeResult.sha256.is_not(None))
        .order_by(GradeResult.graded_at, GradeResult.id))
    return {row.sha256: row for row in rows if row.sha256}  # later rows win: the newest


def overrides(session: Session, assignment_id: str) -> dict[tuple[str, str], Override]:
    rows = session.scalars(select(Override).where(Override.assignment_id == assignment_id))
    return {(o.student_id, o.question): o for o in rows}


def set_override(session: Session, config: GradingConfig, assignment_id: str, student_id: str,
                 question: str, score: float, comment: str) -> Override:
    spec = config.assignment(assignment_id)
    if question not in spec.questions:
        raise UserError(f"assignment {assignment_id!r} has no question {question!r} "
                        f"(questions: {', '.join(spec.questions)})")
    points = spec.questions[question].points
    if not 0 <= score <= points:
        raise UserError(f"score {score:g} for {question!r} is outside 0..{points:g}")
    if not comment.strip():
        raise UserError("an override needs a comment saying why (--comment \"...\")")
    if session.get(Student, student_id) is None:
        raise UserError(f"no student {student_id!r} in the gradebook")
    counting = latest_submissions(session, assignment_id).get(student_id)
    if counting is None:
        raise UserError(f"{student_id!r} has no submission for {assignment_id!r}: an override "
                        "changes the score of graded work; collect their work first "
                        "(autograder collect)")
    ensure_assignment(session, config, assignment_id)
    row = session.scalar(select(Override).where(
        Override.student_id == student_id, Override.assignment_id == assignment_id,
        Override.question == question))
    if row is None:
        row = Override(student_id=student_id, assignment_id=assignment_id, question=question)
        session.add(row)
    row.score, row.comment, row.created_at = score, comment.strip(), now()
    row.submission_id = counting.id
    return row


def remove_override(session: Session, assignment_id: str, student_id: str, question: str) -> None:
    row = session.scalar(select(Override).where(
        Override.student_id == student_id, Override.assignment_id == assignment_id,
        Override.question == question))
    if row is None:
        raise UserError(f"no override for {student_id!r}, {assignment_id!r}, {question!r}")
    session.delete(row)
