"""`collect`: folders, submission zips and Moodle downloads into the workspace, untouched."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from builders import notebook_bytes, solved_notebook, submit_zip
from sqlalchemy import select

from autograder.batch.collect import collect
from autograder.batch.moodle import parse_time, read_worksheet
from autograder.batch.names import csv_cell, safe_filename, safe_id
from autograder.demo.samples import MOODLE, WORKSHEET, write_samples
from autograder.errors import UserError
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.models import Student, SubmissionRow, now
from autograder.gradebook.store import latest_submissions


@pytest.fixture
def sessions(example_course):
    return open_gradebook(example_course.workspace)


def _rows(session) -> dict[str, list[SubmissionRow]]:
    out: dict[str, list[SubmissionRow]] = {}
    for row in session.scalars(select(SubmissionRow).order_by(SubmissionRow.id)):
        out.setdefault(row.student_id, []).append(row)
    return out


def test_folder_of_notebooks_and_zips(example_course, sessions, tmp_path: Path) -> None:
    good = notebook_bytes(solved_notebook(example_course, "squares"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(good)
    (inbox / "s42_squares.zip").write_bytes(submit_zip(good, "squares.ipynb", "squares", "s42"))
    (inbox / "squares.ipynb").write_bytes(good)  # whose?
    (inbox / "notes.txt").write_text("not a submission")
    (inbox / "bob.zip").write_bytes(b"PK\x03\x04 broken")
    before = now()
    with sessions() as session:
        report = collect(example_course, session, "squares", inbox)
        rows = _rows(session)
    after = now()
    assert sorted(rows) == ["alice", "bob", "s42"]
    for student, (row,) in rows.items():
        stored = example_course.workspace / row.path
        assert stored.is_relative_to(example_course.workspace / "submitted" / student / "squares")
        assert row.time_source == "collection" and before <= row.submitted_at <= after
    assert (example_course.workspace / rows["alice"][0].path).read_bytes() == good
    assert [c.student for c in report.unreadable] == ["bob"]
    assert not rows["bob"][0].readable and "broken zip" in rows["bob"][0].note
    aside = {Path(origin).name: (reason, kept) for origin, reason, kept in report.set_aside}
    assert set(aside) == {"squares.ipynb", "notes.txt"}
    assert "whose submission" in aside["squares.ipynb"][0]
    assert aside["squares.ipynb"][1].read_bytes() == good  # set aside, not dropped
    assert aside["squares.ipynb"][1].is_relative_to(example_course.workspace / "rejected")


def test_received_at_dates_a_batch(example_course, sessions, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(notebook_bytes(solved_notebook(example_course, "squares")))
    when = example_course.config.course_time("2026-11-29T17:00", "--received-at")
    with sessions() as session:
        collect(example_course, session, "squares", inbox, received_at=when)
        (row,) = _rows(session)["alice"]
    assert row.time_source == "given"
    assert row.submitted_at == when.astimezone(UTC)


def test_moodle_download_with_worksheet(example_course, sessions, tmp_path: Path) -> None:
    made = write_samples(example_course, "squares", tmp_path / "samples")
    folder = tmp_path / "samples" / "squares"
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as archive:
        for path in sorted((folder / MOODLE).rglob("*")):
            archive.write(path, path.relative_to(folder / MOODLE).as_posix())
        archive.writestr("Eve Evil_666_assignsubmission_file_/../../../escaped.ipynb", b"{}")
        archive.writestr("/etc/Eve Evil_666_assignsubmission_file_/abs.ipynb", b"{}")
        archive.writestr("Eve Evil_666_assignsubmission_onlinetext_/onlinetext.html", b"<p>hi")
    with sessions() as session:
        report = collect(example_course, session, "squares", download, folder / WORKSHEET)
        rows = _rows(session)
        students = {s.id: s for s in session.scalars(select(Student))}
    sheet = read_worksheet(folder / WORKSHEET, example_course.config.course.timezone)
    submitted = {s.participant: s for s in made if s.submitted is not None}
    assert sorted(rows) == sorted(submitted)
    for participant, (row,) in rows.items():
        assert row.time_source == "lms-worksheet"
        assert row.submitted_at == sheet.rows[participant].submitted_at
        assert students[participant].lms_id == participant
    # the zip claiming to be another student is filed under its Moodle folder
    claimed = next(s for s in made if s.file_name.endswith(".zip") and s.data.startswith(b"PK"))
    assert (example_course.workspace / rows[claimed.participant][0].path).read_bytes() == claimed.data
    hostile = next(s for s in made if "<script>" in s.full_name)
    assert students[hostile.participant].name == hostile.full_name
    no_show = next(s for s in made if s.submitted is None)
    assert no_show.participant in students and no_show.participant not in rows
    reasons = " ".join(reason for _, reason, _ in report.set_aside)
    assert reasons.count("unsafe path") == 2 and "participant 666 is not in the worksheet" in reasons
    assert not (tmp_path / "escaped.ipynb").exists()
    assert not any(p.name in ("escaped.ipynb", "abs.ipynb")
                   for p in example_course.workspace.rglob("*"))


def test_recollect_skips_duplicates_and_keeps_every_attempt(example_course, sessions,
                                                            tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = notebook_bytes(solved_notebook(example_course, "squares"))
    (inbox / "alice.ipynb").write_bytes(first)
    with sessions() as session:
        collect(example_course, session, "squares", inbox)
        again = collect(example_course, session, "squares", inbox)
        assert again.duplicates and not again.collected
        (inbox / "alice.ipynb").write_bytes(first.replace(b"Squares", b"Squares!"))
        collect(example_course, session, "squares", inbox)
        attempts = _rows(session)["alice"]
        latest = latest_submissions(session, "squares")["alice"]
    assert len(attempts) == 2 and latest.id == attempts[-1].id
    assert all((example_course.workspace / a.path).is_file() for a in attempts)


def test_worksheet_problems_name_file_and_line(tmp_path: Path) -> None:
    sheet = tmp_path / "w.csv"
    sheet.write_text("Identifier,Last modified (submission)\nParticipant 7,yesterday-ish\n")
    with pytest.raises(UserError, match=r"w\.csv:2: .*yesterday-ish"):
        read_worksheet(sheet, "UTC")
    sheet.write_text("Name,Time\nx,y\n")
    with pytest.raises(UserError, match="no column 'Identifier' or 'ID'; 'Last modified "
                       r"\(submission\)' or 'Zuletzt geändert \(Abgabe\)'"):
        read_worksheet(sheet, "UTC")


def test_moodle_dates_are_read_in_the_course_timezone() -> None:
    moment = parse_time("Friday, 6 November 2026, 11:59 PM", "Europe/Berlin")
    assert moment == datetime(2026, 11, 6, 23, 59, tzinfo=ZoneInfo("Europe/Berlin"))
    assert parse_time("-", "UTC") is None


@pytest.mark.parametrize("raw", ["../../etc", "/abs/path", "a/b", "..", "x\x00y", "<b>", ""])
def test_unsafe_ids_become_plain_distinct_folder_names(raw: str) -> None:
    cleaned = safe_id(raw)
    assert "/" not in cleaned and ".." not in cleaned and not cleaned.startswith(".")
    assert cleaned and cleaned != safe_id(raw + "x")
    assert "/" not in safe_filename(raw) and not safe_filename(raw).startswith(".")


def test_plain_ids_are_kept_and_formulas_are_defused() -> None:
    assert safe_id("s1234567") == "s1234567" and safe_id("ana@uni.example") == "ana@uni.example"
    assert [csv_cell(v) for v in ("=1+1", "+1", "-2", "@x", "ok", 3.5)] == [
        "'=1+1", "'+1", "'-2", "'@x", "ok", 3.5]
