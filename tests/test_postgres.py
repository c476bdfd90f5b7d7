"""The gradebook on a real PostgreSQL server, started by the test in a temporary folder.

Needs Debian's `postgresql` package (the Makefile's `system` target installs it as root) and the
`postgres` extra (psycopg 3). The server listens only on a unix socket in its folder; as root it
runs as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_support import collect_files, results
from typer.testing import CliRunner

from autograder.authoring.solved import notebook_bytes, solved_notebook
from autograder.batch.grade_all import grade_all
from autograder.cli.main import app
from autograder.errors import UserError
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.grades import compute_grades

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if not BINARIES:
        pytest.skip("PostgreSQL is not installed (Debian package postgresql; `make system` "
                    "installs it as root)")
    pytest.importorskip("psycopg", reason="the postgres extra (psycopg 3) is not installed")
    bin_dir = Path(BINARIES[-1])
    folder = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                                    "-U", "postgres", "-E", "UTF8", "--no-sync"]),
                   check=True, capture_output=True)
    options = f"-k {folder} -c listen_addresses='' -F"
    subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                                    "-l", str(folder / "log"), "-w", "-t", "120", "start"]),
                   check=True, capture_output=True)
    try:
        subprocess.run(_as_server_user([str(bin_dir / "createdb"), "-h", str(folder),
                                        "-U", "postgres", "gradebook"]),
                       check=True, capture_output=True)
        yield f"postgresql://postgres@/gradebook?host={folder}"
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m",
                                        "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_grade_all_and_grades_on_postgresql(example_course, tmp_path: Path,
                                            postgres_url: str) -> None:
    sessions = open_gradebook(example_course.workspace, postgres_url)
    good = notebook_bytes(solved_notebook(example_course, "squares"))
    collect_files(example_course, sessions, tmp_path / "inbox",
                  {"alice": good, "bob": good, "carol": b"not a notebook"})
    summary = grade_all(example_course, sessions, "squares", sandbox="none", workers=2)
    assert summary.graded == 3 and summary.errors == []
    stored = results(sessions)
    assert {s: r["status"] for s, r in stored.items()} == {
        "alice": "graded", "bob": "graded", "carol": "invalid"}
    again = grade_all(example_course, sessions, "squares", sandbox="none", workers=2)
    assert again.reused == 3 and again.graded == 0
    with sessions() as session:
        grades = {g.student.id: g.final_score for g in
                  compute_grades(session, example_course.config, "squares")}
    assert grades == {"alice": 5.0, "bob": 5.0, "carol": 0.0}
    assert not (example_course.workspace / "gradebook.sqlite").exists()


def test_the_cli_takes_a_postgresql_url(example_course, tmp_path: Path, postgres_url: str,
                                        monkeypatch) -> None:
    monkeypatch.chdir(example_course.root)
    monkeypatch.setenv("AUTOGRADER_WORKSPACE", str(example_course.workspace))
    runner = CliRunner()
    result = runner.invoke(app, ["gradebook", "squares", "--db", postgres_url])
    assert result.exit_code == 0, result.output
    assert not (example_course.workspace / "gradebook.sqlite").exists()


def test_a_bad_postgresql_url_is_one_line(example_course) -> None:
    with pytest.raises(UserError, match="cannot be opened") as error:
        open_gradebook(example_course.workspace,
                       "postgresql://nobody:secret@/nowhere?host=/nonexistent")
    assert "\n" not in str(error.value) and "secret" not in str(error.value)
