"""Grades and feedback back into Moodle, checked against the rules of Moodle's own importers.

Worksheet rules, from mod/assign/feedback/offline/importgradeslib.php (init, next) and
locallib.php (process_import_grades), and lib/csvlib.class.php (csv_import_reader):
- the header cells are compared with `==` to get_string('recordid', 'assign'),
  get_string('grade') and get_string('lastmodifiedgrade', 'assign') in the user's language, and
  each feedback editor field's description ("Feedback comments"); a feedback column at index 0
  is ignored (`!empty($details['index'])`);
- every line has as many cells as the header (else 'csvweirdcolumns' rejects the file);
- the participant id is the Identifier without its first strlen(get_string('hiddenuser'))
  characters;
- the grade goes through unformat_float and is skipped when empty, negative or above the
  assignment's maximum; "Last modified (grade)" goes through strtotime and a grade modified in
  Moodle after it is not overwritten, so it must stay as Moodle wrote it.
Feedback zip rules, from mod/assign/feedback/file/importziplib.php is_valid_filename_for_import.
"""

from __future__ import annotations

import csv
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from autograder.batch.exports.moodle import (
    feedback_folder,
    moodle_time,
    write_feedback_zip,
    write_worksheet,
)
from autograder.batch.moodle import read_worksheet
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.grades import compute_grades
from autograder.gradebook.models import SubmissionRow
from autograder.gradebook.store import (
    ensure_assignment,
    record_result,
    set_override,
    upsert_student,
)
from autograder.grading import results
from autograder.grading.results import QuestionScore, Result

HIDDEN_MESSAGE = "total(x): expected 20.7616, got -2.57751"
ENGLISH = {"id": "Identifier", "grade": "Grade", "modified": "Last modified (grade)",
           "feedback": "Feedback comments", "hiddenuser": "Participant "}
GERMAN = {"id": "ID", "grade": "Bewertung", "modified": "Zuletzt geändert (Bewertung)",
          "feedback": "Feedback als Kommentar", "hiddenuser": "Teilnehmer/in"}
PEOPLE = {"1001": "Ada Lovelace", "1002": "Alan_Turing", "1003": "=cmd|' /C calc'!A0",
          "1004": "Grace Hopper", "1005": "Nobody Yet"}


def _result(course, scores: dict[str, float]) -> Result:
    spec = course.config.assignment("squares")
    return Result(
        submission="x.ipynb", assignment="squares", status="graded", score=sum(scores.values()),
        max_score=spec.max_score, sha256="a" * 64,
        questions={q: QuestionScore(score=s, max_score=spec.questions[q].points)
                   for q, s in scores.items()},
        tests=[results.TestResult(name="test_total_hidden", question="total", score=0, max_score=1,
                          status="failed", visibility="hidden", output=HIDDEN_MESSAGE)])


@pytest.fixture
def grades(example_course):
    """1001 on time, 1002 two days late, 1003 with a TA override, 1004 collected but not
    graded, 1005 submitted nothing."""
    course = example_course
    due = course.config.deadline("squares")
    with open_gradebook(course.workspace)() as session:
        ensure_assignment(session, course.config, "squares")
        for number, name in PEOPLE.items():
            upsert_student(session, number, name, number)
        for number, late in (("1001", 0), ("1002", 2), ("1003", 0), ("1004", 0)):
            row = SubmissionRow(student_id=number, assignment_id="squares",
                                path=f"{number}/x.ipynb", file_sha256=number * 16,
                                submitted_at=due + timedelta(days=late, minutes=-30 if not late
                                                             else 0),
                                time_source="lms-worksheet")
            session.add(row)
            session.flush()
            if number != "1004":
                record_result(session, row, _result(course, {"square": 2, "total": 2}), "f")
        set_override(session, course.config, "squares", "1003", "total", 3,
                     "the rounding was <b>fine</b>")
        session.commit()
        yield course, compute_grades(session, course.config, "squares")


def _downloaded(tmp_path: Path, words: dict[str, str]) -> Path:
    """A worksheet as Moodle writes it (gradingtable.php in download mode), in a language."""
    full, submitted = (("Vollständiger Name", "Zuletzt geändert (Abgabe)") if words is GERMAN
                       else ("Full name", "Last modified (submission)"))
    max_grade = "Bestwertung" if words is GERMAN else "Maximum Grade"
    header = [words["id"], full, "Status", words["grade"], max_grade, submitted,
              words["modified"], words["feedback"]]
    path = tmp_path / f"worksheet-{words['id']}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number, name in PEOPLE.items():
            modified = "Tuesday, 1 December 2026, 9:05 AM" if number == "1001" else "-"
            writer.writerow([f"{words['hiddenuser']}{number}", name, "Submitted", "", "5",
                             "Monday, 30 November 2026, 5:00 PM", modified, ""])
    return path


def _import_like_moodle(path: Path, words: dict[str, str], max_grade: float) -> dict[str, dict]:
    """What Moodle's worksheet importer would take from the file (rules in the docstring)."""
    lines = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    header = lines[0]
    assert all(len(line) == len(header) for line in lines)
    index = {key: header.index(words[key]) for key in ("id", "grade", "modified", "feedback")}
    assert index["feedback"] != 0
    taken = {}
    for line in lines[1:]:
        participant = line[index["id"]][len(words["hiddenuser"]):]
        grade = line[index["grade"]].strip()
        value = float(grade.replace(",", ".")) if grade else None
        assert value is None or 0 <= value <= max_grade
        taken[participant] = {"grade": value, "modified": line[index["modified"]],
                              "feedback": line[index["feedback"]], "line": line}
    return taken


@pytest.mark.parametrize("words", [ENGLISH, GERMAN], ids=["english", "german"])
def test_worksheet_is_what_moodles_importer_takes(grades, tmp_path: Path, words) -> None:
    course, book = grades
    downloaded = _downloaded(tmp_path, words)
    sheet = read_worksheet(downloaded, course.config.course.timezone)
    out = write_worksheet(tmp_path / "upload.csv", book, sheet, "Europe/Berlin").path
    taken = _import_like_moodle(out, words, 5)
    original = {line[0]: line for line in csv.reader(downloaded.read_text().splitlines())}
    assert list(csv.reader(out.read_text().splitlines()))[0] == original[words["id"]]
    final = {g.student.id: g.final_score for g in book}
    assert final["1002"] == pytest.approx(4 * 0.8)  # two days late: 20 % off
    for number, row in taken.items():
        assert row["grade"] == (None if final[number] is None
                                else pytest.approx(round(final[number], 2)))
        assert row["modified"] == original[f"{words['hiddenuser']}{number}"][6]
    assert taken["1003"]["grade"] == 5  # the TA's override counts
    assert "rounding was &lt;b&gt;fine&lt;/b&gt;" in taken["1003"]["feedback"]
    assert not taken["1004"]["feedback"] and not taken["1005"]["feedback"]
    assert HIDDEN_MESSAGE not in out.read_text() and "20.7616" not in out.read_text()
    assert taken["1003"]["line"][1].startswith("'=")  # a name that is a formula stays text


def test_worksheet_without_a_download_reads_back(grades, tmp_path: Path) -> None:
    course, book = grades
    out = write_worksheet(tmp_path / "upload.csv", book, None, "America/New_York").path
    _import_like_moodle(out, ENGLISH, 5)
    back = read_worksheet(out, "America/New_York")
    assert set(back.rows) == set(PEOPLE) and back.rows["1005"].submitted_at is None
    assert back.rows["1002"].submitted_at == next(
        g.submission.submitted_at for g in book if g.student.id == "1002")


def test_moodle_time_format() -> None:
    from datetime import UTC, datetime
    moment = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert moodle_time(moment, "Europe/Berlin") == "Monday, 30 November 2026, 5:00 PM"
    assert moodle_time(moment, "UTC") == "Monday, 30 November 2026, 4:00 PM"


def _zip_import_like_moodle(path: Path, participants: set[str]) -> dict[str, list[str]]:
    """importziplib.php is_valid_filename_for_import, restated: each path part is exploded at
    '_' into at most 5 pieces; 4 or more with a numeric, known participant id and a plugin of
    the assignment name the owner; the rest of the path is the stored file name."""
    taken: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            assert not name.rsplit("/", 1)[-1].startswith((".", "~"))
            parts = name.split("/")
            while parts:
                info = parts.pop(0).split("_", 4)
                if len(info) < 4 or not info[1].isdigit() or info[1] not in participants:
                    continue
                assert (info[2], info[3]) == ("assignfeedback", "file")
                rest = [info[4] if len(info) == 5 else "", *parts]
                taken.setdefault(info[1], []).append("/".join(rest))
                break
            else:
                pytest.fail(f"{name}: Moodle would not know whose feedback this is")
    return taken


def test_feedback_zip_is_what_moodles_zip_importer_takes(grades, tmp_path: Path) -> None:
    course, book = grades
    done = write_feedback_zip(tmp_path / "feedback.zip", course.config, book)
    taken = _zip_import_like_moodle(done.path, set(PEOPLE))
    assert set(taken) == {"1001", "1002", "1003", "1004"}  # 1005 submitted nothing
    assert all(files == ["/feedback.html"] for files in taken.values())
    with zipfile.ZipFile(done.path) as archive:
        pages = {n.split("_")[1]: archive.read(n).decode() for n in archive.namelist()}
    assert HIDDEN_MESSAGE not in "".join(pages.values())
    assert feedback_folder("Alan_Turing", "1002") == "Alan Turing_1002_assignfeedback_file_"
    assert "<script>" not in feedback_folder("<script>x", "9")


def test_grades_are_scaled_to_moodles_maximum_grade(grades, tmp_path: Path) -> None:
    """The importer skips a grade above the assignment's maximum in Moodle (process_import_grades,
    'Out of range'), so a course grading out of 100 in Moodle gets scaled grades, and is told."""
    course, book = grades
    downloaded = _downloaded(tmp_path, ENGLISH)
    downloaded.write_text(downloaded.read_text().replace(",Submitted,,5,", ",Submitted,,100,"))
    sheet = read_worksheet(downloaded, "UTC")
    done = write_worksheet(tmp_path / "upload.csv", book, sheet, "UTC")
    taken = _import_like_moodle(done.path, ENGLISH, 100)
    assert taken["1001"]["grade"] == 80  # 4 of 5
    assert any("scaled from 5 to Moodle's maximum grade 100" in note for note in done.notes)


def test_an_ambiguous_submission_is_named_before_upload(grades, tmp_path: Path) -> None:
    from autograder.batch.collect import AMBIGUOUS
    course, book = grades
    (ada,) = [g for g in book if g.student.id == "1001"]
    ada.submission.note = f"{AMBIGUOUS} squares: a.ipynb, b.ipynb"
    done = write_worksheet(tmp_path / "upload.csv", book, None, "UTC")
    assert any(note.startswith("1001: several notebooks") for note in done.notes)
