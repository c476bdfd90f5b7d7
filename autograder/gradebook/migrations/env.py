"""Alembic's entry point for the gradebook: the models' metadata is the target schema.

`open_gradebook` runs the migrations on its own connection (passed in `config.attributes`);
`alembic -c <ini> revision --autogenerate` with a `sqlalchemy.url` works as usual. SQLite cannot
alter a table in place, so every operation is rendered in batch mode (copy and rename).
"""

from alembic import context
from sqlalchemy import engine_from_config, pool

from autograder.gradebook.models import Base, UTCDateTime


def _render_item(kind: str, item, _context) -> str | bool:
    """Our aware-datetime type is plain DateTime to the database: revisions stay self-contained."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime()"
    return False


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, compare_type=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = engine_from_config(context.config.get_section(context.config.config_ini_section, {}),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as own:
        _run(own)
