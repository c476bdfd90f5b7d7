"""Alembic migrations: a gradebook from an older version of the tool opens with nothing lost.

The old gradebook is tests/fixtures/gradebook_67664fe.sql: the schema that `create_all` made with
the models of commit 67664fe (before migrations existed), with rows in every table.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from test_postgres import postgres_url  # noqa: F401 - the fixture: a real server

from autograder.errors import UserError
from autograder.gradebook.db import BASELINE, MIGRATIONS, migrate, open_gradebook, with_driver
from autograder.gradebook.grades import compute_grades
from autograder.gradebook.models import Base, GradeResult, Override, Student, SubmissionRow
from autograder.gradebook.store import record_result
from autograder.grading.results import Result

OLD = Path(__file__).parent / "fixtures" / "gradebook_67664fe.sql"
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


def _old_gradebook(workspace: Path) -> Path:
    workspace.mkdir(parents=True)
    path = workspace / "gradebook.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(OLD.read_text())
    con.close()
    return path


def _rows(path: Path, query: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _differences(url: str) -> list:
    """What autogenerate would still change: empty when the database matches the models."""
    engine = create_engine(url)
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_old_gradebook_is_upgraded_and_loses_nothing(example_course) -> None:
    path = _old_gradebook(example_course.workspace)
    students = _rows(path, "SELECT id, name, lms_id FROM students ORDER BY id")
    submissions = _rows(path, "SELECT id, student_id, path, file_sha256, submitted_at, "
                              "time_source, readable, note FROM submissions ORDER BY id")
    results = _rows(path, "SELECT submission_id, sha256, fingerprint, status, score, max_score, "
                          "execution_time, message, result_json FROM results ORDER BY id")
    question_rows = _rows(path, "SELECT r.submission_id, q.question, q.score, q.max_score "
                                "FROM question_results q JOIN results r ON q.result_id = r.id")
    test_rows = _rows(path, "SELECT r.submission_id, t.name, t.score, t.status, t.output "
                            "FROM test_results t JOIN results r ON t.result_id = r.id")
    assert len(results) == 3 and question_rows and test_rows

    sessions = open_gradebook(example_course.workspace)

    assert _rows(path, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert _differences(f"sqlite:///{path}") == []
    with sessions() as session:
        assert [(s.id, s.name, s.lms_id) for s in session.scalars(
            select(Student).order_by(Student.id))] == students
        kept = session.scalars(select(SubmissionRow).order_by(SubmissionRow.id)).all()
        assert [(r.id, r.student_id, r.path, r.file_sha256, r.time_source, r.readable, r.note)
                for r in kept] == [s[:4] + s[5:] for s in submissions]
        assert [r.submitted_at.strftime("%Y-%m-%d %H:%M:%S") for r in kept] == [
            s[4][:19] for s in submissions]
        by_submission = {r.submission_id: r for r in session.scalars(select(GradeResult))}
        for sub_id, sha, fingerprint, status, score, max_score, seconds, message, text in results:
            row = by_submission[sub_id]
            assert (row.sha256, row.fingerprint, row.status) == (sha, fingerprint, status)
            contract = row.contract()
            assert contract.model_dump() == Result.model_validate(json.loads(text)).model_dump()
            assert (contract.score, contract.max_score, contract.execution_time,
                    contract.message) == (score, max_score, seconds, message)
        for sub_id, question, score, max_score in question_rows:  # the dropped copies
            kept_score = by_submission[sub_id].contract().questions[question]
            assert (kept_score.score, kept_score.max_score) == (score, max_score)
        for sub_id, name, score, status, output in test_rows:
            (test,) = [t for t in by_submission[sub_id].contract().tests if t.name == name]
            assert (test.score, test.status, test.output) == (score, status, output)
        (override,) = session.scalars(select(Override))
        assert (override.student_id, override.question, override.score, override.comment) == (
            "bob", "square", 1.5, "right idea, dtype slip")

        grades = {g.student.id: g for g in compute_grades(session, example_course.config,
                                                          "squares")}
        assert grades["alice"].final_score == 5.0
        assert grades["bob"].attempts == 2 and grades["bob"].adjusted_score == 4.5
        assert grades["bob"].questions["square"].override is not None
        assert grades["carol"].status == "ungraded"
        record_result(session, kept[3], Result(submission="c", assignment="squares",
                                               status="invalid", max_score=5.0), "f" * 64)
        session.commit()
    with sessions() as session:
        assert session.get(SubmissionRow, kept[3].id).result.status == "invalid"


def test_opening_again_changes_nothing(example_course) -> None:
    path = _old_gradebook(example_course.workspace)
    open_gradebook(example_course.workspace)
    before = _rows(path, "SELECT * FROM results ORDER BY id")
    open_gradebook(example_course.workspace)
    assert _rows(path, "SELECT * FROM results ORDER BY id") == before
    assert _rows(path, "SELECT version_num FROM alembic_version") == [(HEAD,)]


def test_new_gradebook_is_stamped_with_the_newest_revision(tmp_path: Path) -> None:
    open_gradebook(tmp_path)
    assert _rows(tmp_path / "gradebook.sqlite", "SELECT version_num FROM alembic_version") == [
        (HEAD,)]


def test_migrations_alone_build_what_the_models_declare(tmp_path: Path) -> None:
    """A model changed without a migration fails here: an upgraded gradebook would lack it."""
    url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE placeholder (id INTEGER)")  # not a new database
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) "
                                   "NOT NULL PRIMARY KEY)")
        migrate(connection)
        connection.exec_driver_sql("DROP TABLE placeholder")
    assert _differences(url) == []


def test_a_database_that_is_not_a_gradebook_is_left_alone(tmp_path: Path) -> None:
    """--db pointed at another application's database (or a damaged gradebook): refused, and not
    a row or table changed."""
    path = tmp_path / "gradebook.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("CREATE TABLE grades (who TEXT, mark REAL);"
                          "CREATE TABLE test_results (run TEXT);"
                          "INSERT INTO grades VALUES ('ada', 1.0);"
                          "INSERT INTO test_results VALUES ('nightly');")
    con.close()
    with pytest.raises(UserError, match=r"its tables \(grades, test_results\) are not an "
                                        r"autograder gradebook; nothing was changed"):
        open_gradebook(tmp_path)
    assert _rows(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") == [
        ("grades",), ("test_results",)]
    assert _rows(path, "SELECT * FROM grades") == [("ada", 1.0)]


def test_a_gradebook_from_a_newer_version_is_one_line(example_course) -> None:
    path = _old_gradebook(example_course.workspace)
    open_gradebook(example_course.workspace)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.close()
    with pytest.raises(UserError, match=r"cannot be opened: .*'9999'.*newer version of autograder"):
        open_gradebook(example_course.workspace)


def test_a_postgresql_gradebook_is_upgraded_too(postgres_url: str, tmp_path: Path) -> None:  # noqa: F811
    """A deployment's gradebook: the baseline schema with a result and an override, upgraded."""
    engine = create_engine(with_driver(postgres_url))
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, BASELINE)
        connection.execute(text("DROP TABLE alembic_version"))  # as create_all left it
        for statement in (
                "INSERT INTO assignments VALUES ('squares', 'Squares', 5.0)",
                "INSERT INTO students VALUES ('bob', 'Bob', NULL)",
                "INSERT INTO submissions VALUES (1, 'bob', 'squares', 'b.ipynb', 'b.ipynb', "
                "'f', '2026-11-29 10:00', 'lms-worksheet', '2026-12-03 10:00', true, '')",
                "INSERT INTO results VALUES (1, 1, 'squares', 'c', 'f', 'graded', 5.0, 5.0, 1.0, "
                "'', '{\"submission\": \"b.ipynb\", \"assignment\": \"squares\", "
                "\"status\": \"graded\", \"score\": 5.0, \"max_score\": 5.0}', "
                "'2026-12-03 11:00')",
                "INSERT INTO overrides VALUES (1, 'bob', 'squares', 'square', 1.5, 'why', "
                "'2026-12-03 12:00')"):
            connection.execute(text(statement))
    sessions = open_gradebook(tmp_path, postgres_url)
    assert _differences(with_driver(postgres_url)) == []
    with sessions() as session:
        (row,) = session.scalars(select(GradeResult))
        assert row.contract().score == 5.0 and row.submission.student_id == "bob"
        (override,) = session.scalars(select(Override))
        assert (override.score, override.comment, override.created_by) == (1.5, "why", "")

