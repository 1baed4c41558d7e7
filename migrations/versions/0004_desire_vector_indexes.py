"""Desire clustering writes: drop the HNSW index on desires.embedding, cheapen the centroid one.

No query searches all desires by vector: clustering searches cluster centroids, and a cluster's
label orders only its own members; that index cost every clustered desire an HNSW insert (about
6 ms at 100k desires). Every join rewrites its cluster's centroid, an insert into the centroid
index: built with ef_construction 32 instead of 64 that insert takes 2.4 ms instead of 3.8 ms
at 10k clusters (measured by bench/desires.py, which also checks the search's recall).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_desires_embedding", table_name="desires")
    op.drop_index("ix_desire_clusters_centroid", table_name="desire_clusters")
    op.create_index("ix_desire_clusters_centroid", "desire_clusters", ["centroid"],
                    postgresql_using="hnsw", postgresql_ops={"centroid": "vector_cosine_ops"},
                    postgresql_with={"ef_construction": 32})


def downgrade():
    op.drop_index("ix_desire_clusters_centroid", table_name="desire_clusters")
    op.create_index("ix_desire_clusters_centroid", "desire_clusters", ["centroid"],
                    postgresql_using="hnsw", postgresql_ops={"centroid": "vector_cosine_ops"})
    op.create_index("ix_desires_embedding", "desires", ["embedding"], unique=False,
                    postgresql_using="hnsw", postgresql_ops={"embedding": "vector_cosine_ops"})
