"""One submission, one result: the consultation's ``submission`` column (an HMAC of the idempotency key).

A unique index, not a unique constraint: both backends enforce it the same way, SQLite can add it without
rebuilding the table, and Alembic compares indexes alike on SQLite and PostgreSQL. Existing rows keep NULL,
which a unique index allows any number of times.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 05:55:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_consultation_submission"), ["submission"], unique=True)


def downgrade():
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_submission"))
        batch_op.drop_column("submission")
