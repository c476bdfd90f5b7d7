"""Student-controlled text never drives the TA's terminal: escape sequences and rich markup in
names, file names and messages are shown as text, in every command's output."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from builders import good_bytes
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

from autograder.cli.main import app
from autograder.cli.terminal import SafeConsole, clean, markup
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.store import upsert_student

CLEAR = "\x1b[2J"  # clears the TA's screen
LINK = "\x1b]8;;http://evil\x1b\\"  # a terminal hyperlink
FORGED = "[bold green]PASS[/]"  # rich markup posing as our own output
EVIL = f"{CLEAR}{LINK}{FORGED}\r"


def _forbidden(output: str) -> list[str]:
    return [s for s in (CLEAR, LINK, "\x1b]8;", "PASS\r") if s in output]


def _render(*objects: object) -> str:
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, force_terminal=True, width=120, highlight=False)
    for obj in objects:
        console.print(obj)
    return buffer.getvalue()


def test_clean_shows_control_characters_as_escapes() -> None:
    assert clean("a\x1b[2Jb\x07\u202e") == "a\\x1b[2Jb\\x07\\u202e"
    assert clean("two\nlines\tok") == "two\nlines\tok"
    assert clean("two\nlines", one_line=True) == "two\\x0alines"


@pytest.mark.parametrize("make", [
    lambda: EVIL,
    lambda: markup("collected [bold]{}[/] here", EVIL),
    lambda: Text(f"in a Text {EVIL}"),
    lambda: _table(EVIL),
], ids=["string", "markup-value", "text", "table-cell"])
def test_safe_console_neutralises_everything_it_renders(make) -> None:
    output = _render(make())
    assert not _forbidden(output), repr(output)
    if not isinstance(make(), Text):  # Text objects never interpret markup
        assert FORGED in output, "markup from a student is shown as text"


def test_our_own_markup_still_styles() -> None:
    assert "\x1b[1m" in _render(markup("[bold]{}[/]", "ok"))


def test_status_line_shows_markup_as_text() -> None:
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, force_terminal=True, width=120)
    with console.status(f"collecting {EVIL}"):
        pass
    assert CLEAR not in buffer.getvalue() and "\x1b]8;" not in buffer.getvalue()


def _table(cell: str) -> Table:
    table = Table("student")
    table.add_row(cell)
    return table


@pytest.fixture
def cli(in_course):
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code in (0, 1), (result.output, result.exception)
        return result.output

    return in_course, invoke


def test_commands_print_student_text_as_text(cli, tmp_path: Path) -> None:
    course, invoke = cli
    short = f"{CLEAR}[b]OK"  # short enough for any column; an unclosed tag styles too
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(good_bytes(course))
    (inbox / f"{short}.txt").write_text("not a submission")
    outputs = {"collect": invoke("collect", "squares", str(inbox))}
    with open_gradebook(course.workspace)() as session:
        upsert_student(session, "alice", short)
        session.commit()
    outputs["gradebook"] = invoke("gradebook", "squares")
    named = tmp_path / f"{short}.ipynb"
    named.write_bytes(good_bytes(course))
    outputs["grade"] = invoke("grade", "squares", str(named), "--sandbox", "none")
    for command, output in outputs.items():
        assert not _forbidden(output), f"{command}: {output!r}"
        flat = "".join(output.split())
        assert "\\x1b[2J" in flat, f"{command} shows the escape as text: {output!r}"
        assert "[b" in flat, f"{command} shows markup as text: {output!r}"
