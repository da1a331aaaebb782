"""Messages: `POST /messages` (send), `POST /messages/batch`, `GET /messages`,
`GET /messages/{id}`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import request
from pydantic import BaseModel, Field, SkipValidation, StrictInt

from app.api import validation
from app.api.principal import Principal
from app.api.schemas import (
    ChannelName,
    Direction,
    Id,
    ListQuery,
    ListResponse,
    MessageOut,
    MessageStatus,
    Problem,
    Rfc3339,
    Strict,
    page_response,
)
from app.api.surfaces import v1 as surface
from app.channels import names
from app.errors import ApiError, problem_body
from app.services.messaging import messages
from app.services.messaging.objects import message_to_api

MAX_BATCH = 1000
# Every other body is held to MAX_CONTENT_LENGTH (1 MiB); a batch of 1,000 of the longest
# SMS, every character \u-escaped as JSON encoders do by default, stays under 10 MiB.
MAX_BATCH_BYTES = 10 * 1024 * 1024


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


class SendMessages(Strict):
    # Items are checked one by one in the handler (one bad message refuses only itself), so
    # the model only documents them.
    messages: Annotated[list[SendMessage], SkipValidation] = Field(
        min_length=1, max_length=MAX_BATCH,
        description="1 to 1,000 messages, each exactly what `POST /messages` takes.")


class BatchItem(BaseModel):
    index: int = Field(description="The message's place in the request's `messages`, from 0.")
    status: Literal[202, 402, 422] = Field(
        description="What `POST /messages` would have answered for this message alone.")
    message: MessageOut | None = Field(None, description="The accepted message (202).")
    error: Problem | None = Field(None, description="Why the message was refused (402, 422).")


class BatchOut(BaseModel):
    object: Literal["batch"]
    accepted: int = Field(description="How many messages were accepted (and charged).")
    refused: int = Field(description="How many were refused; they wrote and cost nothing.")
    data: list[BatchItem] = Field(description="One result per message, in request order.")


BATCH_ERRORS = (*SEND_ERRORS, "invalid_batch_size")


@surface.endpoint("/messages/batch", "POST", summary="Send messages in a batch",
                  tags=("Messages",), body=SendMessages, response=BatchOut, status=207,
                  errors=BATCH_ERRORS)
def send_messages_batch(principal: Principal, body: SendMessages):
    """Send up to 1,000 messages in one call (207 Multi-Status, one result per message).

    Each message is checked, priced and charged exactly as `POST /messages` would, in order;
    a refused message (422, or 402 when the balance left for it is short) writes nothing and
    does not stop the others. One Idempotency-Key covers the whole batch. When no message is
    accepted the call itself is refused (nothing is stored for its key): with the first
    message's status and code, and `errors` naming every refusal as `messages.<index>.<field>`.
    """
    items = body.messages
    if not isinstance(items, list):
        raise ApiError("invalid_field", "`messages` must be a list of messages.",
                       param="messages")
    if not 1 <= len(items) <= MAX_BATCH:
        raise ApiError("invalid_batch_size", "`messages` must hold 1 to 1,000 messages, not "
                       f"{len(items)}.", param="messages")
    results = messages.send_batch(principal.partner_id, principal.environment,
                                  [_parse_item(item) for item in items])
    refused = [(index, r) for index, r in enumerate(results) if isinstance(r, ApiError)]
    if len(refused) == len(results):
        raise _nothing_accepted(refused)
    return {"object": "batch", "accepted": len(results) - len(refused),
            "refused": len(refused), "data": [_item(index, r) for index, r in enumerate(results)]}


def _parse_item(item: object) -> dict | ApiError:
    if not isinstance(item, dict):
        return ApiError("invalid_field", "A message must be a JSON object.")
    try:
        return validation.parse_body(SendMessage, item).model_dump(by_alias=True)
    except ApiError as refused:
        return refused


def _item(index: int, result) -> dict:
    if isinstance(result, ApiError):
        return {"index": index, "status": result.entry.status, "error": problem_body(result)}
    return {"index": index, "status": 202, "message": message_to_api(result)}


def _nothing_accepted(refused: list[tuple[int, ApiError]]) -> ApiError:
    errors = []
    for index, error in refused:
        for each in error.errors or [{"param": error.param, "code": error.entry.code,
                                      "message": error.detail}]:
            param = f"messages.{index}" + (f".{each['param']}" if each["param"] else "")
            errors.append({"param": param, "code": each["code"], "message": each["message"]})
    first = refused[0][1]
    return ApiError(first.entry.code, f"No message of the batch was accepted; the first: "
                    f"{first.detail}", param=errors[0]["param"], errors=errors)


@surface.bp.before_request
def _batch_bodies_may_be_larger() -> None:
    if request.endpoint == f"{surface.bp.name}.{send_messages_batch.__name__}":
        request.max_content_length = MAX_BATCH_BYTES


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

