"""Manual grading: rubric items, the items a TA applies to an answer, comments, publication.

A manual score is never stored: it is the sum of the points of the items applied to the answer,
kept within 0..the question's points, computed whenever it is needed. So changing an item's
points re-scores every answer that has it (what Gradescope's rubrics do). The rubric starts as
the one in grading_config.yaml; afterwards the gradebook's copy is the live one (TAs edit points
and add items while grading), and items added to the file later are appended.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..config import Assignment, GradingConfig
from ..errors import UserError
from .models import (
    AppliedItem,
    ManualGrade,
    ManualPublication,
    RubricItemRow,
    Student,
    now,
)
from .store import ensure_assignment


@dataclass(frozen=True)
class ManualScore:
    """A published manual question's score and the TA's comment."""

    score: float
    comment: str


def manual_question(config: GradingConfig, assignment_id: str, question: str) -> Assignment:
    spec = config.assignment(assignment_id)
    if question not in spec.manual:
        raise UserError(f"{assignment_id!r} has no manual question {question!r} "
                        f"(manual: {', '.join(spec.manual) or 'none'})")
    return spec


def sync_rubric(session: Session, config: GradingConfig, assignment_id: str) -> None:
    """Add the configured rubric items the gradebook does not have yet (by their id)."""
    ensure_assignment(session, config, assignment_id)
    for name, question in config.assignment(assignment_id).manual.items():
        known = set(session.scalars(select(RubricItemRow.key).where(
            RubricItemRow.assignment_id == assignment_id, RubricItemRow.question == name)))
        for position, item in enumerate(question.rubric):
            if item.id not in known:
                session.add(RubricItemRow(assignment_id=assignment_id, question=name,
                                          key=item.id, description=item.description,
                                          points=item.points, position=position))
    session.flush()


def rubric(session: Session, assignment_id: str, question: str) -> list[RubricItemRow]:
    return list(session.scalars(select(RubricItemRow).where(
        RubricItemRow.assignment_id == assignment_id, RubricItemRow.question == question)
        .order_by(RubricItemRow.position, RubricItemRow.id)))


def add_item(session: Session, assignment_id: str, question: str, description: str,
             points: float) -> RubricItemRow:
    if not description.strip():
        raise UserError("a rubric item needs a description")
    position = session.scalar(select(func.count()).select_from(RubricItemRow).where(
        RubricItemRow.assignment_id == assignment_id, RubricItemRow.question == question)) or 0
    row = RubricItemRow(assignment_id=assignment_id, question=question,
                        key=f"item{position + 1}", description=description.strip(),
                        points=points, position=position)
    session.add(row)
    session.flush()
    return row


def item(session: Session, assignment_id: str, question: str, item_id: int) -> RubricItemRow:
    row = session.get(RubricItemRow, item_id)
    if row is None or row.assignment_id != assignment_id or row.question != question:
        raise UserError(f"no rubric item {item_id} in {assignment_id}/{question}")
    return row


def grade_of(session: Session, student_id: str, assignment_id: str, question: str,
             create: bool = False) -> ManualGrade | None:
    row = session.scalar(select(ManualGrade).where(
        ManualGrade.student_id == student_id, ManualGrade.assignment_id == assignment_id,
        ManualGrade.question == question))
    if row is None and create:
        if session.get(Student, student_id) is None:
            raise UserError(f"no student {student_id!r} in the gradebook")
        row = ManualGrade(student_id=student_id, assignment_id=assignment_id, question=question)
        session.add(row)
        session.flush()
    return row


def score_of(grade: ManualGrade, points: float) -> float:
    """The sum of the applied items' current points, within 0..points."""
    total = sum(applied.item.points for applied in grade.applied)
    return round(min(max(total, 0.0), points), 6)


def set_applied(session: Session, grade: ManualGrade, row: RubricItemRow, applied: bool,
                by: str) -> None:
    """Apply or remove one item; the grade records who touched it last and when."""
    current = next((a for a in grade.applied if a.item_id == row.id), None)
    if applied and current is None:
        grade.applied.append(AppliedItem(item=row, applied_by=by, applied_at=now()))
    elif not applied and current is not None:
        grade.applied.remove(current)
    grade.graded_by, grade.graded_at = by, now()
    session.flush()


def set_comment(grade: ManualGrade, comment: str, by: str) -> None:
    grade.comment = comment.strip()
    grade.graded_by, grade.graded_at = by, now()


def publish(session: Session, assignment_id: str, question: str, by: str,
            published: bool = True) -> None:
    row = session.get(ManualPublication, (assignment_id, question))
    if published and row is None:
        session.add(ManualPublication(assignment_id=assignment_id, question=question,
                                      published_by=by, published_at=now()))
    elif not published and row is not None:
        session.delete(row)
    session.flush()


def published_questions(session: Session, assignment_id: str) -> dict[str, ManualPublication]:
    rows = session.scalars(select(ManualPublication)
                           .where(ManualPublication.assignment_id == assignment_id))
    return {row.question: row for row in rows}


def manual_grades(session: Session, assignment_id: str) -> dict[tuple[str, str], ManualGrade]:
    rows = session.scalars(select(ManualGrade).where(ManualGrade.assignment_id == assignment_id))
    return {(row.student_id, row.question): row for row in rows}


def published_scores(session: Session, config: GradingConfig,
                     assignment_id: str) -> dict[tuple[str, str], ManualScore]:
    """The manual scores and comments students may see: those of published questions."""
    spec = config.assignment(assignment_id)
    published = published_questions(session, assignment_id)
    return {key: ManualScore(score_of(grade, spec.questions[grade.question].points),
                             grade.comment)
            for key, grade in manual_grades(session, assignment_id).items()
            if grade.question in published and grade.question in spec.manual}
