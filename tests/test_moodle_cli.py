"""The LMS side of the CLI: what collect says, what the gradebook shows, every export format."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from builders import good_bytes
from typer.testing import CliRunner

from autograder.cli.main import app, run


@pytest.fixture
def cli(example_course, monkeypatch):
    monkeypatch.chdir(example_course.root)
    monkeypatch.setenv("AUTOGRADER_WORKSPACE", str(example_course.workspace))
    monkeypatch.delenv("AUTOGRADER_ROOT", raising=False)
    monkeypatch.delenv("AUTOGRADER_DB", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(app, list(args), terminal_width=200)
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    return example_course, invoke


def test_untrusted_times_are_named_and_every_format_exports(cli, tmp_path: Path) -> None:
    course, invoke = cli
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(good_bytes(course))
    (inbox / "bob.ipynb").write_bytes(good_bytes(course) + b"\n")
    out = invoke("collect", "squares", str(inbox))
    assert "no trusted submission time" in out and "alice, bob" in out
    invoke("grade-all", "squares", "--sandbox", "none", "-j", "1")
    assert "no trusted submission time" in invoke("gradebook", "squares")
    exports = course.workspace / "exports" / "squares"
    invoke("export", "squares", "--format", "nbgrader")
    rows = list(csv.DictReader((exports / "squares-nbgrader.csv").open()))
    assert {r["student_id"] for r in rows} == {"alice", "bob"}
    out = invoke("export", "squares", "--format", "moodle")
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
    (["export", "squares", "--format", "canvas"], "--format canvas needs --canvas-roster"),
    (["collect", "squares", ".", "--worksheet", "w.csv", "--worksheet-timezone", "Mars/Base"],
     "unknown time zone 'Mars/Base'"),
    (["export", "squares", "--format", "moodle", "--worksheet", "missing.csv"],
     "missing.csv: cannot be read"),
])
def test_lms_mistakes_are_one_line(cli, monkeypatch, capsys, args, expected) -> None:
    course, _ = cli
    (course.root / "w.csv").write_text("Identifier,Last modified (submission)\n")
    monkeypatch.setattr(sys, "argv", ["autograder", *args])
    with pytest.raises(SystemExit) as exit_info:
        run()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
