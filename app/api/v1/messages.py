"""Messages: `POST /messages` (send), `GET /messages`, `GET /messages/{id}`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, StrictInt

from app.api.principal import Principal
from app.api.schemas import Id, ListQuery, ListResponse, Money, Strict, Timestamp, page_response
from app.api.v1 import bp, surface
from app.channels import names
from app.models.messaging import MESSAGE_STATUSES
from app.services.messaging import messages
from app.services.messaging.objects import message_to_api

ChannelName = Literal[tuple(names())]  # type: ignore[valid-type]
Status = Literal[MESSAGE_STATUSES]  # type: ignore[valid-type]
Direction = Literal["outbound", "inbound"]
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d{1,6})?([Zz]|[+-]\d\d:\d\d)$")


def _rfc3339(value: object) -> object:
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("use an RFC 3339 time such as 2026-05-23T14:22:17Z")
    return value


Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]


class SendMessage(Strict):
    channel: str = Field(json_schema_extra={"enum": names()}, examples=["whatsapp"],
                         description="One of the eleven channels; see `GET /channels`.")
    to: str | StrictInt = Field(
        examples=["+15551234567"],
        description="The recipient: E.164 phone number, email address or the channel's "
                    "recipient id (a Telegram chat id may be an integer).")
    text: str | None = Field(None, description="The message text (the email's plain part).")
    template: str | None = Field(None, examples=["order_confirmation"],
                                 description="WhatsApp: the name of a template to send.")
    language: str | None = Field(None, examples=["en"],
                                 description="WhatsApp: the template's language.")
    variables: dict[str, str] | None = Field(
        None, examples=[{"name": "Nayeem"}],
        description="WhatsApp: a value for each of the template's variables, no more.")
    subject: str | None = Field(None, description="Email: the subject line.")
    html: str | None = Field(None, description="Email: the HTML part.")
    title: str | None = Field(None, description="Push: the notification title.")
    from_: str | None = Field(None, alias="from",
                              description="The sender, when the channel lets you choose one.")
    metadata: dict[str, Any] | None = Field(
        None, description="Up to 50 keys of your own (strings up to 500 characters, numbers, "
                          "booleans). Validated, not yet stored.")


class MessageOut(BaseModel):
    id: Id
    object: Literal["message"]
    environment: Literal["live", "sandbox"]
    channel: ChannelName
    direction: Direction
    to: str
    from_: str | None = Field(alias="from")
    status: Status
    template: str | None
    language: str | None
    variables: dict[str, str] | None
    text: str | None
    subject: str | None
    html: str | None
    title: str | None
    segments: int = Field(ge=0, description="SMS segments; 1 on other channels.")
    conversation_id: Id | None
    contact_id: Id | None
    cost_estimate: Money
    cost: Money | None
    currency: str = Field(examples=["USD"])
    gateway: Id | None
    provider_message_id: str | None
    retry_count: int = Field(ge=0)
    last_error: str | None
    fallback_of: Id | None = Field(description="The RCS message this SMS replaces, if any.")
    metadata: dict[str, str | int | float | bool] = Field(
        description="Your own key/value pairs from the send, echoed back.")
    created_at: Timestamp
    updated_at: Timestamp


class MessageQuery(ListQuery):
    status: Status | None = None
    channel: ChannelName | None = None
    conversation_id: Id | None = None
    contact_id: Id | None = None
    direction: Direction | None = None
    created_gte: Rfc3339 | None = Field(None, description="Created at or after (RFC 3339).")
    created_lte: Rfc3339 | None = Field(None, description="Created at or before (RFC 3339).")


SEND_ERRORS = ("unknown_channel", "invalid_phone_number", "invalid_email_address",
               "invalid_address", "text_too_long", "template_not_found",
               "missing_template_variables", "unknown_template_variables", "insufficient_funds")


@surface.endpoint(bp, "/messages", "POST", summary="Send a message", tags=("Messages",),
                  body=SendMessage, response=MessageOut, status=202, errors=SEND_ERRORS)
def send_message(principal: Principal, body: SendMessage):
    """Validate, price and charge a message, then queue it for sending (202 Accepted)."""
    message = messages.send(principal.partner_id, principal.environment,
                            body.model_dump(by_alias=True))
    return message_to_api(message)


@surface.endpoint(bp, "/messages", "GET", summary="List messages", tags=("Messages",),
                  query=MessageQuery, response=ListResponse[MessageOut],
                  errors=("invalid_cursor",))
def list_messages(principal: Principal, query: MessageQuery):
    """The environment's messages, newest first, with filters."""
    page = messages.list_messages(
        principal.partner_id, principal.environment, status=query.status,
        channel=query.channel, conversation_id=query.conversation_id,
        contact_id=query.contact_id, direction=query.direction,
        created_gte=_utc(query.created_gte), created_lte=_utc(query.created_lte),
        limit=query.limit, cursor=query.cursor)
    return page_response(page, message_to_api)


@surface.endpoint(bp, "/messages/<id>", "GET", summary="Get a message", tags=("Messages",),
                  response=MessageOut)
def get_message(principal: Principal, id: str):  # noqa: A002 - the URL's own name
    """One message with its current status and cost."""
    return message_to_api(messages.get(principal.partner_id, principal.environment,
                                                id))


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None
