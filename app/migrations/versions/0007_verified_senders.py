"""gateways: per-partner verified senders

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:50:00

A partner may send only as a `from` that operators verified for it, so no partner can send
as another tenant through a shared gateway.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('verified_senders',
    sa.Column('partner_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'],
                            name=op.f('fk_verified_senders_partner_id_partners'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verified_senders')),
    sa.UniqueConstraint('partner_id', 'channel', 'address',
                        name='uq_verified_senders_partner_channel_address')
    )
    with op.batch_alter_table('verified_senders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verified_senders_partner_id'), ['partner_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('verified_senders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verified_senders_partner_id'))
    op.drop_table('verified_senders')
