"""Canvas's gradebook import CSV and `nbgrader export`'s CSV, checked against their rules.

Canvas (Instructure guides "How do I import grades in the Gradebook?",
community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807,
and "How do I export grades in the Gradebook?"): the import takes the export's layout: the
columns Student, ID, SIS User ID, SIS Login ID, Section, then an assignment column named
"<assignment name> (<Canvas id>)" (a name without an id asks Canvas to create an assignment);
a "Points Possible" line under the header; students found by ID.
nbgrader: nbgrader/plugins/export.py CsvExportPlugin: the header `assignment, duedate,
timestamp, student_id, last_name, first_name, email, raw_score, late_submission_penalty, score,
max_score`, one line per student, score = max(0, raw_score - penalty), 0.0 for no submission.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from autograder.batch.exports.canvas import IDENTITY, read_roster, write_canvas
from autograder.batch.exports.nbgrader import COLUMNS, write_nbgrader
from autograder.errors import UserError
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.grades import compute_grades
from autograder.gradebook.models import SubmissionRow
from autograder.gradebook.store import ensure_assignment, record_result, upsert_student
from autograder.grading.results import QuestionScore, Result

TITLE = "Squares and sums (the tool's own example)"
CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,"
    f"\"{TITLE} (4711)\",Quiz 1 (4712),Current Score,Final Score\n"
    "    Points Possible,,,,,5.00,10.00,(read only),(read only)\n"
    "\"Lovelace, Ada\",9001,s1001,ada,DL4A 2026,,,,\n"
    "\"Turing, Alan\",9002,s1002,alan,DL4A 2026,,,,\n"
    "\"=HYPERLINK(\"\"x\"\"), Eve\",9003,s1003,eve,DL4A 2026,,,,\n"
    "\"Student, Test\",9999,,,DL4A 2026,,,,\n")


@pytest.fixture
def grades(example_course):
    """s1001 graded on time, s1002 graded a day late, s1003 collected only, s1004 nothing."""
    course = example_course
    due = course.config.deadline("squares")
    spec = course.config.assignment("squares")
    with open_gradebook(course.workspace)() as session:
        ensure_assignment(session, course.config, "squares")
        for sid, name in (("s1001", "Ada Lovelace"), ("s1002", "Alan Turing"),
                          ("s1003", "Eve"), ("s1004", "Grace Brewster Hopper")):
            upsert_student(session, sid, name)
        for sid, late in (("s1001", 0), ("s1002", 1), ("s1003", 0)):
            row = SubmissionRow(student_id=sid, assignment_id="squares", path=f"{sid}/x",
                                file_sha256=sid * 12, time_source="lms-worksheet",
                                submitted_at=due + timedelta(hours=2 if late else -2))
            session.add(row)
            session.flush()
            if sid != "s1003":
                record_result(session, row, Result(
                    submission="x", assignment="squares", status="graded", score=4.0,
                    max_score=spec.max_score, sha256=sid * 12,
                    questions={"square": QuestionScore(score=2, max_score=2),
                               "total": QuestionScore(score=2, max_score=3)}), "f")
        session.commit()
        yield course, compute_grades(session, course.config, "squares")


def test_canvas_import_csv_follows_canvas_export_layout(grades, tmp_path: Path) -> None:
    course, book = grades
    roster_file = tmp_path / "canvas-export.csv"
    roster_file.write_text(CANVAS_EXPORT, encoding="utf-8")
    roster = read_roster(roster_file)
    assert [s["ID"] for s in roster.students] == ["9001", "9002", "9003"]  # no test student
    done = write_canvas(tmp_path / "import.csv", TITLE, "squares", book, roster)
    lines = list(csv.reader(done.path.read_text(encoding="utf-8").splitlines()))
    assert lines[0] == [*IDENTITY, f"{TITLE} (4711)"]
    assert lines[1][0] == "Points Possible" and lines[1][-1] == "5"
    body = {line[1]: line for line in lines[2:]}
    assert set(body) == {"9001", "9002", "9003"}
    assert body["9001"][:5] == ["Lovelace, Ada", "9001", "s1001", "ada", "DL4A 2026"]
    assert body["9001"][5] == "4" and body["9002"][5] == "3.6"  # one day late: 10 % off
    assert body["9003"][5] == "" and body["9003"][0].startswith("'=")  # unknown grade, no zero
    assert not done.notes and done.written == 2  # s1004 submitted nothing: no note


def test_canvas_without_the_assignment_column_asks_for_a_new_one(grades, tmp_path: Path) -> None:
    _, book = grades
    roster_file = tmp_path / "canvas-export.csv"
    roster_file.write_text(CANVAS_EXPORT.replace(f"{TITLE} (4711)", "Other (1)"))
    done = write_canvas(tmp_path / "import.csv", TITLE, "squares", book, read_roster(roster_file))
    assert next(csv.reader(done.path.open()))[-1] == TITLE
    assert any("create a new assignment" in note for note in done.notes)
    roster_file.write_text("Name,Score\nx,1\n")
    with pytest.raises(UserError, match="not a Canvas gradebook export: no column 'Student'"):
        read_roster(roster_file)


def test_nbgrader_export_columns_and_meanings(grades, tmp_path: Path) -> None:
    course, book = grades
    path = write_nbgrader(tmp_path / "grades.csv", course.config, book)
    rows = {r["student_id"]: r for r in csv.DictReader(path.open())}
    assert next(csv.reader(path.open())) == list(COLUMNS)
    late = rows["s1002"]
    assert float(late["raw_score"]) == 4 and float(late["score"]) == pytest.approx(3.6)
    assert float(late["late_submission_penalty"]) == pytest.approx(
        float(late["raw_score"]) - float(late["score"]))
    assert late["first_name"] == "Alan" and late["last_name"] == "Turing"
    assert rows["s1004"]["first_name"] == "Grace Brewster" and rows["s1004"]["timestamp"] == ""
    assert [rows["s1004"][k] for k in ("raw_score", "late_submission_penalty", "score")] == [
        "0.0", "0.0", "0.0"]  # nothing submitted: nbgrader's zero
    assert rows["s1003"]["score"] == "" and rows["s1003"]["timestamp"]  # not graded: no zero
    assert rows["s1001"]["duedate"] == "2026-11-30 22:59:00"  # 23:59 Berlin, in UTC
