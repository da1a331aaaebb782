"""Templates: `POST/GET /templates`, `GET/DELETE /templates/{id}`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.api.principal import Principal
from app.api.schemas import (
    Id,
    ListQuery,
    ListResponse,
    Strict,
    Timestamp,
    page_response,
)
from app.api.surfaces import v1 as surface
from app.services.messaging import templates

TemplateChannel = Literal[templates.TEMPLATE_CHANNELS]  # type: ignore[valid-type]
NAME_PATTERN = r"^[a-z0-9_]{1,120}$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"


class TemplateCreate(Strict):
    name: str = Field(pattern=NAME_PATTERN, examples=["order_confirmation"],
                      description="Lowercase letters, digits and underscores, as WhatsApp "
                                  "requires.")
    language: str = Field(pattern=LANGUAGE_PATTERN, max_length=16, examples=["en"],
                          description="A language code such as `en` or `pt_BR` (`pt-BR` is "
                                      "stored as `pt_BR`).")
    channel: TemplateChannel = Field("whatsapp", description="The channel the template is "
                                                             "sent on.")
    body: str = Field(min_length=1, max_length=templates.BODY_MAX_LENGTH,
                      pattern=r"\S",
                      examples=["Hi {{name}}, order {{order_id}} arrives in {{eta}}."],
                      description="The text, with `{{variable}}` placeholders.")


class TemplateOut(BaseModel):
    id: Id
    object: Literal["template"]
    name: str
    language: str
    channel: TemplateChannel
    body: str
    variables: list[str] = Field(description="The placeholders, in order of first use.")
    status: Literal["approved", "pending", "rejected"]
    created_at: Timestamp


class TemplateDeleted(BaseModel):
    id: Id
    object: Literal["template"]
    deleted: Literal[True]


class TemplateQuery(ListQuery):
    name: str | None = Field(None, max_length=120)
    channel: TemplateChannel | None = None
    language: str | None = Field(None, pattern=LANGUAGE_PATTERN, max_length=16)


@surface.endpoint("/templates", "POST", summary="Create a template", tags=("Templates",),
                  body=TemplateCreate, response=TemplateOut, status=201, errors=("conflict",))
def create_template(principal: Principal, body: TemplateCreate):
    """Create an approved template; its variables are the body's `{{name}}` placeholders."""
    template = templates.create(principal.partner_id, principal.environment, name=body.name,
                                language=body.language, channel=body.channel, body=body.body)
    return templates.to_api(template)


@surface.endpoint("/templates", "GET", summary="List templates", tags=("Templates",),
                  query=TemplateQuery, response=ListResponse[TemplateOut],
                  errors=("invalid_cursor",))
def list_templates(principal: Principal, query: TemplateQuery):
    """The environment's templates, newest first, filtered by name, channel or language."""
    page = templates.list_templates(principal.partner_id, principal.environment,
                                    name=query.name, channel=query.channel,
                                    language=query.language, limit=query.limit,
                                    cursor=query.cursor)
    return page_response(page, templates.to_api)


@surface.endpoint("/templates/<id>", "GET", summary="Get a template", tags=("Templates",),
                  response=TemplateOut)
def get_template(principal: Principal, id: str):  # noqa: A002 - the URL's own name
    """One template."""
    return templates.to_api(templates.get(principal.partner_id, principal.environment, id))


@surface.endpoint("/templates/<id>", "DELETE", summary="Delete a template",
                  tags=("Templates",), response=TemplateDeleted)
def delete_template(principal: Principal, id: str):  # noqa: A002
    """Delete a template. Messages already sent with it are unchanged."""
    return templates.delete(principal.partner_id, principal.environment, id)
