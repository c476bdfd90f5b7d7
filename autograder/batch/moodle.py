"""Moodle's formats: "Download all submissions" names and the grading worksheet CSV.

Rules read from Moodle's source (mod/assign):
- classes/downloader.php (4.1+) and locallib.php download_submissions (earlier): a student's
  prefix is `clean_filename(str_replace('_', ' ', fullname) . '_' . uniqueid)`, so the name part
  never holds an underscore and the FIRST `_<digits>_` is the participant id Moodle wrote.
  Folders are `<prefix>_assignsubmission_<plugin>` (4.1+) or with a trailing `_` (earlier);
  without folders a file is `<prefix>_assignsubmission_<plugin>_<the student's own file name>`.
  Team submissions use `<group name>_<group id>` instead, or "Default group" with no id.
- feedback/offline/importgradeslib.php: the worksheet's columns are found by their exact
  localised header; the Identifier is `get_string('hiddenuser')` (e.g. "Participant ") and the
  participant id. Headers here are matched in English and German, case and spacing aside.

The worksheet is the LMS's record and the only trusted source of submission times. Moodle
writes its dates in the time zone of the user who downloaded it (their profile), which is the
course's unless the TA says otherwise (`--worksheet-timezone`). A date that cannot be read is an
error naming the file and the line, never a guess.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import UserError

PREFIX = re.compile(r"^(?P<name>[^_/]+?)(?:_(?P<id>\d+))?_assign(?P<kind>submission|feedback)"
                    r"_(?P<plugin>[a-z]+)(?P<rest>_.*)?$", re.DOTALL)
IDENTIFIER_NUMBER = re.compile(r"(\d+)\s*$")
WORD = re.compile(r"[^\W\d_]+")
FILENAME_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f&<>\"`|':\\\\/]")  # PARAM_FILE, moodlelib.php

# Header text per column, as Moodle's language packs write it (lang/en/assign.php,
# lang/en/moodle.php, assignfeedback_comments; German from the de language pack).
COLUMNS: dict[str, tuple[str, ...]] = {
    "identifier": ("Identifier", "ID"),
    "full_name": ("Full name", "Vollständiger Name"),
    "status": ("Status",),
    "group": ("Group", "Gruppe"),
    "grade": ("Grade", "Bewertung"),
    "max_grade": ("Maximum Grade", "Maximum grade", "Bestwertung"),
    "submitted": ("Last modified (submission)", "Zuletzt geändert (Abgabe)"),
    "graded": ("Last modified (grade)", "Zuletzt geändert (Bewertung)"),
    "feedback": ("Feedback comments", "Feedback als Kommentar"),
}
REQUIRED = ("identifier", "submitted")
GERMAN_NAMES = {
    "Montag": "Monday", "Dienstag": "Tuesday", "Mittwoch": "Wednesday",
    "Donnerstag": "Thursday", "Freitag": "Friday", "Samstag": "Saturday",
    "Sonntag": "Sunday", "Januar": "January", "Jänner": "January", "Februar": "February",
    "März": "March", "Mai": "May", "Juni": "June", "Juli": "July", "Oktober": "October",
    "Dezember": "December",
}
TIME_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%A, %d. %B %Y, %H:%M",
                "%d %B %Y, %I:%M %p", "%d %B %Y, %H:%M", "%d. %B %Y, %H:%M", "%d/%m/%Y, %H:%M",
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
DEFAULT_GROUP = "Default group"


@dataclass(frozen=True)
class MoodleName:
    """The part of a download's path that Moodle wrote: whose, and by which plugin."""

    name: str  # a participant's full name, or a group's name
    number: str | None  # participant id, or group id; None for "Default group"
    plugin: str  # "file" for uploaded files, "onlinetext" for typed text
    rest: str = ""  # the student's own file name (downloads without folders)


def parse_prefix(part: str) -> MoodleName | None:
    """A folder or file name read as Moodle writes it, or None. The name part holds no
    underscore (Moodle replaced them by spaces), so the first prefix is Moodle's: whatever a
    student put in their own file name comes after it, in `rest`."""
    match = PREFIX.match(part)
    if match is None or match["kind"] != "submission":
        return None
    rest = (match["rest"] or "")[1:]
    return MoodleName(match["name"].strip(), match["id"], match["plugin"], rest)


def moodle_filename(name: str) -> str:
    """A name as Moodle puts it in a path: underscores become spaces and clean_filename
    (lib/moodlelib.php, PARAM_FILE) drops the characters a file name cannot hold."""
    return FILENAME_UNSAFE.sub("", name.replace("_", " ")).strip()


def same_name(written: str, listed: str) -> bool:
    return _fold(written) == _fold(moodle_filename(listed))


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class WorksheetRow:
    """One participant's line of Moodle's grading worksheet."""

    participant: str
    identifier: str  # exactly as Moodle wrote it: the importer needs it back unchanged
    full_name: str
    submitted_at: datetime | None
    group: str = ""
    cells: tuple[str, ...] = ()  # the whole line, for writing the worksheet back


@dataclass
class Worksheet:
    """A grading worksheet: its header as written, which header is which column, its rows."""

    path: Path
    header: list[str]
    columns: dict[str, int]
    rows: dict[str, WorksheetRow] = field(default_factory=dict)

    def column(self, key: str) -> str | None:
        index = self.columns.get(key)
        return None if index is None else self.header[index]

    def group_members(self, group: str) -> list[WorksheetRow]:
        return [r for r in self.rows.values() if r.group and same_name(group, r.group)]


def parse_time(text: str, timezone: str) -> datetime | None:
    text = " ".join(text.split())
    if not text or text == "-":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
        english = WORD.sub(lambda word: GERMAN_NAMES.get(word[0], word[0]), text)
        for fmt in TIME_FORMATS:
            try:
                moment = datetime.strptime(english, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError(f"cannot read the date {text!r} (Moodle's format is like "
                         "'Monday, 30 November 2026, 5:00 PM')")
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def find_columns(header: list[str]) -> dict[str, int]:
    wanted = {_fold(text): key for key, texts in COLUMNS.items() for text in texts}
    found: dict[str, int] = {}
    for index, text in enumerate(header):
        key = wanted.get(_fold(text.lstrip("\ufeff")))
        if key is not None and key not in found:
            found[key] = index
    return found


def read_worksheet(path: Path, timezone: str) -> Worksheet:
    """Moodle's "Download grading worksheet" CSV; dates read in `timezone` (the downloading
    user's). Problems name the file, the line and exactly what is missing."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"unknown time zone {timezone!r} (e.g. Europe/Berlin)") from None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot be read as a UTF-8 CSV file: {exc}") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # a worksheet saved again by a spreadsheet
    lines = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if not lines:
        raise UserError(f"{path}: empty, not a Moodle grading worksheet")
    header = [h.strip() for h in lines[0]]
    columns = find_columns(header)
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        names = "; ".join(f"{' or '.join(repr(t) for t in COLUMNS[k])}" for k in missing)
        raise UserError(f"{path}: not a Moodle grading worksheet: no column {names} "
                        f"(its columns: {', '.join(repr(h) for h in header[:12])})")
    sheet = Worksheet(path, header, columns)
    for line, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise UserError(f"{path}:{line}: {len(cells)} cells, the header has {len(header)}")

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None else ""

        identifier = cell("identifier")
        found = IDENTIFIER_NUMBER.search(identifier)
        if found is None:
            raise UserError(f"{path}:{line}: {sheet.column('identifier')} {identifier!r} has "
                            "no participant number")
        try:
            moment = parse_time(cell("submitted"), timezone)
        except ValueError as exc:
            raise UserError(f"{path}:{line}: {sheet.column('submitted')}: {exc}") from None
        if found[1] in sheet.rows:
            raise UserError(f"{path}:{line}: participant {found[1]} is listed twice")
        sheet.rows[found[1]] = WorksheetRow(found[1], identifier, cell("full_name"), moment,
                                            cell("group"), tuple(cells))
    return sheet
