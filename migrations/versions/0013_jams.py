"""Jam sessions: a shader's code edited live together, and who co-wrote a version.

`jams` holds each jam with its compacted Yjs document (`state`, covering the log up to
`state_upto`); `jam_updates` is the append-only log of accepted updates, written before each is
acknowledged; `jam_participants` the co-editors who joined with the invite. A shader has at most
one live jam (a partial unique index). `shader_versions.co_author_ids` names a saved jam's
editors besides the version's author.

Revision ID: 0013
Revises: 0012 (0012_media_video)
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jams",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("shader_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="live", nullable=False),
        sa.Column("invite", sa.String(length=64), nullable=False),
        sa.Column("editors_may_save", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("passes", ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("state_upto", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('live', 'ended')", name=op.f("ck_jams_status")),
        sa.ForeignKeyConstraint(["shader_id"], ["shaders.id"], ondelete="CASCADE",
                                name=op.f("fk_jams_shader_id_shaders")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_jams_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jams")),
    )
    op.create_index(op.f("ix_jams_shader_id"), "jams", ["shader_id"])
    op.create_index("uq_jams_live_shader", "jams", ["shader_id"], unique=True,
                    postgresql_where=sa.text("status = 'live'"))
    op.create_table(
        "jam_participants",
        sa.Column("jam_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("color", sa.String(length=16), nullable=False),
        sa.Column("updates", sa.Integer(), server_default="0", nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["jam_id"], ["jams.id"], ondelete="CASCADE",
                                name=op.f("fk_jam_participants_jam_id_jams")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_jam_participants_user_id_users")),
        sa.PrimaryKeyConstraint("jam_id", "user_id", name=op.f("pk_jam_participants")),
    )
    op.create_table(
        "jam_updates",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("jam_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("update", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["jam_id"], ["jams.id"], ondelete="CASCADE",
                                name=op.f("fk_jam_updates_jam_id_jams")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_jam_updates_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jam_updates")),
    )
    op.create_index("ix_jam_updates_jam_id_id", "jam_updates", ["jam_id", "id"])
    op.add_column("shader_versions",
                  sa.Column("co_author_ids", ARRAY(sa.BigInteger()), server_default="{}",
                            nullable=False))


def downgrade():
    op.drop_column("shader_versions", "co_author_ids")
    op.drop_table("jam_updates")
    op.drop_table("jam_participants")
    op.drop_table("jams")
