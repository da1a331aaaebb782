"""Pydantic models shared by every surface: list envelopes, list parameters, problems."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

Id = Annotated[str, Field(pattern=r"^[a-z]+_[0-7][0-9A-HJKMNP-TV-Z]{25}$",
                          examples=["msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C"])]
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
