"""`autograder report`: one self-contained HTML page about a batch, for the teaching team.

Plots (matplotlib, Agg, PNG embedded as base64): final score distribution, share of points
earned per question, pass rate per test, runtime distribution. Then the tests students fail
most, with their most common messages. The report shows hidden tests' messages: it is for TAs
and instructors only, never for students.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from dataclasses import dataclass, field
from statistics import mean, median

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

from ..config import GradingConfig  # noqa: E402
from ..gradebook.grades import StudentGrade  # noqa: E402
from ..gradebook.models import now  # noqa: E402
from .render import environment  # noqa: E402


@dataclass
class TestStats:
    name: str
    question: str
    visibility: str
    runs: int = 0
    passed: int = 0
    messages: Counter = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return self.runs - self.passed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.runs if self.runs else 0.0


def _figure_png(fig) -> str:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _histogram(values: list[float], title: str, xlabel: str, upper: float | None = None) -> str:
    fig, ax = plt.subplots(figsize=(6, 3.2))
    if values:
        ax.hist(values, bins=min(20, max(5, len(values))),
                range=(0, upper) if upper else None, color="#4a78b5", edgecolor="white")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("students")
    return _figure_png(fig)


def _short(test: TestStats) -> str:
    """A plot label: the test function, marked (h) when hidden; the table has full names."""
    name = test.name.rsplit("::", 1)[-1]
    return f"{name[:48]} (h)" if test.visibility != "visible" else name[:48]


def _bars(labels: list[str], values: list[float], title: str) -> str:
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.26 * max(1, len(labels))))
    ax.barh(labels[::-1], [100 * v for v in values[::-1]], color="#5a9e5a")
    ax.set_xlim(0, 100)
    ax.set_xlabel("%")
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=8)
    return _figure_png(fig)


def test_stats(grades: list[StudentGrade]) -> list[TestStats]:
    stats: dict[str, TestStats] = {}
    for g in grades:
        if g.result is None or g.status in ("invalid", "grader-error"):
            continue
        for t in g.result.tests:
            entry = stats.setdefault(t.name, TestStats(t.name, t.question, t.visibility))
            entry.runs += 1
            if t.status == "passed":
                entry.passed += 1
            else:
                entry.messages[(t.output.strip().splitlines() or [t.status])[0][:300]] += 1
    return list(stats.values())


def build_report(config: GradingConfig, assignment_id: str, grades: list[StudentGrade]) -> str:
    spec = config.assignment(assignment_id)
    submitted = [g for g in grades if g.status != "missing"]
    finals = [g.final_score for g in submitted if g.final_score is not None]
    runtimes = [g.result.execution_time for g in submitted
                if g.result is not None and g.status not in ("invalid", "grader-error")]
    scored = [g for g in submitted if g.adjusted_score is not None]
    question_rates = {name: (mean((g.questions[name].score or 0.0) / q.points for g in scored)
                             if scored else 0.0)
                      for name, q in spec.questions.items()}
    tests = test_stats(submitted)
    hardest = sorted((t for t in tests if t.failed), key=lambda t: (-t.failed, t.name))[:15]
    plots = {
        "Final scores": _histogram(finals, "Final score distribution", "points", spec.max_score),
        "Points per question": _bars(list(question_rates), list(question_rates.values()),
                                     "Share of the question's points earned"),
        "Pass rate per test ((h): hidden)": _bars([_short(t) for t in tests],
                                                  [t.pass_rate for t in tests],
                                                  "Pass rate per test"),
        "Runtime": _histogram(runtimes, "Grading time per submission", "seconds"),
    }
    summary = {
        "students": len(submitted),
        "graded": len(finals),
        "mean": round(mean(finals), 2) if finals else None,
        "median": round(median(finals), 2) if finals else None,
        "min": min(finals) if finals else None,
        "max": max(finals) if finals else None,
        "late": sum(1 for g in submitted if g.late.days_late),
        "overridden": sum(1 for g in submitted if g.overridden),
        "runtime_median": round(median(runtimes), 2) if runtimes else None,
    }
    statuses = Counter(g.status for g in submitted)
    problems = [g for g in submitted if g.status in ("grader-error", "ungraded")]
    env = environment(config.course.timezone)
    return env.get_template("report.html.j2").render(
        course=config.course.name, assignment_id=assignment_id, title=spec.title,
        generated=now(), summary=summary, statuses=sorted(statuses.items()), plots=plots,
        question_rates=question_rates, hardest=hardest, problems=problems,
        max_score=spec.max_score)
