"""`autograder report`: one self-contained HTML page that tells the teaching team what to do next.

In order: what to do next (a few lines), the students who need attention (missing, invalid,
crashed, timeout, memory, grader-error, ungraded, overridden, late) with the action for each, the
mistakes students really make (failure messages clustered across students, stubs not attempted
counted apart), pass rates grouped and coloured by question, then the score and runtime
distributions and every test. Plots are matplotlib (Agg) PNGs embedded as base64 and sized by
what they show, so 60 tests and 300 students stay legible. The report shows hidden tests'
messages: it is for TAs and instructors only, never for students.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from dataclasses import dataclass, field
from statistics import mean, median

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use(): the backend is chosen first
from matplotlib.patches import Patch

from ..config import GradingConfig
from ..gradebook.grades import StudentGrade
from ..gradebook.models import now
from .mistakes import Mistake, NotAttempted, cluster
from .render import environment

# What each status asks of the teaching team.
ACTIONS = {
    "missing": "no submission: remind the student, or record an excuse",
    "invalid": "the upload is not a notebook of this assignment: ask for the .ipynb",
    "crashed": "the notebook stopped its worker (earned points count): read the cell errors",
    "timeout": "ran out of time (earned points count): look for endless loops or slow code",
    "memory": "ran out of memory (earned points count): look for huge arrays",
    "grader-error": "our side failed, not the student: run grade-all again (never a zero)",
    "ungraded": "collected but not graded yet: run grade-all",
}
COLOURS = plt.get_cmap("tab10").colors
MAX_LABEL = 40
LEGEND_COLUMNS = 5
TOP_MISTAKES = 25


@dataclass
class TestStats:
    """How one test fared across the batch, with its most common failure messages."""

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

    @property
    def label(self) -> str:
        """A plot label: the test function, marked (h) when hidden; the table has full names."""
        name = self.name.rsplit("::", 1)[-1][:MAX_LABEL]
        return f"{name} (h)" if self.visibility != "visible" else name


@dataclass
class Attention:
    """A student the teaching team should look at, and why."""

    student: str
    name: str
    reasons: list[str]
    actions: list[str]
    note: str  # the grader's message or the first failing cell, for staff


def _figure_png(fig) -> str:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _histogram(values: list[float], title: str, xlabel: str, upper: float | None = None) -> str:
    fig, ax = plt.subplots(figsize=(6, 3.2))
    if values:
        ax.hist(values, bins=min(20, max(5, len(set(values)))),
                range=(0, upper) if upper else None, color="#4a78b5", edgecolor="white")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("students")
    return _figure_png(fig)


def _colour(questions: list[str], question: str) -> tuple:
    index = questions.index(question) if question in questions else len(questions)
    return COLOURS[index % len(COLOURS)]


def _pass_rates(tests: list[TestStats], questions: list[str]) -> str:
    """One bar per test, grouped and coloured by question, in the notebook's order."""
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.24 * max(1, len(tests))))
    ys = list(range(len(tests)))[::-1]
    ax.barh(ys, [100 * t.pass_rate for t in tests],
            color=[_colour(questions, t.question) for t in tests])
    ax.set_yticks(ys, [t.label for t in tests], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, len(tests) - 0.4)
    ax.set_xlabel("% of graded students who pass")
    shown = [q for q in questions if any(t.question == q for t in tests)]
    columns = min(LEGEND_COLUMNS, len(shown) or 1)
    legend_rows = -(-len(shown) // columns)
    ax.set_title("Pass rate per test, by question ((h): hidden)", pad=10 + 16 * legend_rows)
    ax.legend(handles=[Patch(color=_colour(questions, q), label=q) for q in shown],
              loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=columns, fontsize=8,
              frameon=False)  # above the bars, under the title: never over a bar
    ax.grid(axis="x", alpha=0.3)
    return _figure_png(fig)


def _question_shares(rates: dict[str, float], questions: list[str]) -> str:
    fig, ax = plt.subplots(figsize=(6, 1.2 + 0.35 * max(1, len(rates))))
    names = list(rates)[::-1]
    ax.barh(names, [100 * rates[n] for n in names], color=[_colour(questions, n) for n in names])
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the question's points earned (mean over graded students)")
    ax.set_title("Points per question")
    return _figure_png(fig)


def test_stats(grades: list[StudentGrade], questions: list[str]) -> list[TestStats]:
    """Per test: runs, passes and the most common first lines; in question, then test order."""
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
    rank = {q: i for i, q in enumerate(questions)}
    order = {name: i for i, name in enumerate(stats)}
    return sorted(stats.values(), key=lambda t: (rank.get(t.question, len(rank)), order[t.name]))


def _note(grade: StudentGrade) -> str:
    if grade.result is None:
        return ""
    if grade.result.message:
        return grade.result.message
    failing = next((c for c in grade.result.cells if c.status != "ok" and c.error), None)
    return f"cell {failing.index}: {failing.error}" if failing else ""


def needs_attention(grades: list[StudentGrade]) -> list[Attention]:
    """Students whose grade needs a person: a status other than graded, overrides, lateness."""
    found = []
    for g in grades:
        reasons, actions = [], []
        if g.status in ACTIONS:
            reasons.append(g.status)
            actions.append(ACTIONS[g.status])
        if g.overridden:
            reasons.append("overridden")
            actions.append(f"TA override on {', '.join(g.overridden)}: check it still holds")
        if g.late.days_late:
            reasons.append("late")
            actions.append(f"{g.late.days_late} day(s) late, -{g.late.penalty_percent:g} %: "
                           "an extension in grading_config.yaml removes it")
        elif not g.late.trusted:
            reasons.append("no trusted time")
            actions.append("lateness not checked: collect with the LMS worksheet or "
                           "--received-at")
        if reasons:
            found.append(Attention(g.student.id, g.student.name, reasons, actions, _note(g)))
    order = list(ACTIONS)
    return sorted(found, key=lambda a: (min((order.index(r) for r in a.reasons if r in order),
                                            default=len(order)), a.student))


def next_steps(attention: list[Attention], mistakes: list[Mistake], stubs: list[NotAttempted],
               rates: dict[str, float]) -> list[str]:
    """The few lines at the top: what the teaching team should do first."""
    steps = []
    counts = Counter(r for a in attention for r in a.reasons)
    if counts:
        listed = ", ".join(f"{n} {reason}" for reason, n in counts.most_common())
        steps.append(f"{len(attention)} student(s) need attention ({listed}): see the list below.")
    for mistake in [m for m in mistakes if len(m.students) > 1][:3]:
        steps.append(f"{len(mistake.students)} student(s) make the same mistake in "
                     f"{mistake.question}: {mistake.key}")
    for stub in stubs[:2]:
        steps.append(f"{len(stub.students)} student(s) did not attempt {stub.question} "
                     "(stubs still raise NotImplementedError).")
    if rates:
        weakest = min(rates, key=rates.get)
        steps.append(f"Weakest question: {weakest} ({100 * rates[weakest]:.0f} % of its points "
                     "earned on average).")
    return steps


def build_report(config: GradingConfig, assignment_id: str, grades: list[StudentGrade]) -> str:
    spec = config.assignment(assignment_id)
    questions = list(spec.questions)
    submitted = [g for g in grades if g.status != "missing"]
    finals = [g.final_score for g in submitted if g.final_score is not None]
    runtimes = [g.result.execution_time for g in submitted
                if g.result is not None and g.status not in ("invalid", "grader-error")]
    scored = [g for g in submitted if g.adjusted_score is not None]
    rates = {name: (mean((g.questions[name].score or 0.0) / q.points for g in scored)
                    if scored else 0.0)
             for name, q in spec.autograded.items()}  # manual questions: graded in the web app
    tests = test_stats(submitted, questions)
    mistakes, stubs = cluster(scored)
    attention = needs_attention(grades)
    plots = {
        "Pass rate per test, grouped and coloured by question": _pass_rates(tests, questions),
        "Points per autograded question": _question_shares(rates, questions),
        "Final scores": _histogram(finals, "Final score distribution", "points", spec.max_score),
        "Runtime": _histogram(runtimes, "Grading time per submission", "seconds"),
    }
    summary = {
        "students": len(grades),
        "submitted": len(submitted),
        "graded": len(finals),
        "mean": round(mean(finals), 2) if finals else None,
        "median": round(median(finals), 2) if finals else None,
        "runtime_median": round(median(runtimes), 2) if runtimes else None,
    }
    env = environment(config.course.timezone)
    return env.get_template("report.html.j2").render(
        course=config.course.name, assignment_id=assignment_id, title=spec.title,
        generated=now(), summary=summary, statuses=sorted(Counter(g.status for g in grades)
                                                          .items()),
        steps=next_steps(attention, mistakes, stubs, rates), attention=attention,
        mistakes=mistakes[:TOP_MISTAKES], more_mistakes=max(0, len(mistakes) - TOP_MISTAKES),
        stubs=stubs, plots=plots, rates=rates, tests=tests, max_score=spec.max_score,
        colours={q: matplotlib.colors.to_hex(_colour(questions, q)) for q in questions})
