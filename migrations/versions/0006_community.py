"""Community: comments, notifications, follows, blocks, reports, moderation log, playlists.

Shaders and desires gain `hidden_at` (an admin hid them; they leave every listing). Admins are
users with role `admin` (the column exists since 0001; `fractafrag admin grant USER`).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _created():
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                     nullable=False)


def _fk(table, column, target, ondelete="CASCADE"):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade():
    op.add_column("shaders", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("desires", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "comments",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("shader_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 2000",
                           name=op.f("ck_comments_body_length")),
        _fk("comments", "shader_id", "shaders"),
        _fk("comments", "author_id", "users"),
        _fk("comments", "parent_id", "comments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    for column in ("shader_id", "author_id", "parent_id"):
        op.create_index(op.f(f"ix_comments_{column}"), "comments", [column])

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("shader_id", sa.BigInteger(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.CheckConstraint("kind IN ('fork', 'comment', 'vote', 'fulfilled', 'render_failed')",
                           name=op.f("ck_notifications_kind")),
        _fk("notifications", "user_id", "users"),
        _fk("notifications", "actor_id", "users", "SET NULL"),
        _fk("notifications", "shader_id", "shaders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_user_id"), "notifications", ["user_id"])
    op.create_index("ix_notifications_user_unread", "notifications", ["user_id", "id"],
                    postgresql_where=sa.text("read_at IS NULL"))

    for table, a, b in (("follows", "follower_id", "followee_id"),
                        ("blocks", "blocker_id", "blocked_id")):
        op.create_table(
            table,
            sa.Column(a, sa.BigInteger(), nullable=False),
            sa.Column(b, sa.BigInteger(), nullable=False),
            _created(),
            sa.CheckConstraint(f"{a} <> {b}", name=op.f(f"ck_{table}_not_self")),
            _fk(table, a, "users"),
            _fk(table, b, "users"),
            sa.PrimaryKeyConstraint(a, b, name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_{b}"), table, [b])

    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        _created(),
        sa.CheckConstraint("kind IN ('shader', 'comment', 'desire')",
                           name=op.f("ck_reports_kind")),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_reports_status")),
        _fk("reports", "reporter_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_reporter_id"), "reports", ["reporter_id"])

    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), server_default="", nullable=False),
        _created(),
        sa.CheckConstraint("kind IN ('shader', 'comment', 'desire')",
                           name=op.f("ck_moderation_actions_kind")),
        sa.CheckConstraint("action IN ('hide', 'restore')",
                           name=op.f("ck_moderation_actions_action")),
        _fk("moderation_actions", "admin_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    op.create_index(op.f("ix_moderation_actions_admin_id"), "moderation_actions", ["admin_id"])

    op.create_table(
        "playlists",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("public", sa.Boolean(), server_default=sa.true(), nullable=False),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        _fk("playlists", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlists")),
    )
    op.create_index(op.f("ix_playlists_owner_id"), "playlists", ["owner_id"])

    op.create_table(
        "playlist_items",
        sa.Column("playlist_id", sa.BigInteger(), nullable=False),
        sa.Column("shader_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _created(),
        _fk("playlist_items", "playlist_id", "playlists"),
        _fk("playlist_items", "shader_id", "shaders"),
        sa.PrimaryKeyConstraint("playlist_id", "shader_id", name=op.f("pk_playlist_items")),
    )
    op.create_index(op.f("ix_playlist_items_shader_id"), "playlist_items", ["shader_id"])


def downgrade():
    for table in ("playlist_items", "playlists", "moderation_actions", "reports", "blocks",
                  "follows", "notifications", "comments"):
        op.drop_table(table)
    op.drop_column("desires", "hidden_at")
    op.drop_column("shaders", "hidden_at")
