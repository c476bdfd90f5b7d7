"""The TA's commands end to end through the CLI, and bad input as one line and exit 2."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from builders import good_bytes
from typer.testing import CliRunner

from autograder.cli.main import app, run


@pytest.fixture
def cli(in_course):
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    return in_course, invoke


def test_ta_workflow(cli, tmp_path: Path) -> None:
    course, invoke = cli
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(good_bytes(course))
    (inbox / "readme.txt").write_text("hello")
    out = invoke("collect", "squares", str(inbox))
    assert "collected 1 submission" in out and "set aside" in out
    out = invoke("grade-all", "squares", "--sandbox", "none", "-j", "1")
    assert "graded 1" in out and "canary" in out
    assert "reused 1" in invoke("grade-all", "squares", "--sandbox", "none")
    invoke("override", "squares", "alice", "square", "1", "--comment", "style")
    table = invoke("gradebook", "squares")
    assert "alice" in table and "1*" in table
    invoke("export", "squares", "--format", "csv")
    exported = course.workspace / "exports" / "squares" / "squares-grades.csv"
    (row,) = list(csv.DictReader(exported.open()))
    assert row["student"] == "alice" and row["overridden"] == "square"
    invoke("export", "squares", "--format", "gradescope")
    assert (course.workspace / "exports" / "squares" / "gradescope" / "alice" / "results.json").is_file()
    invoke("report", "squares")
    assert (course.workspace / "reports" / "squares" / "report.html").is_file()
    invoke("feedback", "squares")
    assert (course.workspace / "feedback" / "alice" / "squares" / "feedback.html").is_file()
    invoke("override", "squares", "alice", "square", "--remove")
    assert "1*" not in invoke("gradebook", "squares")


def test_untrusted_times_are_named_and_every_lms_format_exports(cli, tmp_path: Path) -> None:
    course, invoke = cli
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(good_bytes(course))
    (inbox / "bob.ipynb").write_bytes(good_bytes(course) + b"\n")
    out = " ".join(invoke("collect", "squares", str(inbox)).split())
    assert "no trusted submission time" in out and "alice, bob" in out
    invoke("grade-all", "squares", "--sandbox", "none", "-j", "1")
    table = " ".join(invoke("gradebook", "squares").split())
    assert "no trusted submission time" in table and "no time" in table  # line and flag
    exports = course.workspace / "exports" / "squares"
    invoke("export", "squares", "--format", "nbgrader")
    rows = list(csv.DictReader((exports / "squares-nbgrader.csv").open()))
    assert {r["student_id"] for r in rows} == {"alice", "bob"}
    out = " ".join(invoke("export", "squares", "--format", "moodle").split())
    assert "no Moodle participant id" in out  # a folder of notebooks: no Moodle ids to write
    invoke("export", "squares", "--format", "moodle-feedback-zip")
    assert (exports / "squares-moodle-feedback.zip").is_file()
    roster = tmp_path / "canvas.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      "    Points Possible,,,,\nAlice,77,alice,al,S1\n")
    invoke("export", "squares", "--format", "canvas", "--canvas-roster", str(roster))
    lines = list(csv.reader((exports / "squares-canvas-import.csv").open()))
    assert [line[1] for line in lines[2:]] == ["77"]


@pytest.mark.parametrize(("args", "expected"), [
    (["collect", "squares", "no/such/folder"], "no such file or folder"),
    (["collect", "nope", "."], "unknown assignment"),
    (["grade-all", "squares", "--sandbox", "none", "--student", "ghost"], "no collected"),
    (["override", "squares", "ghost", "square", "1", "--comment", "x"], "no student"),
    (["export", "squares", "--format", "canvas"], "--format canvas needs --canvas-roster"),
    (["collect", "squares", ".", "--worksheet", "w.csv", "--worksheet-timezone", "Mars/Base"],
     "unknown time zone 'Mars/Base'"),
    (["export", "squares", "--format", "moodle", "--worksheet", "missing.csv"],
     "missing.csv: cannot be read"),
])
def test_bad_input_is_one_line_and_exit_2(cli, monkeypatch, capsys, args, expected) -> None:
    monkeypatch.setattr(sys, "argv", ["autograder", *args])
    with pytest.raises(SystemExit) as exit_info:
        run()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
