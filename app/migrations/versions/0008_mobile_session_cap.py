"""mobile: an absolute lifetime for each sign-in

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

Refresh token rotation slid a sign-in forever; `session_expires_at` caps every pair of a
family at the sign-in's absolute end. Existing pairs end when their refresh token does.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mobile_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_expires_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE mobile_tokens SET session_expires_at = refresh_expires_at')
    with op.batch_alter_table('mobile_tokens', schema=None) as batch_op:
        batch_op.alter_column('session_expires_at', existing_type=sa.DateTime(),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('mobile_tokens', schema=None) as batch_op:
        batch_op.drop_column('session_expires_at')
