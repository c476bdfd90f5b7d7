"""grading_config.yaml: the one declaration of the grading scheme.

The pydantic models below are the schema, the defaults and the documentation at once; every load
validates, and a mistake becomes one line naming the file, the key and the problem.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import UserError
from .strict_yaml import load_yaml

MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DATE_TIME_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")
DATE_TIME_FORMAT = "YYYY-MM-DD HH:MM (e.g. 2026-11-30 23:59, optionally with an offset: +01:00)"


def parse_date_time(value: object) -> object:
    """A date-time as people write it in YAML; an impossible or misshapen one says why."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        if DATE_TIME_SHAPE.match(text):
            raise ValueError(f"{text!r} is not a real date-time: {exc}") from None
        raise ValueError(f"{text!r} is not a date-time; expected {DATE_TIME_FORMAT}") from None


class Strict(BaseModel):
    """Every section: an unknown key is a mistake, and a loaded configuration never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricItem(Strict):
    """One line of a manual question's rubric; a TA applies it to answers in the web app."""

    id: Annotated[str, Field(pattern=IDENTIFIER.pattern, description="stable key of the item")]
    description: Annotated[str, Field(min_length=1)]
    points: float = Field(description="added when applied; negative for a deduction")


class Question(Strict):
    """A question: its points are shared among its tests by weight, or given by people
    (`manual: true`) from the rubric: a score is the sum of the applied items, within 0..points."""

    points: Annotated[float, Field(gt=0, description="points for the whole question")]
    forbidden: list[str] = Field(default_factory=list,
                                 description="modules the student's functions may not use here")
    title: str = ""
    manual: bool = Field(False, description="graded by people from the notebook's answer cells")
    rubric: list[RubricItem] = Field(default_factory=list, description="items of a manual question")

    @model_validator(mode="after")
    def _rubric(self) -> Question:
        if self.rubric and not self.manual:
            raise ValueError("a rubric belongs to a manual question (add `manual: true`)")
        ids = [item.id for item in self.rubric]
        if len(ids) != len(set(ids)):
            raise ValueError(f"rubric item ids must be unique: {ids}")
        return self

    @field_validator("forbidden")
    @classmethod
    def _modules(cls, value: list[str]) -> list[str]:
        for name in value:
            if not MODULE_NAME.match(name):
                raise ValueError(f"{name!r} is not a module name")
        return value


class Assignment(Strict):
    """One assignment: its deadline, questions and points, and what its workers preload."""

    title: str
    due: datetime = Field(description="deadline; without a UTC offset it is in the course timezone")
    questions: dict[str, Question] = Field(min_length=1)
    hidden_visibility: Literal["hidden", "after_due_date"] = Field(
        "hidden", description="when students may see hidden tests' pass/fail")
    warm_modules: list[str] = Field(
        default_factory=list, description="modules a warm template imports before forking, for "
        "the questions that may use them; source/<id>/warmup.py, if present, then exercises them")

    _due = field_validator("due", mode="before")(parse_date_time)

    @field_validator("questions")
    @classmethod
    def _question_names(cls, value: dict[str, Question]) -> dict[str, Question]:
        for name in value:
            if not IDENTIFIER.match(name):
                raise ValueError(f"question name {name!r} must be an identifier")
        return value

    @property
    def max_score(self) -> float:
        """What a grade is out of: autograded and manual questions together."""
        return sum(q.points for q in self.questions.values())

    @property
    def autograded(self) -> dict[str, Question]:
        return {name: q for name, q in self.questions.items() if not q.manual}

    @property
    def manual(self) -> dict[str, Question]:
        return {name: q for name, q in self.questions.items() if q.manual}

    @property
    def autograded_max_score(self) -> float:
        """What the tests can award: the maximum of a grading result."""
        return sum(q.points for q in self.autograded.values())


class LatePolicy(Strict):
    """How a late submission loses points (applied only to a trusted submission time)."""

    kind: Literal["none", "zero", "percent_per_day"] = "none"
    percent_per_day: Annotated[float, Field(ge=0, le=100)] = 0.0
    max_percent: Annotated[float, Field(ge=0, le=100)] = 100.0
    grace_minutes: Annotated[float, Field(ge=0)] = 0.0


class GradescopeSettings(Strict):
    """How the zip of `autograder gradescope` grades inside Gradescope's container."""

    sandbox: Literal["bwrap", "bwrap-cold", "none"] = Field(
        "bwrap-cold", description="one submission per container, so a fresh bubblewrap (a warm "
        "template would only add its start); none grades without a sandbox where the container "
        "forbids bubblewrap's namespaces, otherwise such a run fails closed")
    hidden_tests: Literal["visible", "after_due_date", "after_published", "hidden"] = Field(
        "visible", description="Gradescope visibility of hidden tests (name, points and "
        "pass/fail only); anything but visible also hides the student's total until then")


class Extension(Strict):
    """Extra days for one student on one assignment."""

    student: str
    assignment: str
    days: Annotated[float, Field(gt=0)]


class CourseLimits(Strict):
    """What one submission may use while it is graded, and the largest notebook accepted."""

    cell_timeout: Annotated[float, Field(gt=0, description="seconds one cell may run")] = 120.0
    call_timeout: Annotated[float, Field(gt=0, description="seconds one test call may run")] = 60.0
    submission_timeout: Annotated[float, Field(gt=0, description="seconds for everything")] = 900.0
    memory_mb: Annotated[int, Field(ge=2048, description="address space of a worker")] = 6144
    output_kb: Annotated[int, Field(gt=0, description="student output kept per submission")] = 256
    max_restarts: Annotated[int, Field(ge=0, description="fresh workers after a crash")] = 3
    notebook_mb: Annotated[float, Field(gt=0, description="largest notebook accepted")] = 20.0

    @property
    def notebook_bytes(self) -> int:
        return int(self.notebook_mb * 2**20)


class Uploads(Strict):
    """What students may upload through the course web app (`autograder serve`)."""

    max_submissions: Annotated[int, Field(ge=1, description="uploads per assignment")] = 10
    per_hour: Annotated[int, Field(ge=1, description="uploads per student per hour")] = 20


class Course(Strict):
    """The course's name and the timezone its dates are written in."""

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
    """The whole of grading_config.yaml."""

    course: Course
    assignments: dict[str, Assignment] = Field(min_length=1)
    late_policy: LatePolicy = LatePolicy()
    gradescope: GradescopeSettings = GradescopeSettings()
    extensions: list[Extension] = Field(default_factory=list)
    limits: CourseLimits = CourseLimits()
    uploads: Uploads = Uploads()

    @model_validator(mode="after")
    def _check(self) -> GradingConfig:
        for i, ext in enumerate(self.extensions):
            if ext.assignment not in self.assignments:
                raise ValueError(f"extensions[{i}].assignment: unknown assignment "
                                 f"{ext.assignment!r}{did_you_mean(ext.assignment, self.assignments)}")
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


def did_you_mean(word: str, choices) -> str:
    """' (did you mean 'x'?)' for the closest of `choices`, or a list of them when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(choices)})" if choices else ""


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the schema allows at `loc`, to suggest one in place of an unknown key."""
    node: object = model
    for part in loc:
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return []
            node = field.annotation
        else:
            args = get_args(node)  # dict[str, X] or list[X]: step over the key or index
            if not args:
                return []
            node = args[-1]
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _location(loc: tuple) -> str:
    """`assignments.a1.due`, `extensions[2].days`: how a person finds the key in the file."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def validation_message(exc: ValidationError, model: type[BaseModel]) -> str:
    """The first problem of a validation error as `key: problem`, on one line.

    An unknown key comes first: a misspelt key is also reported as a missing one, and the
    misspelling is what the person has to fix.
    """
    errors = exc.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(first["loc"])
    if first["type"] == "extra_forbidden":
        problem = "unknown key" + did_you_mean(str(loc[-1]), _known_keys(model, loc[:-1]))
    elif first["type"] == "missing":
        problem = "required key is missing"
    else:
        problem = first["msg"].removeprefix("Value error, ")
    where = f"{_location(loc)}: " if loc else ""
    more = len(errors) - 1
    extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}{problem}{extra}"


def load_config(path: Path) -> GradingConfig:
    """Load and validate; raises UserError with one line naming the file, key and problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot be read: {exc}") from None
    data = load_yaml(path, text)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of settings at the top level")
    try:
        return GradingConfig.model_validate(data)
    except ValidationError as exc:
        raise UserError(f"{path}: {validation_message(exc, GradingConfig)}") from None
