"""Pydantic models shared by every surface: ids, times, list envelopes and parameters,
problems, and the message and conversation objects that several surfaces answer."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from app.channels import names
from app.models.base import ID_REGEX, ULID_REGEX
from app.models.messaging import MESSAGE_STATUSES

T = TypeVar("T")

Id = Annotated[str, Field(pattern=ID_REGEX, examples=["msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C"])]


def prefixed_id(prefix: str):
    """The id type of one kind of object (`con`, `usr`, ...), with a matching example."""
    return Annotated[str, Field(pattern=f"^{prefix}_{ULID_REGEX}$",
                                examples=[f"{prefix}_01HNQX2P8Y9R3T4V5W6Z7A8B9C"])]


ChannelName = Literal[tuple(names())]  # type: ignore[valid-type]
MessageStatus = Literal[MESSAGE_STATUSES]  # type: ignore[valid-type]
Direction = Literal["outbound", "inbound"]
ConversationStatus = Literal["open", "closed"]
Money = Annotated[str, Field(pattern=r"^-?\d+\.\d{3,6}$", examples=["0.012"])]
Timestamp = Annotated[str, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                                 examples=["2026-05-23T14:22:17Z"])]


class Strict(BaseModel):
    """Request models refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class ListQuery(Strict):
    limit: int = Field(20, ge=1, le=100, description="Page size, 1 to 100.")
    cursor: str | None = Field(None, max_length=200,
                               description="`next_cursor` of the previous page.")


class ListResponse(BaseModel, Generic[T]):
    object: str = Field("list", pattern="^list$")
    data: list[T]
    has_more: bool
    next_cursor: str | None


class FieldError(BaseModel):
    param: str | None
    code: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem with Switchboard's extension members."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    param: str | None = None
    request_id: str
    errors: list[FieldError] | None = None


def page_response(page, render) -> dict[str, Any]:
    """The list envelope for a page of rows."""
    return {"object": "list", "data": [render(item) for item in page.items],
            "has_more": page.has_more, "next_cursor": page.next_cursor}


_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d{1,6})?([Zz]|[+-]\d\d:\d\d)$")


def _rfc3339(value: object) -> object:
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("use an RFC 3339 time such as 2026-05-23T14:22:17Z")
    return value


# An RFC 3339 time in a query or body, converted to UTC once, here.
Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339),
                    AfterValidator(lambda value: value.astimezone(UTC))]


class MessageOut(BaseModel):
    id: Id
    object: Literal["message"]
    environment: Literal["live", "sandbox"]
    channel: ChannelName
    direction: Direction
    to: str
    from_: str | None = Field(alias="from")
    status: MessageStatus
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


class ConversationOut(BaseModel):
    id: Id
    object: Literal["conversation"]
    contact_id: Id
    channel: ChannelName
    status: ConversationStatus
    assignee_id: Id | None = Field(description="The team member (`usr_...`) handling it.")
    last_message_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class HistoryQuery(ListQuery):
    order: Literal["asc", "desc"] = Field("desc", description="`desc` (default) starts with "
                                                              "the newest message.")
