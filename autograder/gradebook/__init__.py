"""The gradebook: SQLAlchemy models and queries (SQLite in the workspace by default, any URL).

Source of truth: the results contract of each submission, stored once as `results.result_json`
(models.GradeResult). Grades are never stored: grades.compute_grades derives them from the latest
submission's result, the TA's overrides and the late policy each time they are needed, and the
files under autograded/ are exports written from the stored record. The schema evolves by Alembic
migrations (migrations/), applied whenever the gradebook is opened.
"""
