"""Exports: a shader version rendered offline to a PNG still, a WebM or MP4 video or a GIF.

One row per export asked for; the file (under `<data>/exports/`) is kept until `expires_at`
and then deleted by the render worker's sweeper (the row stays, with no path).

Revision ID: 0010
Revises: 0009 (0009_media)
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exports",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("shader_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("fps", sa.Integer(), nullable=False),
        sa.Column("start", sa.Float(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("path", sa.String(length=120), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("format IN ('png', 'webm', 'mp4', 'gif')",
                           name=op.f("ck_exports_format")),
        sa.CheckConstraint("status IN ('queued', 'rendering', 'ready', 'failed')",
                           name=op.f("ck_exports_status")),
        sa.CheckConstraint("width > 0 AND height > 0 AND fps > 0 AND seconds >= 0",
                           name=op.f("ck_exports_positive")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_exports_user_id_users")),
        sa.ForeignKeyConstraint(["shader_id"], ["shaders.id"], ondelete="CASCADE",
                                name=op.f("fk_exports_shader_id_shaders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    op.create_index(op.f("ix_exports_user_id"), "exports", ["user_id"])
    op.create_index(op.f("ix_exports_shader_id"), "exports", ["shader_id"])
    op.create_index(op.f("ix_exports_expires_at"), "exports", ["expires_at"])


def downgrade():
    op.drop_table("exports")
