"""The gradebook in a terminal adds up visibly and keeps its headers whole at 80 and 140 columns."""

from __future__ import annotations

import re
import sys

import pytest
from rich.console import Console

from autograder.cli.gradebook_table import header, question_tables, totals_table
from autograder.cli.main import run
from autograder.errors import UserError
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.grades import QuestionGrade, StudentGrade
from autograder.gradebook.late import Lateness
from autograder.gradebook.models import Override, Student
from autograder.gradebook.store import set_override, upsert_student

ON_TIME = Lateness(0, 0.0)
POINTS = {"framing": 3, "stft": 5, "decibels": 2, "mel": 4, "mfcc": 4, "window_spectrum": 2,
          "spectral_centroid_of_a_long_name": 1}


def grade(student: str, name: str, status: str, scores: dict[str, float],
          late: Lateness = ON_TIME, override: tuple[str, float] | None = None,
          ) -> StudentGrade:
    questions = {q: QuestionGrade(scores.get(q), p, scores.get(q)) for q, p in POINTS.items()}
    raw = sum(scores.values()) if status == "graded" else None
    adjusted = raw
    if override is not None:
        q, value = override
        questions[q] = QuestionGrade(value, POINTS[q], scores.get(q),
                                     Override(score=value, comment="why"))
        adjusted = raw - scores.get(q, 0.0) + value
    final = late.apply(adjusted) if adjusted is not None else None
    return StudentGrade(Student(id=student, name=name), "spectrogram_features", None, None,
                        status, questions, raw, adjusted, late, final, sum(POINTS.values()), 1)


GRADES = [
    grade("1001", "Ada Lovelace", "graded", dict(POINTS)),
    grade("1101", "Claude Shannon", "graded",
          {"framing": 2.25, "stft": 0.31, "decibels": 2, "mel": 2.8, "mfcc": 0.25},
          override=("stft", 3)),
    grade("1103", "Katherine Johnson", "graded",
          {"framing": 3, "stft": 5, "decibels": 2, "mel": 4, "mfcc": 4}, late=Lateness(2, 20.0)),
    grade("1106", "=1+2 <img src=x onerror=alert(1)> with a very long name indeed",
          "grader-error", {}),
    grade("1107", "Nobody", "missing", {}),
]


def render(width: int) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(totals_table("spectrogram_features", GRADES))
    for table in question_tables(GRADES, width):
        console.print(table)
    return console.export_text()


def numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?=\s|$)", line)]


@pytest.mark.parametrize("width", [80, 140])
def test_each_row_adds_up_raw_override_late_final(width):
    text = render(width)
    rows = {line.split()[0]: line for line in text.splitlines() if line.strip()[:4].isdigit()}
    override_row = next(line for line in text.splitlines() if line.strip().startswith("1101")
                        and "(stft)" in line)
    raw, change, final = numbers(override_row.replace("(stft)", ""))[-3:]
    assert (raw, change, final) == (7.61, 2.69, 10.3) and round(raw + change, 2) == final
    late_row = next(line for line in text.splitlines() if line.strip().startswith("1103")
                    and "(2d)" in line)
    assert re.search(r"\b18\s+-3\.6 \(2d\)\s+14\.4\b", late_row)
    assert "1106" in rows and "grader-error" in text and "missing" in text


@pytest.mark.parametrize("width", [80, 140])
def test_headers_never_break_inside_a_word_and_nothing_is_cut(width):
    text = render(width)
    assert max(len(line) for line in text.splitlines()) <= width
    words = {"student", "status", "raw", "override", "late", "final", "framing", "decibels"}
    for q in POINTS:
        words |= set(header(q).plain.splitlines())  # `window_` / `spectrum`: whole words
    tokens = set(text.split())
    assert words <= tokens, words - tokens
    assert "…" not in "".join(line for line in text.splitlines() if "student" in line)


def test_question_columns_go_to_a_second_table_when_the_terminal_is_narrow():
    assert len(question_tables(GRADES, 140)) == 1
    narrow = question_tables(GRADES, 60)
    assert len(narrow) > 1
    assert sum(len(t.columns) - 1 for t in narrow) == len(POINTS)


def test_an_override_for_a_student_without_a_submission_is_refused(example_course):
    sessions = open_gradebook(example_course.workspace)
    with sessions() as session:
        upsert_student(session, "s9", "Sam")
        with pytest.raises(UserError, match=r"'s9' has no submission for 'squares': an override "
                                            r"changes the score of graded work"):
            set_override(session, example_course.config, "squares", "s9", "square", 1, "why")


def test_the_cli_refuses_it_in_one_line(in_course, monkeypatch, capsys):
    example_course = in_course
    with open_gradebook(example_course.workspace)() as session:
        upsert_student(session, "s9", "Sam")
        session.commit()
    monkeypatch.setattr(sys, "argv", ["autograder", "override", "squares", "s9", "square", "1",
                                      "--comment", "x"])
    with pytest.raises(SystemExit) as exit_info:
        run()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "has no submission for 'squares'" in err
    assert "Traceback" not in err and err.count("\n") == 1
