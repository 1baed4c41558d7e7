"""The schema as the migrations build it: pgvector, indexes, and rules the database enforces."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from fractafrag.extensions import db
from fractafrag.models import Shader, ShaderVersion, Vote


def _index_defs(session) -> dict[str, str]:
    query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    rows = session.execute(sa.text(query))
    return dict(rows.all())


def test_pgvector_extension_is_installed(db_session):
    query = "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
    version = db_session.scalar(sa.text(query))
    assert version is not None


def test_vector_columns_are_512_dimensional(db_session):
    rows = db_session.execute(sa.text(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE format_type(a.atttypid, a.atttypmod) LIKE 'vector%' AND c.relkind = 'r'"
    )).all()
    columns = {(table, column): kind for table, column, kind in rows}
    assert columns[("shaders", "style_vector")] == "vector(512)"
    assert columns[("desires", "embedding")] == "vector(512)"
    assert columns[("desire_clusters", "centroid")] == "vector(512)"


@pytest.mark.parametrize(
    "index", ["ix_shaders_style_vector", "ix_desire_clusters_centroid"]
)
def test_vector_columns_have_hnsw_cosine_indexes(db_session, index):
    definition = _index_defs(db_session)[index]
    assert "USING hnsw" in definition and "vector_cosine_ops" in definition


def test_search_has_a_gin_index(db_session):
    assert "USING gin (search)" in _index_defs(db_session)["ix_shaders_search"]


def _shader(session, owner_id: int, title: str = "Plasma") -> Shader:
    shader = Shader(owner_id=owner_id, title=title, description="wavy colours",
                    tags=["plasma", "retro"], license="CC0-1.0")
    session.add(shader)
    session.flush()
    session.add(ShaderVersion(shader_id=shader.id, version=1, common="",
                              passes=[{"name": "Image", "code": "void mainImage(){}"}]))
    session.commit()
    return shader


def test_shader_versions_cannot_be_updated(db_session, make_user):
    user = make_user()
    shader = _shader(db_session, user["id"])
    with pytest.raises(DBAPIError, match="immutable"):
        db_session.execute(sa.text("UPDATE shader_versions SET common = 'x' WHERE shader_id = :id"),
                           {"id": shader.id})
    db_session.rollback()


def test_one_vote_per_user_and_shader(db_session, make_user):
    user = make_user()
    shader = _shader(db_session, user["id"])
    db_session.add(Vote(user_id=user["id"], shader_id=shader.id, value=1))
    db_session.commit()
    db_session.add(Vote(user_id=user["id"], shader_id=shader.id, value=-1))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_search_vector_covers_title_tags_description_and_author(db_session, make_user):
    user = make_user("Moebius")
    shader = _shader(db_session, user["id"], title="Glowing tunnels")
    db.session.refresh(shader)

    def matches(query: str) -> bool:
        return bool(db_session.scalar(sa.text(
            "SELECT search @@ websearch_to_tsquery('english', :q) FROM shaders WHERE id = :id"
        ), {"q": query, "id": shader.id}))

    assert matches("tunnel") and matches("retro") and matches("wavy") and matches("moebius")
    assert not matches("voronoi")


def test_usernames_are_unique_ignoring_case_in_the_database(db_session, make_user):
    make_user("Kali")
    with pytest.raises(IntegrityError):
        db_session.execute(sa.text(
            "INSERT INTO users (username, email, password_hash) VALUES ('KALI', 'k2@x.org', 'h')"
        ))
    db_session.rollback()


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []
