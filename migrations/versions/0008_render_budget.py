"""Render budget: what a render made and how long its frames took.

A render draws the thumbnail frame first, then as many preview frames as its time budget
allows. `shaders.preview_frames` and `shaders.preview_fps` say what the preview holds (fewer
frames at a lower frame rate for a slow shader; 0 frames: the preview is the thumbnail) and
`shaders.render_frame_ms` how long one thumbnail-sized frame took to draw.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("shaders", sa.Column("render_frame_ms", sa.Float(), nullable=True))
    op.add_column("shaders", sa.Column("preview_frames", sa.Integer(), nullable=True))
    op.add_column("shaders", sa.Column("preview_fps", sa.Float(), nullable=True))


def downgrade():
    op.drop_column("shaders", "preview_fps")
    op.drop_column("shaders", "preview_frames")
    op.drop_column("shaders", "render_frame_ms")
