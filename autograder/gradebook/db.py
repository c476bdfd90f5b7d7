"""Opening the gradebook: a SQLite file in the course workspace unless a database URL is given."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import UserError
from .models import Base

DEFAULT_NAME = "gradebook.sqlite"


def default_url(workspace: Path) -> str:
    return f"sqlite:///{(workspace / DEFAULT_NAME).resolve()}"


def open_gradebook(workspace: Path, url: str | None = None) -> sessionmaker[Session]:
    """A session factory with the tables created; `url` (or $AUTOGRADER_DB) overrides SQLite."""
    url = url or os.environ.get("AUTOGRADER_DB") or default_url(workspace)
    if url.startswith("sqlite:///"):
        workspace.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(engine)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise UserError(f"gradebook {url}: cannot be opened: {str(exc).splitlines()[0]}") from None
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(connection, _record) -> None:
    """Foreign keys on; wait for another command's write instead of failing at once."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
