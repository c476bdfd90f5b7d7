"""The results contract: a superset of Gradescope's results.json (README: "Results contract")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["graded", "timeout", "memory", "crashed", "invalid", "grader-error"]


class TestResult(BaseModel):
    """One test case: its points, pass/fail and the message its audience may see."""

    name: str
    question: str
    score: float
    max_score: float
    status: Literal["passed", "failed", "error"]
    visibility: Literal["visible", "hidden", "after_due_date"]
    output: str = ""  # staff see it; students only for visible tests or a `safe_message` test
    safe_message: bool = False
    calls: list[str] = Field(default_factory=list,
                             description="the notebook functions the test called")
    builds_on: list[str] = Field(default_factory=list,
                                 description="functions those build on (declared by the test)")


class QuestionScore(BaseModel):
    """A question's points: the sum of its passed test cases' points."""

    score: float
    max_score: float


class CellResult(BaseModel):
    """How one code cell of the notebook ran (ok, error, timeout, ...)."""

    index: int
    status: str
    error: str = ""


class AnswerOutput(BaseModel):
    """One display of an answer cell: a PNG or plain text (bytes travel as base64 in JSON)."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    mime: Literal["image/png", "text/plain"]
    data: bytes


class Answer(BaseModel):
    """A cell the notebook marks as the answer to a manual question, for a TA to grade."""

    question: str
    cell_index: int
    kind: Literal["markdown", "code"]
    text: str  # the markdown, or the code cell's source
    outputs: list[AnswerOutput] = Field(default_factory=list)


class Result(BaseModel):
    """Everything about one graded submission; the JSON that scripts, exports and the gradebook
    read, and the only record of a result the gradebook keeps."""

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
    answers: list[Answer] = Field(default_factory=list)

    def public_view(self) -> dict:
        """What a student may see: hidden tests reduced to name, question, points and pass/fail
        (their messages hold expected values), unless the test's author marked the message safe.
        Every student-facing output (feedback, exports, Gradescope, the web app) is built from this.
        """
        data = self.model_dump()
        for test in data["tests"]:
            if test["visibility"] != "visible":
                test.update(calls=[], builds_on=[])
                if not test["safe_message"]:
                    test["output"] = ""
        return data
