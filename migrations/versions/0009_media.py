"""Your own media: uploaded images and audio for shader inputs (`"source": "media:<id>"`).

`media` holds one row per stored file (immutable, under `<data>/media/`); `media_uses` says
which shader versions name it, written by a trigger on every inserted version (versions are
never updated), so no code path that makes versions (publish, edit, fork, restore, import) can
forget it. A used medium cannot be deleted: the foreign key from `media_uses` refuses it.

Revision ID: 0009
Revises: 0008 (0008_render_budget)
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Every input of every pass whose source is "media:<digits>" naming an existing medium.
# (The CASE keeps the cast from ever seeing a source that is not all digits.)
USES_FUNCTION = """
CREATE FUNCTION shader_versions_media_uses() RETURNS trigger AS $$
BEGIN
    INSERT INTO media_uses (media_id, version_id, shader_id)
    SELECT DISTINCT m.id, NEW.id, NEW.shader_id
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(NEW.passes) = 'array'
                                   THEN NEW.passes ELSE '[]'::jsonb END) AS p(pass)
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(p.pass) = 'object' AND jsonb_typeof(p.pass -> 'inputs') = 'array'
             THEN p.pass -> 'inputs' ELSE '[]'::jsonb END) AS i(input)
    JOIN media m ON m.id = (CASE WHEN jsonb_typeof(i.input) = 'object'
                                  AND (i.input ->> 'source') ~ '^media:[0-9]{1,18}$'
                                 THEN substr(i.input ->> 'source', 7)::bigint END);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table(
        "media",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=120), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("kind IN ('image', 'audio')", name=op.f("ck_media_kind")),
        sa.CheckConstraint("bytes > 0", name=op.f("ck_media_bytes_positive")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_media_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("path", name=op.f("uq_media_path")),
    )
    op.create_index(op.f("ix_media_owner_id"), "media", ["owner_id"])
    op.create_table(
        "media_uses",
        sa.Column("media_id", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("shader_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="RESTRICT",
                                name=op.f("fk_media_uses_media_id_media")),
        sa.ForeignKeyConstraint(["version_id"], ["shader_versions.id"], ondelete="CASCADE",
                                name=op.f("fk_media_uses_version_id_shader_versions")),
        sa.ForeignKeyConstraint(["shader_id"], ["shaders.id"], ondelete="CASCADE",
                                name=op.f("fk_media_uses_shader_id_shaders")),
        sa.PrimaryKeyConstraint("media_id", "version_id", name=op.f("pk_media_uses")),
    )
    op.create_index(op.f("ix_media_uses_version_id"), "media_uses", ["version_id"])
    op.create_index(op.f("ix_media_uses_shader_id"), "media_uses", ["shader_id"])
    op.execute(USES_FUNCTION)
    op.execute("CREATE TRIGGER shader_versions_media_uses AFTER INSERT ON shader_versions "
               "FOR EACH ROW EXECUTE FUNCTION shader_versions_media_uses()")


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS shader_versions_media_uses ON shader_versions")
    op.execute("DROP FUNCTION IF EXISTS shader_versions_media_uses()")
    op.drop_table("media_uses")
    op.drop_table("media")
