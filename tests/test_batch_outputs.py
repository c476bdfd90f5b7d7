"""Feedback, exports and the report: what each reader may see, and untrusted text kept inert."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from builders import good_bytes, notebook_bytes, wrong_notebook
from gradescope_spec import spec_problems, student_safety_problems

from autograder.batch.collect import collect
from autograder.batch.exports.gradescope import write_gradescope
from autograder.batch.exports.staff_csv import write_csv
from autograder.batch.feedback import feedback_view, render_feedback, write_feedback
from autograder.batch.grade_all import grade_all
from autograder.batch.report import build_report
from autograder.course import CourseRepo
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.grades import compute_grades
from autograder.gradebook.models import SubmissionRow, now
from autograder.gradebook.store import record_result, set_override, upsert_student
from autograder.grading.results import Result

EXAMPLE = Path(__file__).resolve().parent / "example_course"
HOSTILE = '=HYPERLINK("http://x") <script>alert(1)</script>'


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """alice correct, carol with a typical mistake (fails public and hidden tests, with an
    override), erin a grader error; graded once for the module."""
    root = tmp_path_factory.mktemp("outputs")
    shutil.copytree(EXAMPLE, root / "course", ignore=shutil.ignore_patterns("release"))
    course = CourseRepo(root / "course", workspace=root / "workspace")
    sessions = open_gradebook(course.workspace)
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(good_bytes(course))
    (inbox / "carol.ipynb").write_bytes(notebook_bytes(wrong_notebook(course)))
    with sessions() as session:
        collect(course, session, "squares", inbox)
        upsert_student(session, "carol", HOSTILE)
        session.commit()
    grade_all(course, sessions, "squares", sandbox="none", workers=2)
    with sessions() as session:
        upsert_student(session, "erin", "Erin")
        row = SubmissionRow(student_id="erin", assignment_id="squares", path="x", file_sha256="e",
                            submitted_at=now(), time_source="collection")
        session.add(row)
        session.flush()
        record_result(session, row, Result(submission="x", assignment="squares",
                                           status="grader-error", max_score=5,
                                           message="grader error: boom"), "f")
        set_override(session, course.config, "squares", "carol", "total", 2.0,
                     "=cmd|' /C calc'!A0 <b>partly right</b>")
        session.commit()
        grades = {g.student.id: g for g in compute_grades(session, course.config, "squares")}
    return course, grades


def _hidden_messages(grade) -> list[str]:
    return [t.output for t in grade.result.tests if t.visibility != "visible" and t.output]


def test_feedback_shows_public_messages_and_hides_hidden_ones(book) -> None:
    course, grades = book
    carol = grades["carol"]
    hidden = _hidden_messages(carol)
    public = [t.output for t in carol.result.tests if t.visibility == "visible" and t.output]
    assert hidden and public, "the mistake must fail a public and a hidden test"
    html, markdown = render_feedback(course.config, feedback_view(course.config, carol))
    for page in (html, markdown):
        assert not any(message in page for message in hidden)
    assert all(t.name in html for t in carol.result.tests)
    assert any(message.splitlines()[0] in html for message in public)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>partly right</b>" not in html and "partly right" in html
    assert "<script>" not in markdown


def test_hidden_tests_wait_for_the_due_date_when_configured(book) -> None:
    course, grades = book
    carol = grades["carol"]
    result = carol.result.model_copy(deep=True)
    for test in result.tests:
        if test.visibility == "hidden":
            test.visibility = "after_due_date"
    grade = replace(carol, result=result)
    deadline = course.config.deadline("squares", "carol")
    before = feedback_view(course.config, grade, at=deadline - timedelta(hours=1))
    after = feedback_view(course.config, grade, at=deadline + timedelta(hours=1))
    hidden_count = sum(t.visibility == "after_due_date" for t in result.tests)
    assert hidden_count and sum(q.withheld for q in before.questions) == hidden_count
    assert sum(len(q.tests) for q in after.questions) == len(result.tests)
    assert all(not t.output for q in after.questions for t in q.tests
               if t.name in {x.name for x in result.tests if x.visibility != "visible"})


def test_feedback_files_and_grader_error_wording(book) -> None:
    course, grades = book
    written = write_feedback(course.workspace, course.config, list(grades.values()))
    assert {p.parent.parent.name for p in written} == {"alice", "carol", "erin"}
    erin = (course.workspace / "feedback" / "erin" / "squares" / "feedback.md").read_text()
    assert "not a zero" in erin and "boom" not in erin


def test_csv_export_marks_overrides_and_defuses_formulas(book, tmp_path: Path) -> None:
    course, grades = book
    target = write_csv(tmp_path / "grades.csv", course.config, list(grades.values()))
    rows = {r["student"]: r for r in csv.DictReader(target.open())}
    questions = list(course.config.assignment("squares").questions)
    assert all(q in rows["alice"] for q in questions)
    carol = grades["carol"]
    assert rows["carol"]["Full name"] == "'" + HOSTILE
    assert rows["carol"]["overridden"] == "total" and "partly right" in rows["carol"]["override_comments"]
    assert float(rows["carol"]["total"]) == 2.0
    assert float(rows["carol"]["final_score"]) == carol.final_score
    assert float(rows["carol"]["raw_score"]) == carol.raw_score != carol.final_score
    assert rows["erin"]["status"] == "grader-error" and rows["erin"]["final_score"] == ""
    assert float(rows["alice"]["final_score"]) == course.config.assignment("squares").max_score
    for row in rows.values():
        assert not any(str(v).startswith(("=", "+", "@")) for v in row.values())


def test_gradescope_export(book, tmp_path: Path) -> None:
    course, grades = book
    written, skipped = write_gradescope(tmp_path / "gs", list(grades.values()))
    assert {p.parent.name for p in written} == {"alice", "carol"}
    assert skipped == ["erin (grader-error)"]
    carol = json.loads((tmp_path / "gs" / "carol" / "results.json").read_text())
    assert carol["score"] == grades["carol"].final_score
    assert "TA override on total" in carol["output"]
    assert carol["extra_data"]["overrides"]["total"]["score"] == 2.0
    hidden = [t for t in carol["tests"] if "hidden" in t["name"]]
    assert hidden and all(t["output"] == "" for t in hidden)
    assert not any(m in json.dumps(carol) for m in _hidden_messages(grades["carol"]))
    assert spec_problems(carol) == [] and student_safety_problems(carol) == []


def test_report_has_plots_and_the_most_failed_tests(book) -> None:
    course, grades = book
    html = build_report(course.config, "squares", list(grades.values()))
    assert html.count("data:image/png;base64,") == 4
    failed = [t for t in grades["carol"].result.tests if t.status != "passed"]
    assert failed and all(t.name in html for t in failed)
    attention = html[html.index('id="attention"'):html.index('id="mistakes"')]
    assert "<td>erin</td>" in attention and ">grader-error</span>" in attention


def test_report_shows_a_students_message_inert(book) -> None:
    """The report quotes failure messages, which a student's code can word: as text, not HTML."""
    course, grades = book
    result = grades["carol"].result.model_copy(deep=True)
    failing = next(t for t in result.tests if t.status != "passed")
    failing.output = HOSTILE
    carol = replace(grades["carol"], result=result)
    html = build_report(course.config, "squares", [grades["alice"], carol])
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_student_facing_output_carries_a_hidden_message(book, tmp_path: Path) -> None:
    """Issue 12.8: after the due date, with hidden tests shown `after_due_date`, every output a
    student can see (feedback, Moodle worksheet and feedback zip, Gradescope results) names the
    hidden tests but never carries their messages (expected values); staff keep them in the
    stored result."""
    import zipfile

    from autograder.batch.exports.moodle import write_feedback_zip, write_worksheet

    course, grades = book
    result = grades["carol"].result.model_copy(deep=True)
    for test in result.tests:
        if test.visibility != "visible":
            test.visibility = "after_due_date"
    carol = replace(grades["carol"], result=result)
    carol.student.lms_id = carol.student.lms_id or "4242"
    hidden = _hidden_messages(carol)
    assert hidden, "the mistake must fail a hidden test with a message"
    after = course.config.deadline("squares", "carol") + timedelta(days=2)
    texts = {}
    for page, name in zip(render_feedback(course.config, feedback_view(course.config, carol, after)),
                          ("feedback.html", "feedback.md"), strict=True):
        texts[name] = page
    write_worksheet(tmp_path / "ws.csv", [carol], None, course.config.course.timezone)
    texts["moodle worksheet"] = (tmp_path / "ws.csv").read_text()
    write_feedback_zip(tmp_path / "fb.zip", course.config, [carol], at=after)
    with zipfile.ZipFile(tmp_path / "fb.zip") as archive:
        texts["moodle feedback zip"] = "".join(archive.read(n).decode() for n in archive.namelist())
    written, _ = write_gradescope(tmp_path / "gs", [carol], hidden_tests="after_due_date")
    texts["gradescope"] = "".join(p.read_text() for p in written)
    for name, text in texts.items():
        leaked = [m for m in hidden if m.splitlines()[0] in text]
        assert not leaked, f"{name} shows a hidden test's message: {leaked[0][:80]}"
    assert any(t.name.split("::")[-1] in texts["feedback.html"] for t in result.tests
               if t.visibility != "visible"), "hidden tests are still named"
