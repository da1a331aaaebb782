"""Every model, imported so metadata (and Alembic) sees the whole schema."""

from app.models.audit import AuditLog
from app.models.base import ENVIRONMENTS, TenantScoped, new_id
from app.models.console import EvaluationRequest, Invitation, PriceOverride
from app.models.gateways import Gateway, VerifiedSender
from app.models.idempotency import IdempotencyRecord
from app.models.inbox import CannedReply, ConversationActivity, ConversationRead
from app.models.messaging import (
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    MessageEvent,
    Template,
)
from app.models.mobile import MobileToken, PushToken
from app.models.routing import InboundRoute, UnroutedInbound
from app.models.tenancy import AccessKey, Partner
from app.models.users import User
from app.models.wallet import Wallet, WalletTransaction
from app.models.webhooks import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ENVIRONMENTS",
    "AccessKey",
    "AuditLog",
    "CannedReply",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationActivity",
    "ConversationRead",
    "EvaluationRequest",
    "Event",
    "Gateway",
    "IdempotencyRecord",
    "InboundRoute",
    "Invitation",
    "Message",
    "MessageEvent",
    "MobileToken",
    "Partner",
    "PriceOverride",
    "PushToken",
    "Template",
    "UnroutedInbound",
    "TenantScoped",
    "User",
    "VerifiedSender",
    "Wallet",
    "WalletTransaction",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "new_id",
]
