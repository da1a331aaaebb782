"""webhooks: index the events not yet fanned out

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00

The sweeper looks for events whose fan-out job was lost (`dispatched_at` NULL) every
sweep interval; a partial index keeps that scan to those few rows as the outbox grows.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_undispatched', ['created_at'], unique=False,
                              postgresql_where=sa.text('dispatched_at IS NULL'),
                              sqlite_where=sa.text('dispatched_at IS NULL'))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_undispatched')
