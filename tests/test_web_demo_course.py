"""`autograder serve --demo-accounts` on a demo workspace opens the course for the made-up demo
students though its due dates passed, in a scratch copy of grading_config.yaml only."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx2 as httpx
import pytest
from sqlalchemy import select
from test_web_serve import _free_port
from web_course import csrf_of, sign_in

from autograder.course import CONFIG_NAME, CourseRepo
from autograder.demo import MARKER
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.models import SubmissionRow
from autograder.web.accounts import import_roster
from autograder.web.demo_course import open_demo_course
from autograder.web.uploads import UploadRefused, accept_upload


@pytest.fixture
def past_demo(example_course: CourseRepo) -> CourseRepo:
    """The example course with its uploads closed long ago, in a workspace `make demo` made."""
    config = example_course.root / CONFIG_NAME
    config.write_text(config.read_text().replace("2026-11-30 23:59", "2020-01-06 23:59"))
    example_course.workspace.mkdir(parents=True)
    (example_course.workspace / MARKER).write_text("scratch\n")
    return CourseRepo(example_course.root, example_course.workspace)


def test_demo_students_may_upload_after_the_due_date_and_the_real_config_is_untouched(
        past_demo: CourseRepo) -> None:
    config = past_demo.root / CONFIG_NAME
    before = config.read_bytes()
    scratch, line = open_demo_course(past_demo, ["demo-student-1"])
    assert line.startswith("demo: due dates moved to ") and "demo-student-1" in line
    assert config.read_bytes() == before and scratch.root != past_demo.root
    notebook = past_demo.source("squares").notebook.read_bytes()
    with open_gradebook(past_demo.workspace)() as session:
        import_roster(session, past_demo.config, [("demo-student-1", "Ada"), ("1001", "Sam")])
        with pytest.raises(UploadRefused):
            accept_upload(session, past_demo.config, past_demo.workspace, "demo-student-1",
                          "squares", "squares.ipynb", notebook)
        with pytest.raises(UploadRefused):  # a sample student's deadline stays where it was
            accept_upload(session, scratch.config, scratch.workspace, "1001", "squares",
                          "squares.ipynb", notebook)
        row = accept_upload(session, scratch.config, scratch.workspace, "demo-student-1",
                            "squares", "squares.ipynb", notebook)
        assert row.submitted_at <= scratch.config.deadline("squares", "demo-student-1")


def test_serve_on_the_demo_prints_the_move_and_grades_an_upload(past_demo: CourseRepo) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "autograder.cli.main", "serve", "--port", str(port),
               "--demo-accounts", "--workspace", str(past_demo.workspace)]
    env = {**os.environ, "AUTOGRADER_ROOT": str(past_demo.root), "COLUMNS": "300"}
    env.pop("AUTOGRADER_DB", None)
    server = subprocess.Popen(command, cwd=past_demo.root, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        said = []
        for line in server.stdout:
            said.append(line)
            if line.startswith("serving"):
                break
        text = "".join(said)
        assert re.search(r"^demo: due dates moved to \d{4}-\d\d-\d\d", text, re.MULTILINE), text
        assert "uploads of squares: open until" in text, text
        link = re.search(r"student demo-student-1\s+(http://\S+)", text)[1]
        token = link.partition("token=")[2]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            sign_in(client, token)
            csrf = csrf_of(client, "/assignments/squares")
            notebook = past_demo.source("squares").notebook.read_bytes()
            answer = client.post("/assignments/squares/upload", data={"csrf": csrf},
                                 files={"file": ("squares.ipynb", notebook)})
        assert answer.status_code == 303, answer.text
        sessions = open_gradebook(past_demo.workspace)
        deadline = time.monotonic() + 600
        while True:
            with sessions() as session:
                row = session.scalars(select(SubmissionRow).filter_by(
                    student_id="demo-student-1")).one()
                if row.result is not None:
                    result = row.result.contract()
                    break
            assert time.monotonic() < deadline, "the upload was never graded"
            time.sleep(1)
        assert result.status == "graded" and result.score == result.max_score == 5, result.message
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
