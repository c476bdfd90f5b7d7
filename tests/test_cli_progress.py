"""Steps that take more than a few seconds show which assignment or file they are on."""

from __future__ import annotations

import pytest
from rich.console import Console
from typer.testing import CliRunner

from autograder.cli import common
from autograder.cli.main import app


def test_with_progress_names_each_item_and_counts(monkeypatch):
    recorded = Console(record=True, force_terminal=True, width=100)
    monkeypatch.setattr(common, "console", recorded)
    shown_while_running = []
    for item in common.with_progress(["gradient_descent", "convolutions"], "validating",
                                     "validated"):
        shown_while_running.append(recorded.export_text(clear=False))
        recorded.print(f"finished {item}")
    assert "validating gradient_descent" in shown_while_running[0]
    assert "0/2" in shown_while_running[0]
    assert "validating convolutions" in shown_while_running[1]
    assert "1/2" in shown_while_running[1]
    assert "validated 2/2" in recorded.export_text()


@pytest.mark.parametrize("command", [["validate", "squares", "--sandbox", "none"]])
def test_validate_reports_progress_per_assignment(example_course, monkeypatch, command):
    monkeypatch.chdir(example_course.root)
    monkeypatch.delenv("AUTOGRADER_ROOT", raising=False)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "squares: solution 5/5" in result.output and "validated 1/1" in result.output
