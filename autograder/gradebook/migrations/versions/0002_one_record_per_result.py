"""One record per result: the results contract in `results.result_json` is the only copy.

Dropped, because each was a copy derived from the contract and read by nothing: the per-question
and per-test rows, the stored grades (computed whenever they are shown or exported), and the
score, max_score, execution_time and message columns of `results`. Added: the notebook's content
hash on each submission, so a batch knows what to reuse without reading the file again (empty
for submissions collected before; a batch then reads the file once).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DERIVED_COLUMNS = ("score", "max_score", "execution_time", "message")


def upgrade() -> None:
    op.drop_table("test_results")
    op.drop_table("question_results")
    op.drop_table("grades")
    with op.batch_alter_table("results") as batch_op:
        for column in DERIVED_COLUMNS:
            batch_op.drop_column(column)
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("notebook_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("the dropped copies are not rebuilt: keep a copy of the gradebook "
                              "file before upgrading if you may need the older tool")
