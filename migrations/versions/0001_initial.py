"""initial

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 21:39:48.966798

"""
import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


SEARCH_FUNCTION = """
CREATE FUNCTION shaders_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', array_to_string(NEW.tags, ' ')), 'A')
        || setweight(to_tsvector('english', coalesce(
               (SELECT username FROM users WHERE id = NEW.owner_id), '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
    RETURN NEW;
END $$;
"""

IMMUTABLE_FUNCTION = """
CREATE FUNCTION shader_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'shader versions are immutable: make a new version instead'
        USING ERRCODE = 'restrict_violation';
END $$;
"""


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table('desire_clusters',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('centroid', pgvector.sqlalchemy.vector.VECTOR(dim=512), nullable=True),
    sa.Column('size', sa.Integer(), server_default='0', nullable=False),
    sa.Column('heat', sa.Float(), server_default='0', nullable=False),
    sa.Column('label', sa.String(length=120), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desire_clusters'))
    )
    with op.batch_alter_table('desire_clusters', schema=None) as batch_op:
        batch_op.create_index('ix_desire_clusters_centroid', ['centroid'], unique=False, postgresql_using='hnsw', postgresql_ops={'centroid': 'vector_cosine_ops'})
        batch_op.create_index('ix_desire_clusters_heat', ['heat'], unique=False)

    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events'))
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=64), server_default='', nullable=False),
    sa.Column('bio', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('website', sa.String(length=200), server_default='', nullable=False),
    sa.Column('role', sa.String(length=16), server_default='user', nullable=False),
    sa.Column('tier', sa.String(length=16), server_default='free', nullable=False),
    sa.Column('pro_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taste_vector', pgvector.sqlalchemy.vector.VECTOR(dim=512), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('user', 'admin')", name=op.f('ck_users_role')),
    sa.CheckConstraint("tier IN ('free', 'pro')", name=op.f('ck_users_tier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('uq_users_email_lower', [sa.literal_column('lower(email)')], unique=True)
        batch_op.create_index('uq_users_username_lower', [sa.literal_column('lower(username)')], unique=True)

    op.create_table('api_keys',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', postgresql.ARRAY(sa.String(length=16)), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_user_id'), ['user_id'], unique=False)

    op.create_table('billing_accounts',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('stripe_customer_id', sa.String(length=64), nullable=True),
    sa.Column('stripe_subscription_id', sa.String(length=64), nullable=True),
    sa.Column('subscription_status', sa.String(length=32), nullable=True),
    sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stripe_connect_account_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_billing_accounts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_billing_accounts')),
    sa.UniqueConstraint('stripe_customer_id', name=op.f('uq_billing_accounts_stripe_customer_id')),
    sa.UniqueConstraint('stripe_subscription_id', name=op.f('uq_billing_accounts_stripe_subscription_id'))
    )
    op.create_table('byok_keys',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('last4', sa.String(length=4), nullable=False),
    sa.Column('base_url', sa.String(length=300), nullable=True),
    sa.Column('model', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_byok_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_byok_keys')),
    sa.UniqueConstraint('user_id', 'provider', name='uq_byok_keys_user_provider')
    )
    op.create_table('shaders',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=32)), server_default='{}', nullable=False),
    sa.Column('visibility', sa.String(length=16), server_default='public', nullable=False),
    sa.Column('license', sa.String(length=64), nullable=False),
    sa.Column('current_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('forked_from_id', sa.BigInteger(), nullable=True),
    sa.Column('forked_from_version', sa.Integer(), nullable=True),
    sa.Column('fork_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('up', sa.Integer(), server_default='0', nullable=False),
    sa.Column('down', sa.Integer(), server_default='0', nullable=False),
    sa.Column('score', sa.Integer(), server_default='0', nullable=False),
    sa.Column('hot', sa.Float(), server_default='0', nullable=False),
    sa.Column('view_count', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('render_status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('render_error', sa.Text(), nullable=True),
    sa.Column('thumbnail_url', sa.String(length=300), nullable=True),
    sa.Column('preview_url', sa.String(length=300), nullable=True),
    sa.Column('style_vector', pgvector.sqlalchemy.vector.VECTOR(dim=512), nullable=True),
    sa.Column('search', postgresql.TSVECTOR(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("render_status IN ('pending', 'rendering', 'ready', 'failed')", name=op.f('ck_shaders_render_status')),
    sa.CheckConstraint("visibility IN ('public', 'unlisted', 'private', 'draft')", name=op.f('ck_shaders_visibility')),
    sa.ForeignKeyConstraint(['forked_from_id'], ['shaders.id'], name=op.f('fk_shaders_forked_from_id_shaders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_shaders_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shaders'))
    )
    with op.batch_alter_table('shaders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shaders_forked_from_id'), ['forked_from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shaders_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_shaders_search', ['search'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_shaders_style_vector', ['style_vector'], unique=False, postgresql_using='hnsw', postgresql_ops={'style_vector': 'vector_cosine_ops'})
        batch_op.create_index('ix_shaders_listing_published', ['visibility', 'published_at', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_shaders_listing_hot', ['visibility', 'hot', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_shaders_listing_score', ['visibility', 'score', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_shaders_tags', ['tags'], unique=False, postgresql_using='gin')

    op.create_table('desires',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=False),
    sa.Column('prompt', sa.String(length=500), nullable=False),
    sa.Column('bounty_cents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('embedding', pgvector.sqlalchemy.vector.VECTOR(dim=512), nullable=True),
    sa.Column('cluster_id', sa.BigInteger(), nullable=True),
    sa.Column('fulfilled_by_id', sa.BigInteger(), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'fulfilled', 'closed')", name=op.f('ck_desires_status')),
    sa.CheckConstraint('bounty_cents >= 0', name=op.f('ck_desires_bounty_nonnegative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_desires_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cluster_id'], ['desire_clusters.id'], name=op.f('fk_desires_cluster_id_desire_clusters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fulfilled_by_id'], ['shaders.id'], name=op.f('fk_desires_fulfilled_by_id_shaders'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desires'))
    )
    with op.batch_alter_table('desires', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desires_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_desires_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index('ix_desires_embedding', ['embedding'], unique=False, postgresql_using='hnsw', postgresql_ops={'embedding': 'vector_cosine_ops'})
        batch_op.create_index('ix_desires_status_created', ['status', 'created_at'], unique=False)

    op.create_table('dwell_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('shader_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('ms', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ms > 0 AND ms <= 600000', name=op.f('ck_dwell_events_ms_range')),
    sa.ForeignKeyConstraint(['shader_id'], ['shaders.id'], name=op.f('fk_dwell_events_shader_id_shaders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dwell_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dwell_events'))
    )
    with op.batch_alter_table('dwell_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dwell_events_shader_id'), ['shader_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dwell_events_user_id'), ['user_id'], unique=False)

    op.create_table('shader_versions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('shader_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('common', sa.Text(), server_default='', nullable=False),
    sa.Column('passes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=True),
    sa.Column('message', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_shader_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shader_id'], ['shaders.id'], name=op.f('fk_shader_versions_shader_id_shaders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shader_versions')),
    sa.UniqueConstraint('shader_id', 'version', name='uq_shader_versions')
    )
    op.create_table('votes',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('shader_id', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name=op.f('ck_votes_value')),
    sa.ForeignKeyConstraint(['shader_id'], ['shaders.id'], name=op.f('fk_votes_shader_id_shaders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'shader_id', name=op.f('pk_votes'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_shader_id'), ['shader_id'], unique=False)

    op.create_table('bounty_pledges',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('desire_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='usd', nullable=False),
    sa.Column('payment_intent_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='authorized', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('authorized', 'captured', 'released', 'failed')", name=op.f('ck_bounty_pledges_status')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_bounty_pledges_amount_positive')),
    sa.ForeignKeyConstraint(['desire_id'], ['desires.id'], name=op.f('fk_bounty_pledges_desire_id_desires'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bounty_pledges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bounty_pledges')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_bounty_pledges_payment_intent_id'))
    )
    with op.batch_alter_table('bounty_pledges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bounty_pledges_desire_id'), ['desire_id'], unique=False)

    op.create_table('payouts',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('pledge_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('stripe_transfer_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='owed', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['pledge_id'], ['bounty_pledges.id'], name=op.f('fk_payouts_pledge_id_bounty_pledges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payouts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
    sa.UniqueConstraint('pledge_id', name=op.f('uq_payouts_pledge_id'))
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payouts_user_id'), ['user_id'], unique=False)

    op.execute(SEARCH_FUNCTION)
    op.execute(
        "CREATE TRIGGER shaders_search_refresh BEFORE INSERT OR UPDATE OF title, description, "
        "tags, owner_id ON shaders FOR EACH ROW EXECUTE FUNCTION shaders_search_refresh()"
    )
    op.execute(IMMUTABLE_FUNCTION)
    op.execute(
        "CREATE TRIGGER shader_versions_immutable BEFORE UPDATE ON shader_versions "
        "FOR EACH ROW EXECUTE FUNCTION shader_versions_immutable()"
    )


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS shader_versions_immutable ON shader_versions")
    op.execute("DROP FUNCTION IF EXISTS shader_versions_immutable()")
    op.execute("DROP TRIGGER IF EXISTS shaders_search_refresh ON shaders")
    op.execute("DROP FUNCTION IF EXISTS shaders_search_refresh()")
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payouts_user_id'))

    op.drop_table('payouts')
    with op.batch_alter_table('bounty_pledges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bounty_pledges_desire_id'))

    op.drop_table('bounty_pledges')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_shader_id'))

    op.drop_table('votes')
    op.drop_table('shader_versions')
    with op.batch_alter_table('dwell_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dwell_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_dwell_events_shader_id'))

    op.drop_table('dwell_events')
    with op.batch_alter_table('desires', schema=None) as batch_op:
        batch_op.drop_index('ix_desires_status_created')
        batch_op.drop_index('ix_desires_embedding', postgresql_using='hnsw', postgresql_ops={'embedding': 'vector_cosine_ops'})
        batch_op.drop_index(batch_op.f('ix_desires_cluster_id'))
        batch_op.drop_index(batch_op.f('ix_desires_author_id'))

    op.drop_table('desires')
    with op.batch_alter_table('shaders', schema=None) as batch_op:
        batch_op.drop_index('ix_shaders_listing_score', postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_shaders_listing_hot', postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_shaders_listing_published', postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_shaders_tags', postgresql_using='gin')
        batch_op.drop_index('ix_shaders_style_vector', postgresql_using='hnsw', postgresql_ops={'style_vector': 'vector_cosine_ops'})
        batch_op.drop_index('ix_shaders_search', postgresql_using='gin')
        batch_op.drop_index(batch_op.f('ix_shaders_owner_id'))
        batch_op.drop_index(batch_op.f('ix_shaders_forked_from_id'))

    op.drop_table('shaders')
    op.drop_table('byok_keys')
    op.drop_table('billing_accounts')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_user_id'))

    op.drop_table('api_keys')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('uq_users_username_lower')
        batch_op.drop_index('uq_users_email_lower')

    op.drop_table('users')
    op.drop_table('stripe_events')
    with op.batch_alter_table('desire_clusters', schema=None) as batch_op:
        batch_op.drop_index('ix_desire_clusters_heat')
        batch_op.drop_index('ix_desire_clusters_centroid', postgresql_using='hnsw', postgresql_ops={'centroid': 'vector_cosine_ops'})

    op.drop_table('desire_clusters')
