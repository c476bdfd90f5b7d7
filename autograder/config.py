"""grading_config.yaml: the one declaration of the grading scheme.

The pydantic models below are the schema, the defaults and the documentation at once; every load
validates, and a mistake becomes one line naming the file, the key and the problem.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import UserError

MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(Strict):
    """A question: its points are shared among its tests by weight."""

    points: Annotated[float, Field(gt=0, description="points for the whole question")]
    forbidden: list[str] = Field(default_factory=list,
                                 description="modules the student's functions may not use here")
    title: str = ""

    @field_validator("forbidden")
    @classmethod
    def _modules(cls, value: list[str]) -> list[str]:
        for name in value:
            if not MODULE_NAME.match(name):
                raise ValueError(f"{name!r} is not a module name")
        return value


class Assignment(Strict):
    title: str
    due: datetime = Field(description="deadline; without a UTC offset it is in the course timezone")
    questions: dict[str, Question] = Field(min_length=1)
    hidden_visibility: Literal["hidden", "after_due_date"] = Field(
        "hidden", description="when students may see hidden tests' pass/fail")
    warm_modules: list[str] = Field(
        default_factory=list, description="modules the warm template imports before forking")

    @field_validator("questions")
    @classmethod
    def _question_names(cls, value: dict[str, Question]) -> dict[str, Question]:
        for name in value:
            if not IDENTIFIER.match(name):
                raise ValueError(f"question name {name!r} must be an identifier")
        return value

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions.values())


class LatePolicy(Strict):
    kind: Literal["none", "zero", "percent_per_day"] = "none"
    percent_per_day: Annotated[float, Field(ge=0, le=100)] = 0.0
    max_percent: Annotated[float, Field(ge=0, le=100)] = 100.0
    grace_minutes: Annotated[float, Field(ge=0)] = 0.0


class Extension(Strict):
    student: str
    assignment: str
    days: Annotated[float, Field(gt=0)]


class CourseLimits(Strict):
    cell_timeout: Annotated[float, Field(gt=0, description="seconds one cell may run")] = 120.0
    call_timeout: Annotated[float, Field(gt=0, description="seconds one test call may run")] = 60.0
    submission_timeout: Annotated[float, Field(gt=0, description="seconds for everything")] = 900.0
    memory_mb: Annotated[int, Field(ge=2048, description="address space of a worker")] = 6144
    output_kb: Annotated[int, Field(gt=0, description="student output kept per submission")] = 256
    max_restarts: Annotated[int, Field(ge=0, description="fresh workers after a crash")] = 3
    notebook_mb: Annotated[float, Field(gt=0, description="largest notebook accepted")] = 20.0


class Course(Strict):
    name: str
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


class GradingConfig(Strict):
    course: Course
    assignments: dict[str, Assignment] = Field(min_length=1)
    late_policy: LatePolicy = LatePolicy()
    extensions: list[Extension] = Field(default_factory=list)
    limits: CourseLimits = CourseLimits()

    @model_validator(mode="after")
    def _check(self) -> GradingConfig:
        for ext in self.extensions:
            if ext.assignment not in self.assignments:
                raise ValueError(f"extension names unknown assignment {ext.assignment!r}")
        return self

    def assignment(self, assignment_id: str) -> Assignment:
        if assignment_id not in self.assignments:
            known = ", ".join(self.assignments)
            raise UserError(f"unknown assignment {assignment_id!r} (known: {known})")
        return self.assignments[assignment_id]

    def course_time(self, text: str, what: str) -> datetime:
        """An ISO date-time a person typed; without an offset it is in the course timezone."""
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise UserError(f"{what}: {text!r} is not a date-time like 2026-11-30T17:00 "
                            "(optionally with an offset, +01:00)") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(self.course.timezone))
        return when

    def deadline(self, assignment_id: str, student: str | None = None) -> datetime:
        """The deadline as an aware datetime, with the student's extension if any."""
        due = self.assignments[assignment_id].due
        if due.tzinfo is None:
            due = due.replace(tzinfo=ZoneInfo(self.course.timezone))
        for ext in self.extensions:
            if ext.assignment == assignment_id and ext.student == student:
                due += timedelta(days=ext.days)
        return due


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    msg = error["msg"]
    return msg.removeprefix("Value error, ")


def load_config(path: Path) -> GradingConfig:
    """Load and validate; raises UserError with one line naming the file, key and problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot be read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{path}{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of settings at the top level")
    try:
        return GradingConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        extra = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise UserError(f"{path}: {_location(first['loc'])}: {_message(first)}{extra}") from None
