"""Your own media may be videos too (WebM or MP4, for `video` channel inputs).

Only the check on `media.kind` changes: 'image', 'audio' and now 'video'.

Revision ID: 0012
Revises: 0011 (0011_bounty_checkout_connect)
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint(op.f("ck_media_kind"), "media", type_="check")
    op.create_check_constraint(op.f("ck_media_kind"), "media",
                               "kind IN ('image', 'audio', 'video')")


def downgrade():
    op.execute("DELETE FROM media WHERE kind = 'video' AND id NOT IN "
               "(SELECT media_id FROM media_uses)")
    op.drop_constraint(op.f("ck_media_kind"), "media", type_="check")
    op.create_check_constraint(op.f("ck_media_kind"), "media", "kind IN ('image', 'audio')")
