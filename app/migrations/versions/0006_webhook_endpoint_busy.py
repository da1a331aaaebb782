"""webhooks: at most one attempt in flight per endpoint

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:40:00

An attempt leases its endpoint (`busy_until`) as well as its delivery, so a slow receiver
holds one worker at a time however many deliveries it has pending.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('busy_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('busy_until')
