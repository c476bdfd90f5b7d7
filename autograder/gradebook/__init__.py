"""The gradebook: SQLAlchemy models and queries (SQLite in the workspace by default, any URL)."""
