"""The gradebook in a terminal: a table that adds up (raw, override, late, final), then the
per-question scores.

rich lays the tables out; we only say what may wrap. Headers break only between the words of a
snake_case name (`gradient_` / `descent`), never inside a word; values never wrap. Questions are
split over several tables when one would be wider than the terminal.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from ..gradebook.grades import StudentGrade

STATUS_COLOURS = {"graded": "green", "invalid": "yellow", "grader-error": "red",
                  "ungraded": "cyan", "missing": "dim"}
CAPTION = ("raw: the tests' score · override: change by TA overrides (* on the question) · "
           "late: the late penalty (no time: no trusted submission time, none charged) · "
           "final = raw + override + late · – no score yet")


def score(value: float | None) -> str:
    return "–" if value is None else f"{round(value, 2):g}"


def signed(value: float | None) -> str:
    """'+1.5', '-0.85', '' for no change: an adjustment as it adds to the raw score."""
    if value is None or round(value, 2) == 0:
        return ""
    return f"{round(value, 2):+g}"


def header(name: str, width: int = 10) -> Text:
    """A header that may wrap only after an underscore: the parts of a snake_case name packed
    into lines of about `width` characters (a longer part keeps its own line, whole)."""
    parts = [f"{p}_" for p in name.split("_")]
    parts[-1] = parts[-1][:-1]
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return Text("\n".join(lines))


def override_change(grade: StudentGrade) -> float | None:
    """What the TA overrides added to (or took from) the tests' score."""
    if grade.raw_score is None or grade.adjusted_score is None:
        return None
    return grade.adjusted_score - grade.raw_score


def late_change(grade: StudentGrade) -> float | None:
    if grade.adjusted_score is None or grade.final_score is None:
        return None
    return grade.final_score - grade.adjusted_score


def totals_table(assignment_id: str, grades: list[StudentGrade]) -> Table:
    """One row per student that adds up: raw + override + late = final."""
    max_score = grades[0].max_score if grades else 0
    table = Table(title=f"Gradebook: {assignment_id} (out of {max_score:g})",
                  box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True, caption=CAPTION)
    table.add_column("student", no_wrap=True)
    table.add_column("name", overflow="ellipsis")  # the one column that gives way
    table.add_column("status", no_wrap=True)
    for name in ("raw", "override", "late", "final"):
        table.add_column(name, justify="right", no_wrap=True)
    for g in grades:
        override = signed(override_change(g))
        if g.overridden:
            override = f"{override} ({', '.join(g.overridden)})".lstrip()
        late = signed(late_change(g))
        if late and g.late.days_late:
            late += f" ({g.late.days_late}d)"
        elif g.submission is not None and not g.late.trusted:
            late = "no time"  # no trusted submission time: no penalty charged
        table.add_row(g.student.id, g.student.name,
                      Text(g.status, style=STATUS_COLOURS.get(g.status, "magenta")),
                      score(g.raw_score), override, late, Text(score(g.final_score), style="bold"))
    return table


def question_tables(grades: list[StudentGrade], width: int) -> list[Table]:
    """Per-question scores, split into as many tables as the terminal's width needs.

    rich sizes the columns; only the number of question columns per table is chosen here, from
    the widest each column can be (its longest header line or value, plus a space)."""
    questions = list(grades[0].questions) if grades else []
    cells = {q: [score(g.questions[q].score) + ("*" if g.questions[q].override else "")
                 for g in grades] for q in questions}
    ids = max((len(g.student.id) for g in grades), default=7)
    room = max(width - max(ids, 7) - 4, 10)
    chunks: list[list[str]] = [[]]
    used = 0
    for q in questions:
        need = max([*(len(line) for line in header(q).plain.splitlines()),
                    *(len(c) for c in cells[q])]) + 2
        if chunks[-1] and used + need > room:
            chunks.append([])
            used = 0
        chunks[-1].append(q)
        used += need
    tables = []
    for chunk in chunks:
        table = Table(title="Per question", box=box.SIMPLE_HEAD, padding=(0, 1),
                      collapse_padding=True)
        table.add_column("student", no_wrap=True)
        for q in chunk:
            table.add_column(header(q), justify="right", no_wrap=True)
        for i, g in enumerate(grades):
            table.add_row(g.student.id, *(cells[q][i] for q in chunk))
        tables.append(table)
    return tables
