"""idempotency: keys scoped per user on the mobile and internal surfaces

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:20:00

Two users of one partner chose keys independently, yet shared one key space: an agent's
reply could be answered with an admin's stored response and never sent. `scope` is "" on
/api/v1 (a partner's key space, as before) and `<surface>:<user id>` elsewhere.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=80), nullable=False,
                                      server_default=sa.text("''")))
        batch_op.drop_constraint('uq_idempotency_scope_key', type_='unique')
        batch_op.create_unique_constraint('uq_idempotency_scope_key',
                                          ['partner_id', 'environment', 'scope', 'key'])


def downgrade():
    # Scoped records could collide once the scope is gone: they are at most 24 hours old.
    op.execute("DELETE FROM idempotency_records WHERE scope <> ''")
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_constraint('uq_idempotency_scope_key', type_='unique')
        batch_op.create_unique_constraint('uq_idempotency_scope_key',
                                          ['partner_id', 'environment', 'key'])
        batch_op.drop_column('scope')
