"""The gradebook's tables.

A result is stored per submission together with the notebook's content hash and the grading
fingerprint it was produced under, so unchanged work is never graded twice. TA overrides are keyed
by student, assignment and question, not by submission: they survive regrading and resubmission.
Times are stored as naive UTC and come back as aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..grading.results import Result


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the gradebook stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The gradebook's metadata: the tables below, and what the migrations are compared with."""


class Student(Base):
    """A person who should submit: known from a worksheet, or from a collected file."""

    __tablename__ = "students"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    lms_id: Mapped[str | None] = mapped_column(String(80), default=None)


class AssignmentRow(Base):
    """An assignment's title and points as they were when the gradebook last used them."""

    __tablename__ = "assignments"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    max_score: Mapped[float] = mapped_column(Float, default=0.0)


class SubmissionRow(Base):
    """One collected file; the original stays untouched at `path` (relative to the workspace)."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("student_id", "assignment_id", "file_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), index=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    original_name: Mapped[str] = mapped_column(String(500), default="")
    file_sha256: Mapped[str] = mapped_column(String(64))
    # the notebook's content hash (inside a zip), known when collect could read the file: a
    # batch decides what to reuse without reading the file again
    notebook_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_source: Mapped[str] = mapped_column(String(20))  # lms-worksheet | collection
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    readable: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    student: Mapped[Student] = relationship()
    result: Mapped[GradeResult | None] = relationship(
        back_populates="submission", cascade="all, delete-orphan", uselist=False)


class GradeResult(Base):
    """The results contract of one submission: `result_json` is the record, everything else reads it.

    `sha256`, `fingerprint` and `status` are copies taken from it when it is written, kept as
    columns only so that a reusable result can be found by a query.
    """

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    assignment_id: Mapped[str] = mapped_column(String(80), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the notebook's content
    fingerprint: Mapped[str] = mapped_column(String(64))  # tests, data, scheme, grader version
    status: Mapped[str] = mapped_column(String(20))
    result_json: Mapped[str] = mapped_column(Text)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    submission: Mapped[SubmissionRow] = relationship(back_populates="result")

    def contract(self) -> Result:
        """The stored results contract."""
        return Result.model_validate_json(self.result_json)


class Override(Base):
    """A TA's replacement for one question's score, with the reason."""

    __tablename__ = "overrides"
    __table_args__ = (UniqueConstraint("student_id", "assignment_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"))
    question: Mapped[str] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by: Mapped[str] = mapped_column(String(80), default="")  # account; empty: the shell
    # the submission the TA looked at: after a resubmission the override is flagged, not applied
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), default=None)


class RubricItemRow(Base):
    """A rubric item as TAs use it: seeded from grading_config.yaml, its points editable.

    Scores are never copied into answers: a manual score is computed from the items applied to
    it, so changing an item's points re-scores every answer that has it.
    """

    __tablename__ = "rubric_items"
    __table_args__ = (UniqueConstraint("assignment_id", "question", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), index=True)
    question: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ManualGrade(Base):
    """A TA's grading of one student's answer to a manual question: applied items, a comment.

    Keyed by student like an override, so it survives regrading; `submission_id` says which
    submission's answer was graded (a newer one is flagged for a second look)."""

    __tablename__ = "manual_grades"
    __table_args__ = (UniqueConstraint("student_id", "assignment_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"))
    question: Mapped[str] = mapped_column(String(80))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by: Mapped[str] = mapped_column(String(80), default="")
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    applied: Mapped[list[AppliedItem]] = relationship(cascade="all, delete-orphan",
                                                      back_populates="grade")


class AppliedItem(Base):
    """A rubric item applied to one manual grade, by whom and when."""

    __tablename__ = "applied_items"
    __table_args__ = (UniqueConstraint("grade_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("manual_grades.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rubric_items.id"), index=True)
    applied_by: Mapped[str] = mapped_column(String(80), default="")
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    grade: Mapped[ManualGrade] = relationship(back_populates="applied")
    item: Mapped[RubricItemRow] = relationship()


class ManualPublication(Base):
    """A manual question whose scores and comments the instructor has released to students."""

    __tablename__ = "manual_publications"

    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(80), primary_key=True)
    published_by: Mapped[str] = mapped_column(String(80), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Account(Base):
    """Who may sign in to the course web app: a student (linked to the roster) or staff."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # student | ta | instructor
    course: Mapped[str] = mapped_column(String(300))  # the course name it belongs to
    student_id: Mapped[str | None] = mapped_column(ForeignKey("students.id"), default=None)
    name: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class LoginToken(Base):
    """A one-time sign-in token handed out by the instructor; only its hash is stored."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random key, the table its hash and CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()
