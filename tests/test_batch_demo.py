"""The demo's machinery and the shipped samples (the demo itself grades in the sandbox)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder.batch.moodle import parse_prefix, read_worksheet
from autograder.demo import __main__ as demo
from autograder.demo.samples import MOODLE, WORKSHEET

SHIPPED = sorted(p for p in demo.SAMPLES.iterdir() if (p / MOODLE).is_dir())


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_shipped_samples_are_a_consistent_moodle_download(folder: Path) -> None:
    sheet = read_worksheet(folder / WORKSHEET, "UTC")
    folders = [parse_prefix(p.name) for p in (folder / MOODLE).iterdir()]
    assert folders and all(f is not None and f.plugin == "file" for f in folders)
    assert {f.number for f in folders} <= set(sheet.rows)
    assert any(row.submitted_at is None for row in sheet.rows.values())  # someone did not submit
    assert any("<script>" in row.full_name for row in sheet.rows.values())


def test_demo_runs_the_workflow_on_the_example_course(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AUTOGRADER_ROOT", "unset-by-test")  # restored after the test
    monkeypatch.setenv("AUTOGRADER_WORKSPACE", "unset-by-test")
    workspace = tmp_path / "demo"
    demo.main(["--root", str(demo.EXAMPLE_COURSE), "--assignment", "squares",
               "--workspace", str(workspace), "--sandbox", "none"])
    rows = list(csv.DictReader((workspace / "exports" / "squares" / "squares-grades.csv").open()))
    sheet = read_worksheet(demo.SAMPLES / "squares" / WORKSHEET, "UTC")
    assert {r["student"] for r in rows} == set(sheet.rows)
    assert (workspace / "reports" / "squares" / "report.html").is_file()
    assert (workspace / "feedback" / "1106" / "squares" / "feedback.html").is_file()
    shannon = next(r for r in rows if r["student"] == "1101")  # partial: the override adds
    assert shannon["overridden"] and float(shannon["final_score"]) > float(shannon["raw_score"])
    upload = read_worksheet(workspace / "exports" / "squares" / "squares-moodle-worksheet.csv",
                            "UTC")
    assert upload.header == sheet.header
    grade = upload.columns["grade"]
    assert float(upload.rows["1001"].cells[grade]) == 5  # the correct sample: full marks
    assert (workspace / "exports" / "squares" / "squares-moodle-feedback.zip").is_file()
    with pytest.raises(demo.UserError, match="not a demo workspace"):
        demo.main(["--root", str(demo.EXAMPLE_COURSE), "--workspace", str(tmp_path),
                   "--sandbox", "none"])
