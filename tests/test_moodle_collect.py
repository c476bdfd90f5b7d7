"""Collecting a Moodle download: whose file is whose, several files, groups, worksheets.

Names follow Moodle's download code: mod/assign/classes/downloader.php (get_student_prefix,
load_submissionplugin_filelist) and, before 4.1, mod/assign/locallib.php download_submissions:
`clean_filename(str_replace('_', ' ', fullname) . '_' . uniqueid)`, then
`_assignsubmission_<plugin>` as a folder, or `_assignsubmission_<plugin>_<file name>` flat.
Worksheet headers and dates: lang/en/assign.php, lang/de/assign.php (recordid "ID",
lastmodifiedsubmission "Zuletzt geändert (Abgabe)"), core "Vollständiger Name", "Bewertung".
"""

from __future__ import annotations

import csv
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pytest
from builders import notebook_bytes, solved_notebook, submit_zip
from sqlalchemy import select

from autograder.batch.collect import collect
from autograder.batch.moodle import parse_prefix, parse_time, read_worksheet
from autograder.errors import UserError
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.models import SubmissionRow

SHEET = ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
         "Last modified (submission),Last modified (grade),Feedback comments\n")


@pytest.fixture
def sessions(example_course):
    return open_gradebook(example_course.workspace)


def _notebook(example_course, marker: str, for_assignment: bool = True) -> bytes:
    nb = solved_notebook(example_course, "squares")
    nb.cells.append(nbformat.v4.new_markdown_cell(marker))
    if for_assignment:
        nb.metadata["autograder"] = {"assignment": "squares"}
    else:
        nb.metadata.pop("autograder", None)
    return notebook_bytes(nb)


def _sheet(tmp_path: Path, people: dict[str, str], group: dict[str, str] | None = None) -> Path:
    header = SHEET if group is None else SHEET.replace("Status,", "Status,Group,")
    lines = [header]
    for number, name in people.items():
        team = f"{group[number]}," if group is not None else ""
        lines.append(f"Participant {number},{name},p{number}@example.invalid,Submitted,{team},"
                     f"5,Yes,\"Monday, 30 November 2026, 5:00 PM\",-,\n")
    path = tmp_path / "worksheet.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _zip(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "download.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _stored(example_course, session) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for row in session.scalars(select(SubmissionRow).order_by(SubmissionRow.id)):
        out.setdefault(row.student_id, []).append(
            (example_course.workspace / row.path).read_bytes())
    return out


@pytest.mark.parametrize("with_sheet", [True, False], ids=["worksheet", "no-worksheet"])
def test_a_file_named_like_another_participant_stays_with_its_uploader(
        example_course, sessions, tmp_path: Path, with_sheet: bool) -> None:
    """Issue 12 item 5: Alice uploads a file whose own name carries Bob's prefix; in a download
    without folders Moodle puts Alice's prefix in front of it. Old main read the last prefix and
    replaced Bob's real submission with Alice's file."""
    bob, alice = _notebook(example_course, "bob"), _notebook(example_course, "alice")
    download = _zip(tmp_path, {
        "Bob Builder_200_assignsubmission_file_squares.ipynb": bob,
        "Alice Smith_101_assignsubmission_file_Bob Builder_200_assignsubmission_file_"
        "squares.ipynb": alice,
        "Alice Smith_101_assignsubmission_file/Bob Builder_200_assignsubmission_file/"
        "squares.ipynb": alice,  # a subfolder Alice made inside her own folder
    })
    sheet = _sheet(tmp_path, {"101": "Alice Smith", "200": "Bob Builder"}) if with_sheet else None
    with sessions() as session:
        collect(example_course, session, "squares", download, sheet)
        stored = _stored(example_course, session)
    assert stored["200"] == [bob]
    assert stored["101"] == [alice]


def test_with_a_worksheet_only_its_participants_get_files(example_course, sessions,
                                                         tmp_path: Path) -> None:
    good = _notebook(example_course, "x")
    download = _zip(tmp_path, {
        "Ada Lovelace_101_assignsubmission_file/squares.ipynb": good,
        "Mallory_999_assignsubmission_file/squares.ipynb": good,
        "renamed by hand/squares.ipynb": good,
    })
    sheet = _sheet(tmp_path, {"101": "Ada Lovelace"})
    with sessions() as session:
        report = collect(example_course, session, "squares", download, sheet)
        stored = _stored(example_course, session)
    assert set(stored) == {"101"}
    reasons = {Path(origin.split(":", 1)[1]).parts[0]: (reason, kept)
               for origin, reason, kept in report.set_aside}
    assert "participant 999 is not in the worksheet" in reasons["Mallory_999_assignsubmission_file"][0]
    assert "only Moodle's names say whose" in reasons["renamed by hand"][0]
    assert all(kept is not None and kept.read_bytes() == good for _, kept in reasons.values())


def test_several_files_grade_the_assignment_notebook_and_say_so(example_course, sessions,
                                                                tmp_path: Path) -> None:
    real = _notebook(example_course, "real")
    scratch = _notebook(example_course, "scratch", for_assignment=False)
    download = _zip(tmp_path, {
        "Ada Lovelace_101_assignsubmission_file/scratch.ipynb": scratch,
        "Ada Lovelace_101_assignsubmission_file/my work.ipynb": real,
        "Ada Lovelace_101_assignsubmission_file/notes.pdf": b"%PDF-1.4",
        "Alan Turing_102_assignsubmission_file/copy 1.ipynb": scratch,
        "Alan Turing_102_assignsubmission_file/copy 2.ipynb": scratch + b" ",
        "Grace Hopper_103_assignsubmission_file/a.ipynb": real,
        "Grace Hopper_103_assignsubmission_file/b.zip": submit_zip(real, "x.ipynb", "squares", "g"),
    })
    sheet = _sheet(tmp_path, {"101": "Ada Lovelace", "102": "Alan Turing",
                              "103": "Grace Hopper"})
    with sessions() as session:
        report = collect(example_course, session, "squares", download, sheet)
        rows = {r.student_id: r for r in session.scalars(select(SubmissionRow))}
    assert rows["103"].readable and "the same notebook in each" in rows["103"].note
    ada = rows["101"]
    assert (example_course.workspace / ada.path).read_bytes() == real and ada.readable
    assert ada.note.startswith("graded my work.ipynb (its metadata")  # the gradebook shows it
    kept = {p.name for p in (example_course.workspace / ada.path).parent.iterdir()}
    assert {"scratch.ipynb", "notes.pdf"} <= kept
    assert any("101: graded my work.ipynb (its metadata names the assignment)" in line
               for line in report.chosen)
    alan = rows["102"]
    assert not alan.readable and "copy 1.ipynb" in alan.note and "copy 2.ipynb" in alan.note
    assert any(line.startswith("102: ambiguous") for line in report.chosen)


def test_online_text_and_other_uploads_are_submitted_not_missing(example_course, sessions,
                                                                 tmp_path: Path) -> None:
    download = _zip(tmp_path, {
        "Ada Lovelace_101_assignsubmission_onlinetext/onlinetext.html": b"<p>my answer</p>",
        "Alan Turing_102_assignsubmission_file/report.pdf": b"%PDF-1.4",
    })
    sheet = _sheet(tmp_path, {"101": "Ada Lovelace", "102": "Alan Turing", "103": "Grace"})
    with sessions() as session:
        collect(example_course, session, "squares", download, sheet)
        rows = {r.student_id: r for r in session.scalars(select(SubmissionRow))}
    assert set(rows) == {"101", "102"}
    assert all(not r.readable and r.note.startswith("submitted, not a notebook")
               for r in rows.values())


def test_a_group_submission_goes_to_every_member(example_course, sessions,
                                                 tmp_path: Path) -> None:
    work = _notebook(example_course, "team")
    download = _zip(tmp_path, {
        "Team A_17_assignsubmission_file/squares.ipynb": work,
        "Default group_assignsubmission_file/squares.ipynb": work + b" ",
    })
    sheet = _sheet(tmp_path, {"101": "Ada", "102": "Alan", "103": "Grace"},
                   group={"101": "Team A", "102": "Team A", "103": "Team B"})
    with sessions() as session:
        report = collect(example_course, session, "squares", download, sheet)
        stored = _stored(example_course, session)
    assert stored == {"101": [work], "102": [work]}
    assert any("Default group" in reason for _, reason, _ in report.set_aside)


def test_german_worksheet_and_the_downloading_users_time_zone(tmp_path: Path) -> None:
    sheet = tmp_path / "Bewertungen.csv"
    sheet.write_text(
        "\ufeffID,Vollständiger Name,E-Mail-Adresse,Status,Bewertung,Bestwertung,"
        "Bewertung kann geändert werden,Zuletzt geändert (Abgabe),"
        "Zuletzt geändert (Bewertung),Feedback als Kommentar\n"
        "Teilnehmer/in1001,Ada Lovelace,a@x.invalid,Zur Bewertung abgegeben,,16,Ja,"
        "\"Montag, 30. November 2026, 17:00\",-,\n", encoding="utf-8")
    berlin = read_worksheet(sheet, "Europe/Berlin")
    row = berlin.rows["1001"]
    assert row.identifier == "Teilnehmer/in1001" and row.full_name == "Ada Lovelace"
    assert row.submitted_at == datetime(2026, 11, 30, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert berlin.column("grade") == "Bewertung" and berlin.column("feedback") == (
        "Feedback als Kommentar")
    tokyo = read_worksheet(sheet, "Asia/Tokyo").rows["1001"].submitted_at
    assert (row.submitted_at - tokyo).total_seconds() == 8 * 3600


def test_worksheet_problems_say_exactly_what_is_missing(tmp_path: Path) -> None:
    sheet = tmp_path / "w.csv"
    sheet.write_text("Full name,Grade\nAda,3\n")
    with pytest.raises(UserError, match=r"w\.csv: .*no column 'Identifier' or 'ID'; 'Last "
                       r"modified \(submission\)' or 'Zuletzt geändert \(Abgabe\)'"):
        read_worksheet(sheet, "UTC")
    sheet.write_text(SHEET + "Participant 7,Ada,a,Submitted,,5,Yes,\"30 Nov\",-,\n")
    with pytest.raises(UserError, match=r"w\.csv:2: Last modified \(submission\): cannot read"):
        read_worksheet(sheet, "UTC")
    with pytest.raises(UserError, match="unknown time zone 'Mars/Base'"):
        read_worksheet(sheet, "Mars/Base")


def test_collect_names_students_without_a_trusted_time(example_course, sessions,
                                                       tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(_notebook(example_course, "a"))
    (inbox / "bob.ipynb").write_bytes(_notebook(example_course, "b"))
    with sessions() as session:
        report = collect(example_course, session, "squares", inbox)
    assert report.untrusted_time == ["alice", "bob"]


@pytest.mark.parametrize(("part", "expected"), [
    ("Ada Lovelace_1001_assignsubmission_file", ("Ada Lovelace", "1001", "file", "")),
    ("Ada Lovelace_1001_assignsubmission_file_", ("Ada Lovelace", "1001", "file", "")),
    ("Ada_1_assignsubmission_file_Bob_2_assignsubmission_file_x.ipynb",
     ("Ada", "1", "file", "Bob_2_assignsubmission_file_x.ipynb")),
    ("Default group_assignsubmission_file", ("Default group", None, "file", "")),
    ("x_1_assignfeedback_file", None),
    ("notes.ipynb", None),
])
def test_moodle_prefixes(part: str, expected) -> None:
    parsed = parse_prefix(part)
    assert (parsed if parsed is None else (parsed.name, parsed.number, parsed.plugin,
                                           parsed.rest)) == expected


def test_a_renamed_participant_is_filed_by_id_with_a_note(example_course, sessions,
                                                          tmp_path: Path) -> None:
    work = _notebook(example_course, "ada")
    download = _zip(tmp_path, {"Ada Lovelace_101_assignsubmission_file/squares.ipynb": work})
    sheet = _sheet(tmp_path, {"101": "Ada King"})
    with sessions() as session:
        report = collect(example_course, session, "squares", download, sheet)
        stored = _stored(example_course, session)
    assert stored == {"101": [work]}
    assert any("'Ada Lovelace' is not the worksheet's 'Ada King'" in w for w in report.warnings)


def test_a_worksheet_saved_again_with_semicolons_is_read(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path, {"101": "Ada Lovelace"})
    rows = list(csv.reader(sheet.read_text().splitlines()))
    with sheet.open("w", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    assert read_worksheet(sheet, "UTC").rows["101"].full_name == "Ada Lovelace"


@pytest.mark.parametrize(("text", "expected"), [
    ("Montag, 2. März 2026, 09:15", datetime(2026, 3, 2, 9, 15)),
    ("Sonntag, 27. Dezember 2026, 23:59", datetime(2026, 12, 27, 23, 59)),
    ("Monday, 30 November 2026, 5:00 PM", datetime(2026, 11, 30, 17, 0)),
])
def test_moodle_dates_in_english_and_german(text: str, expected: datetime) -> None:
    assert parse_time(text, "Europe/Berlin") == expected.replace(tzinfo=ZoneInfo("Europe/Berlin"))
