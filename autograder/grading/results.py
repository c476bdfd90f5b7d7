"""The results contract: a superset of Gradescope's results.json (see DESIGN.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["graded", "timeout", "memory", "crashed", "invalid", "grader-error"]


class TestResult(BaseModel):
    name: str
    question: str
    score: float
    max_score: float
    status: Literal["passed", "failed", "error"]
    visibility: Literal["visible", "hidden", "after_due_date"]
    output: str = ""


class QuestionScore(BaseModel):
    score: float
    max_score: float


class CellResult(BaseModel):
    index: int
    status: str
    error: str = ""


class Result(BaseModel):
    submission: str
    student: str | None = None
    assignment: str
    status: Status
    score: float = 0.0
    max_score: float = 0.0
    execution_time: float = 0.0
    questions: dict[str, QuestionScore] = Field(default_factory=dict)
    tests: list[TestResult] = Field(default_factory=list)
    cells: list[CellResult] = Field(default_factory=list)
    message: str = ""
    output: str = ""
    sha256: str = ""

    def public_view(self) -> dict:
        """What a student may see: hidden tests reduced to name, question, points and pass/fail."""
        data = self.model_dump()
        for test in data["tests"]:
            if test["visibility"] != "visible":
                test["output"] = ""
        return data
