"""Messages: `POST /messages` (send), `GET /messages`, `GET /messages/{id}`."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt

from app.api.principal import Principal
from app.api.schemas import (
    ChannelName,
    Direction,
    Id,
    ListQuery,
    ListResponse,
    MessageOut,
    MessageStatus,
    Rfc3339,
    Strict,
    page_response,
)
from app.api.surfaces import v1 as surface
from app.channels import names
from app.services.messaging import messages
from app.services.messaging.objects import message_to_api


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
                          "booleans), stored with the message and echoed in its object and "
                          "webhook events.")


class MessageQuery(ListQuery):
    status: MessageStatus | None = None
    channel: ChannelName | None = None
    conversation_id: Id | None = None
    contact_id: Id | None = None
    direction: Direction | None = None
    created_gte: Rfc3339 | None = Field(None, description="Created at or after (RFC 3339).")
    created_lte: Rfc3339 | None = Field(None, description="Created at or before (RFC 3339).")


SEND_ERRORS = ("unknown_channel", "invalid_phone_number", "invalid_email_address",
               "invalid_address", "text_too_long", "template_not_found",
               "missing_template_variables", "unknown_template_variables", "unverified_sender",
               "insufficient_funds")


@surface.endpoint("/messages", "POST", summary="Send a message", tags=("Messages",),
                  body=SendMessage, response=MessageOut, status=202, errors=SEND_ERRORS)
def send_message(principal: Principal, body: SendMessage):
    """Validate, price and charge a message, then queue it for sending (202 Accepted)."""
    message = messages.send(principal.partner_id, principal.environment,
                            body.model_dump(by_alias=True))
    return message_to_api(message)


@surface.endpoint("/messages", "GET", summary="List messages", tags=("Messages",),
                  query=MessageQuery, response=ListResponse[MessageOut],
                  errors=("invalid_cursor",))
def list_messages(principal: Principal, query: MessageQuery):
    """The environment's messages, newest first, with filters."""
    page = messages.list_messages(
        principal.partner_id, principal.environment, status=query.status,
        channel=query.channel, conversation_id=query.conversation_id,
        contact_id=query.contact_id, direction=query.direction,
        created_gte=query.created_gte, created_lte=query.created_lte,
        limit=query.limit, cursor=query.cursor)
    return page_response(page, message_to_api)


@surface.endpoint("/messages/<id>", "GET", summary="Get a message", tags=("Messages",),
                  response=MessageOut)
def get_message(principal: Principal, id: str):  # noqa: A002 - the URL's own name
    """One message with its current status and cost."""
    return message_to_api(messages.get(principal.partner_id, principal.environment,
                                                id))

