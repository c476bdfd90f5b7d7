"""The gradebook's tables.

Results are stored per submission together with the content hash and the grading fingerprint
they were produced under, so unchanged work is never graded twice. TA overrides are keyed by
student, assignment and question, not by submission: they survive regrading and resubmission.
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
    pass


class Student(Base):
    __tablename__ = "students"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    lms_id: Mapped[str | None] = mapped_column(String(80), default=None)


class AssignmentRow(Base):
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
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_source: Mapped[str] = mapped_column(String(20))  # lms-worksheet | collection
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    readable: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    student: Mapped[Student] = relationship()
    result: Mapped[GradeResult | None] = relationship(
        back_populates="submission", cascade="all, delete-orphan", uselist=False)


class GradeResult(Base):
    """The results contract of one submission, with its parts as rows for queries."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    assignment_id: Mapped[str] = mapped_column(String(80), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the notebook's content
    fingerprint: Mapped[str] = mapped_column(String(64))  # tests, data, scheme, grader version
    status: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    execution_time: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result_json: Mapped[str] = mapped_column(Text)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    submission: Mapped[SubmissionRow] = relationship(back_populates="result")
    questions: Mapped[list[QuestionResult]] = relationship(cascade="all, delete-orphan")
    tests: Mapped[list[TestResultRow]] = relationship(cascade="all, delete-orphan")


class QuestionResult(Base):
    __tablename__ = "question_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    question: Mapped[str] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)


class TestResultRow(Base):
    __tablename__ = "test_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    question: Mapped[str] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10))
    visibility: Mapped[str] = mapped_column(String(20))
    output: Mapped[str] = mapped_column(Text, default="")


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


class Grade(Base):
    """The grade that counts, per student and assignment: raw and final scores both kept.

    Recomputed from the latest submission, its result, the overrides and the late policy after
    every batch and every override; `final_score` is empty while the grade is unknown (not
    graded yet, or a grader error), never a zero.
    """

    __tablename__ = "grades"

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    status: Mapped[str] = mapped_column(String(20))
    raw_score: Mapped[float | None] = mapped_column(Float)
    adjusted_score: Mapped[float | None] = mapped_column(Float)  # raw with overrides applied
    days_late: Mapped[int] = mapped_column(Integer, default=0)
    penalty_percent: Mapped[float] = mapped_column(Float, default=0.0)
    final_score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    overridden: Mapped[str] = mapped_column(Text, default="")  # comma-separated questions
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


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
