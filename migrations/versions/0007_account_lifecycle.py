"""Account lifecycle: deleted accounts and account notices.

`users.deleted_at` marks an account deleted by its owner: the row stays as a placeholder
("deleted-<id>", personal data erased) so the public shaders, comments and desires it made keep
their foreign keys and others' forks keep their history; it can never sign in again.
Notifications gain the kind `email_changed` (the account's email was changed).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('fork', 'comment', 'vote', 'fulfilled', 'render_failed')"
NEW_KINDS = "kind IN ('fork', 'comment', 'vote', 'fulfilled', 'render_failed', 'email_changed')"


def upgrade():
    op.add_column("users", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint(op.f("ck_notifications_kind"), "notifications", type_="check")
    op.create_check_constraint(op.f("ck_notifications_kind"), "notifications", NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'email_changed'")
    op.drop_constraint(op.f("ck_notifications_kind"), "notifications", type_="check")
    op.create_check_constraint(op.f("ck_notifications_kind"), "notifications", OLD_KINDS)
    op.drop_column("users", "deleted_at")
