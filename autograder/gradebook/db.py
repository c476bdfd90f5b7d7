"""Opening the gradebook: a SQLite file in the course workspace unless a database URL is given.

Opening brings the schema up to date with Alembic (migrations/): a new gradebook gets today's
tables at once, an existing one is upgraded in place, and one made before migrations existed
(no alembic_version table) is first stamped with the baseline it was created with.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine, event, inspect, make_url
from sqlalchemy.exc import ArgumentError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..environment import environment
from ..errors import UserError
from .models import Base

DEFAULT_NAME = "gradebook.sqlite"
POSTGRES = "postgresql+psycopg://"
MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # the schema `create_all` made before migrations existed (commit 67664fe)
BASELINE_TABLES = frozenset({"assignments", "students", "submissions", "results", "overrides",
                             "grades", "question_results", "test_results"})


def default_url(workspace: Path) -> str:
    return f"sqlite:///{(workspace / DEFAULT_NAME).resolve()}"


def with_driver(url: str) -> str:
    """`postgresql://` (what a TA copies from a hosting page) means psycopg 3, our driver."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return POSTGRES + url[len(scheme):]
    return url


def open_gradebook(workspace: Path, url: str | None = None) -> sessionmaker[Session]:
    """A session factory over an up-to-date schema; `url` (or $AUTOGRADER_DB) overrides SQLite."""
    url = with_driver(url or environment().db or default_url(workspace))
    if url.startswith("sqlite:///"):
        workspace.mkdir(parents=True, exist_ok=True)
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        raise UserError(f"gradebook {url!r}: not a database URL (e.g. "
                        "postgresql://user@host/course or sqlite:///gradebook.sqlite)") from None
    if url.startswith(POSTGRES) and importlib.util.find_spec("psycopg") is None:
        raise UserError(f"gradebook {shown}: PostgreSQL needs its driver: "
                        "pip install 'dl-audio-autograder[postgres]'")
    try:
        engine = create_engine(url)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        with engine.begin() as connection:
            migrate(connection)
    except NoSuchTableError as exc:
        raise UserError(f"gradebook {shown}: cannot be opened: no such table: {exc}") from None
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise UserError(f"gradebook {shown}: cannot be opened: {str(exc).splitlines()[0]}") from None
    return sessionmaker(engine, expire_on_commit=False)


def migrate(connection: Connection) -> None:
    """Bring the schema to the newest revision without losing a row."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    tables = set(inspect(connection).get_table_names())
    if not tables:
        Base.metadata.create_all(connection)
        command.stamp(config, "head")
        return
    if "alembic_version" not in tables:
        if tables != BASELINE_TABLES:  # not ours: never stamp, let alone drop, anything in it
            raise ValueError(f"its tables ({', '.join(sorted(tables))}) are not an autograder "
                             "gradebook; nothing was changed")
        command.stamp(config, BASELINE)
    try:
        command.upgrade(config, "head")
    except CommandError as exc:  # a revision this version does not know
        raise ValueError(f"{exc}: was it made by a newer version of autograder?") from None


def _sqlite_pragmas(connection, _record) -> None:
    """Foreign keys on; wait for another command's write instead of failing at once; sync to
    disk at the journal's critical moments only (NORMAL: a killed process still loses no
    committed result, only a power cut may lose the last commits), which makes a commit per
    result affordable for the batch coordinator."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
