"""Render bookkeeping: attempts, start time and the version the images show.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shaders") as batch_op:
        batch_op.add_column(sa.Column("render_attempts", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("render_started_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("rendered_version", sa.Integer()))
        batch_op.create_index("ix_shaders_render_status", ["render_status"],
                              postgresql_where=sa.text("render_status IN ('pending', 'rendering')"))


def downgrade():
    with op.batch_alter_table("shaders") as batch_op:
        batch_op.drop_index("ix_shaders_render_status")
        batch_op.drop_column("rendered_version")
        batch_op.drop_column("render_started_at")
        batch_op.drop_column("render_attempts")
