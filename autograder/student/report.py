"""What `check()` returns: a result that shows itself as HTML in notebooks and as text elsewhere.

Jupyter frontends (JupyterLab, classic Notebook, VS Code, Colab) call `_repr_html_`; a terminal
IPython or a plain `print` uses `__repr__`. Only public tests ever reach a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from ..testing.plugin import TestOutcome

LABELS = {"passed": ("PASS", "#1a7f37"), "failed": ("FAIL", "#cf222e"),
          "error": ("ERROR", "#bc4c00")}
ALL = "all questions"
STUB_SIGN = "your code raised NotImplementedError: \n"  # the stub's bare raise, no message
FRAME = re.compile(r", in (\w+)$", re.MULTILINE)
PUBLIC_ONLY = "Only the public tests run here; grading adds hidden tests."


@cache
def _template():  # a jinja2 Template
    env = Environment(loader=PackageLoader("autograder.student", "templates"),
                      autoescape=select_autoescape(default=True), trim_blocks=True)
    return env.get_template("check_report.html.j2")


def friendly(message: str) -> str:
    """A test that only hit the released stub says so in one line instead of a traceback."""
    frames = FRAME.findall(message) if message.startswith(STUB_SIGN) else []
    if frames:
        return (f"Not done yet: replace `raise NotImplementedError()` in `{frames[-1]}` with "
                "your code, then run the cell.")
    return message


@dataclass(frozen=True)
class CheckLine:
    """One public test's outcome in a self-check."""

    name: str
    question: str
    status: str  # passed | failed | error
    message: str = ""

    @classmethod
    def from_outcome(cls, outcome: TestOutcome) -> CheckLine:
        name = outcome.info.name.removeprefix("public/")
        return cls(name, outcome.info.question or "", outcome.status, friendly(outcome.message))

    @property
    def label(self) -> str:
        return LABELS.get(self.status, ("?", "#888"))[0]

    @property
    def colour(self) -> str:
        return LABELS.get(self.status, ("?", "#888"))[1]


@dataclass(frozen=True)
class CheckReport:
    """Outcome of `check(question)` or `check_all()`; `ok` is True when every test passed."""

    assignment: str
    scope: str  # a question name, or ALL
    tests: list[CheckLine] = field(default_factory=list)
    problem: str = ""  # set when nothing could be checked (unknown question, no release folder)
    note: str = PUBLIC_ONLY

    @property
    def passed(self) -> int:
        return sum(t.status == "passed" for t in self.tests)

    @property
    def ok(self) -> bool:
        return not self.problem and bool(self.tests) and self.passed == len(self.tests)

    @property
    def headline(self) -> str:
        if self.problem:
            return f"{self.assignment}: nothing was checked"
        where = f"{self.assignment} · {self.scope}"
        if not self.tests:
            return f"{where}: no public tests (graded by hidden tests only)"
        return f"{where}: {self.passed} of {len(self.tests)} public tests passed"

    @property
    def badge(self) -> str:
        if self.problem:
            return "NOTE"
        return "PASS" if self.ok or not self.tests else "FAIL"

    def __repr__(self) -> str:
        lines = [f"[{self.badge}] {self.headline}"]
        if self.problem:
            lines.append(self.problem)
        for t in self.tests:
            scope = f" ({t.question})" if t.question and self.scope == ALL else ""
            lines.append(f"  {t.label:<5} {t.name}{scope}")
            lines += [f"        {line}" for line in t.message.splitlines()]
        if self.tests and self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#6e7781" if self.problem else ("#1a7f37" if self.ok or not self.tests
                                                 else "#cf222e")
        return _template().render(
            colour=colour, badge=self.badge, headline=self.headline, problem=self.problem,
            tests=self.tests, show_questions=self.scope == ALL,
            note=self.note if self.tests else "")
