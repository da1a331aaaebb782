"""users: a session version that ends every admin session at sign-out

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:10:00

The admin session cookie names the user and this version; signing out or changing the
password bumps it, so a cookie copied before stops working.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default=sa.text('0')))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
