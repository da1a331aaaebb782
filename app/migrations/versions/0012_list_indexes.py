"""lists at volume: keyset indexes matching each list's order and filter

Revision ID: 0012
Revises: 0013
Create Date: 2026-12-03 13:00:00

The inbox lists page by (updated_at, id) within a tenant, filtered by status, assignee or
channel; the API lists page by id within a tenant; a thread and the inbox's last-message
lookup read one conversation's messages by id; a webhook job drains one endpoint's due
deliveries. Each gets an index whose leading columns are the filter and whose tail is the
order, so a page 90% deep costs what the first page costs (bench `inbox_flatness`).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0013'  # written beside 0013, merged after it
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_conversations_scope_status_recent', 'conversations',
     ['partner_id', 'environment', 'status', 'updated_at', 'id']),
    ('ix_conversations_scope_assignee_recent', 'conversations',
     ['partner_id', 'environment', 'assignee_id', 'updated_at', 'id']),
    ('ix_conversations_scope_channel_recent', 'conversations',
     ['partner_id', 'environment', 'channel', 'updated_at', 'id']),
    ('ix_conversations_scope_id', 'conversations', ['partner_id', 'environment', 'id']),
    ('ix_messages_scope_id', 'messages', ['partner_id', 'environment', 'id']),
    ('ix_messages_conversation_id_order', 'messages', ['conversation_id', 'id']),
    ('ix_contacts_scope_id', 'contacts', ['partner_id', 'environment', 'id']),
    ('ix_webhook_deliveries_endpoint_due', 'webhook_deliveries',
     ['endpoint_id', 'status', 'next_attempt_at']),
)


# The unfiltered list (the mobile feed, "any status") orders by (updated_at, id) too.
WIDENED = ('ix_conversations_scope_updated', 'conversations',
           ['partner_id', 'environment', 'updated_at'], ['partner_id', 'environment',
                                                         'updated_at', 'id'])


def upgrade():
    name, table, _, wide = WIDENED
    op.drop_index(name, table_name=table)
    op.create_index(name, table, wide)
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    name, table, narrow, _ = WIDENED
    op.drop_index(name, table_name=table)
    op.create_index(name, table, narrow)
