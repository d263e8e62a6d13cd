"""KB versions in the database: ``kb_version`` (each version's YAML files, content hash and state) and
``active_kb`` (the one row naming the version every worker serves; see webui.kbstate).

The first start after this migration stores the KB on disk as version 1 (published, active): the migration
itself stores no KB, so ``flask db upgrade`` works whatever the KB on disk is.

Revision ID: 0003_kb_versions
Revises: 0002
Create Date: 2026-12-01 10:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_kb_versions"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kb_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=80), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_version_hash"), ["hash"], unique=True)
    op.create_table(
        "active_kb",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_hash", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("switched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("switched_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["version_hash"], ["kb_version.hash"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("active_kb")
    with op.batch_alter_table("kb_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_version_hash"))
    op.drop_table("kb_version")
