"""Desire board: offers of shaders that fulfil a desire; cluster heat ranking.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "desire_fulfillments",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("desire_id", sa.BigInteger(), nullable=False),
        sa.Column("shader_id", sa.BigInteger(), nullable=False),
        sa.Column("offered_by_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="offered", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("status IN ('offered', 'accepted', 'declined')",
                           name=op.f("ck_desire_fulfillments_status")),
        sa.ForeignKeyConstraint(["desire_id"], ["desires.id"], ondelete="CASCADE",
                                name=op.f("fk_desire_fulfillments_desire_id_desires")),
        sa.ForeignKeyConstraint(["shader_id"], ["shaders.id"], ondelete="CASCADE",
                                name=op.f("fk_desire_fulfillments_shader_id_shaders")),
        sa.ForeignKeyConstraint(["offered_by_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_desire_fulfillments_offered_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desire_fulfillments")),
        sa.UniqueConstraint("desire_id", "shader_id", name="uq_desire_fulfillments_offer"),
    )
    with op.batch_alter_table("desire_clusters") as batch_op:
        batch_op.add_column(sa.Column("heat_rank", sa.Float(), server_default="0",
                                      nullable=False))
        batch_op.create_index("ix_desire_clusters_heat_rank", ["heat_rank"])


def downgrade():
    with op.batch_alter_table("desire_clusters") as batch_op:
        batch_op.drop_index("ix_desire_clusters_heat_rank")
        batch_op.drop_column("heat_rank")
    op.drop_table("desire_fulfillments")
