"""core schema: tenancy, keys, users, wallets, audit, idempotency, gateways

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 06:33:46.503466

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gateways',
    sa.Column('partner_id', sa.String(length=40), nullable=True),
    sa.Column('environment', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=True),
    sa.Column('credentials_encrypted', sa.Text(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gateways'))
    )
    with op.batch_alter_table('gateways', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gateways_partner_id'), ['partner_id'], unique=False)

    op.create_table('partners',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rate_limit_live', sa.Integer(), nullable=True),
    sa.Column('rate_limit_sandbox', sa.Integer(), nullable=True),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners'))
    )
    op.create_table('access_keys',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('display_prefix', sa.String(length=16), nullable=False),
    sa.Column('last_four', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('rolled_from_id', sa.String(length=40), nullable=True),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('environment', sa.String(length=8), nullable=False),
    sa.Column('partner_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("environment IN ('live', 'sandbox')", name=op.f('ck_access_keys_environment')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_access_keys_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rolled_from_id'], ['access_keys.id'], name=op.f('fk_access_keys_rolled_from_id_access_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_access_keys_key_hash'))
    )
    with op.batch_alter_table('access_keys', schema=None) as batch_op:
        batch_op.create_index('ix_access_keys_partner_env', ['partner_id', 'environment'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_keys_partner_id'), ['partner_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('request_id', sa.String(length=40), nullable=False),
    sa.Column('surface', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.Column('partner_id', sa.String(length=40), nullable=True),
    sa.Column('environment', sa.String(length=8), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('object_ids', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=500), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_audit_log_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_request_id'), ['request_id'], unique=False)

    op.create_table('idempotency_records',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('environment', sa.String(length=8), nullable=False),
    sa.Column('partner_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_idempotency_records_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('partner_id', 'environment', 'key', name='uq_idempotency_scope_key')
    )
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_records_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotency_records_partner_id'), ['partner_id'], unique=False)

    op.create_table('users',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('partner_id', sa.String(length=40), nullable=True),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(role = 'operator' AND partner_id IS NULL) OR (role <> 'operator' AND partner_id IS NOT NULL)", name=op.f('ck_users_partner_for_role')),
    sa.CheckConstraint("role IN ('operator', 'admin', 'agent')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_users_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_partner_id'), ['partner_id'], unique=False)

    op.create_table('wallets',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('balance_micros', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('environment', sa.String(length=8), nullable=False),
    sa.Column('partner_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('balance_micros >= 0', name=op.f('ck_wallets_non_negative')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_wallets_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallets')),
    sa.UniqueConstraint('partner_id', 'environment', name='uq_wallets_partner_env')
    )
    with op.batch_alter_table('wallets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallets_partner_id'), ['partner_id'], unique=False)

    op.create_table('wallet_transactions',
    sa.Column('wallet_id', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('amount_micros', sa.BigInteger(), nullable=False),
    sa.Column('balance_after_micros', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('message_id', sa.String(length=40), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('environment', sa.String(length=8), nullable=False),
    sa.Column('partner_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("type IN ('debit', 'refund', 'topup', 'adjustment')", name=op.f('ck_wallet_transactions_type')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_wallet_transactions_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['wallet_id'], ['wallets.id'], name=op.f('fk_wallet_transactions_wallet_id_wallets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallet_transactions')),
    sa.UniqueConstraint('message_id', 'type', name='uq_wallet_transactions_message_type')
    )
    with op.batch_alter_table('wallet_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_transactions_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wallet_transactions_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wallet_transactions_wallet_id'), ['wallet_id'], unique=False)


def downgrade():
    with op.batch_alter_table('wallet_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_transactions_wallet_id'))
        batch_op.drop_index(batch_op.f('ix_wallet_transactions_partner_id'))
        batch_op.drop_index(batch_op.f('ix_wallet_transactions_message_id'))

    op.drop_table('wallet_transactions')
    with op.batch_alter_table('wallets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallets_partner_id'))

    op.drop_table('wallets')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_partner_id'))

    op.drop_table('users')
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_records_partner_id'))
        batch_op.drop_index(batch_op.f('ix_idempotency_records_created_at'))

    op.drop_table('idempotency_records')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_request_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_partner_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_created_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('access_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_keys_partner_id'))
        batch_op.drop_index('ix_access_keys_partner_env')

    op.drop_table('access_keys')
    op.drop_table('partners')
    with op.batch_alter_table('gateways', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gateways_partner_id'))

    op.drop_table('gateways')
