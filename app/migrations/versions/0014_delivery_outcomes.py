"""endpoints that keep failing, and sends whose outcome is unknown

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03 12:40:00

`webhook_endpoints.failing_since` marks the first failure of an unbroken failing streak (any
success clears it); an endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled, and
`disabled_at` says since when, so re-enabling can deliver what was missed.
`messages.unconfirmed_at` marks a send attempt that may have reached the provider (a
timeout or a dropped connection): the next attempt first checks whether it went out.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0012'  # written beside 0012 and 0013, merged after them
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unconfirmed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('unconfirmed_at')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
        batch_op.drop_column('failing_since')
