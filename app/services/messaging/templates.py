"""Message templates (WhatsApp-style): `{{name}}` placeholders, one per partner and environment.

A template is identified by (channel, name, language) within a partner's environment. Its
variables are the placeholders of its body, in order of first use. Templates are approved
on creation: Switchboard has no review step of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.channels import all_channels
from app.errors import ApiError
from app.extensions import db
from app.models import Template
from app.models.base import isoformat
from app.services import tx
from app.services.cache_epoch import Cache
from app.services.pagination import Page, paginate

# The channels whose sends take a `template` (today: whatsapp), from the channel registry.
TEMPLATE_CHANNELS = tuple(c.name for c in all_channels() if c.accepts("template"))
BODY_MAX_LENGTH = 1024  # WhatsApp's limit for a template body
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_cache = Cache("templates")


@dataclass(frozen=True)
class TemplateRef:
    """What a send needs of a template, kept per process (`named`)."""

    id: str
    channel: str
    name: str
    language: str
    body: str
    variables: tuple[str, ...]


def parse_variables(body: str) -> list[str]:
    """Return the placeholders of `body` in order of first use; 422 when one is malformed."""
    errors: list[dict] = []
    names: list[str] = []
    for match in _PLACEHOLDER.finditer(body):
        name = match.group(1)
        if not _IDENTIFIER.fullmatch(name):
            errors.append({"param": "body", "code": "invalid_field",
                           "message": f"Placeholder `{match.group(0)}` is not a variable name: "
                                      "use letters, digits and _, not starting with a digit, "
                                      "such as {{order_id}}."})
        elif name not in names:
            names.append(name)
    rest = _PLACEHOLDER.sub("", body)
    if "{{" in rest or "}}" in rest:
        errors.append({"param": "body", "code": "invalid_field",
                       "message": "The body has an unmatched `{{` or `}}`."})
    if errors:
        raise ApiError("invalid_field", " ".join(e["message"] for e in errors), param="body",
                       errors=errors)
    return names


def canonical_language(code: str) -> str:
    """Spell a language code the way WhatsApp does: `en`, `en_US`, `zh_Hant_TW`."""
    first, *rest = re.split(r"[-_]", code)
    parts = [first.lower()]
    for part in rest:
        if len(part) == 2 or part.isdigit():
            parts.append(part.upper())
        elif len(part) == 4:
            parts.append(part.title())
        else:
            parts.append(part)
    return "_".join(parts)


def render(body: str, variables: dict[str, str]) -> str:
    """Return `body` with every placeholder replaced by its variable's value."""
    return _PLACEHOLDER.sub(lambda m: variables.get(m.group(1), m.group(0)), body)


def create(partner_id: str, environment: str, *, name: str, language: str, channel: str,
           body: str) -> Template:
    """Create an approved template; 409 conflict when (name, language, channel) exists."""
    parse_variables(body)
    language = canonical_language(language)
    existing = find(partner_id, environment, channel=channel, name=name, language=language)
    if existing is not None:
        raise _conflict(existing)
    template = Template(partner_id=partner_id, environment=environment, name=name,
                        language=language, channel=channel, body=body, status="approved")
    try:
        with db.session.begin_nested():
            db.session.add(template)
    except IntegrityError:
        # A concurrent request created the same template between our check and our insert.
        raced = find(partner_id, environment, channel=channel, name=name, language=language)
        if raced is None:
            raise
        raise _conflict(raced) from None
    tx.commit()
    return template


def _conflict(existing: Template) -> ApiError:
    return ApiError("conflict", f"A template named `{existing.name}` in language "
                    f"`{existing.language}` already exists on {existing.channel} "
                    f"({existing.id}). Delete it first to replace it.", param="name")


def find(partner_id: str, environment: str, *, channel: str, name: str,
         language: str) -> Template | None:
    """Return the template with this channel, name and language, or None."""
    return db.session.scalar(select(Template).where(
        Template.partner_id == partner_id, Template.environment == environment,
        Template.channel == channel, Template.name == name,
        Template.language == canonical_language(language)))


def named(partner_id: str, environment: str, *, channel: str, name: str,
          language: str) -> TemplateRef | None:
    """`find`, read from the process's cache while no template changed anywhere.

    Sends name their template on every call; a created or deleted template reaches every
    process at its next request (`app.services.cache_epoch`)."""
    key = (partner_id, environment, channel, name, canonical_language(language))
    cached = _cache.get(key)
    if cached is not None:
        return cached[0]
    filled_under = _cache.filler()
    found = find(partner_id, environment, channel=channel, name=name, language=language)
    ref = found and TemplateRef(found.id, found.channel, found.name, found.language,
                                found.body, tuple(parse_variables(found.body)))
    _cache.put(key, (ref,), filled_under)  # a miss is kept too: a tuple, never None
    return ref


def get(partner_id: str, environment: str, template_id: str) -> Template:
    """Return one template; 404 when it is missing or belongs to someone else."""
    template = db.session.scalar(select(Template).where(
        Template.partner_id == partner_id, Template.environment == environment,
        Template.id == template_id))
    if template is None:
        raise ApiError("not_found", f"No template {template_id}.", param="id")
    return template


def list_templates(partner_id: str, environment: str, *, name: str | None = None,
                   channel: str | None = None, language: str | None = None, limit: int = 20,
                   cursor: str | None = None) -> Page:
    """A page of templates, newest first, optionally filtered."""
    statement = select(Template).where(Template.partner_id == partner_id,
                                       Template.environment == environment)
    if name:
        statement = statement.where(Template.name == name)
    if channel:
        statement = statement.where(Template.channel == channel)
    if language:
        statement = statement.where(Template.language == canonical_language(language))
    return paginate(statement, Template.id, limit, cursor)


def delete(partner_id: str, environment: str, template_id: str) -> dict:
    """Delete a template; messages already sent with it keep its name, language and variables."""
    template = get(partner_id, environment, template_id)
    db.session.delete(template)
    tx.commit()
    return {"id": template_id, "object": "template", "deleted": True}


def check_variables(template: Template | TemplateRef, variables: dict) -> None:
    """Require exactly the template's variables; 422 naming the missing and unknown ones."""
    expected = parse_variables(template.body)
    missing = [name for name in expected if name not in variables]
    unknown = [name for name in variables if name not in expected]
    errors = [{"param": f"variables.{name}", "code": "missing_template_variables",
               "message": f"Template `{template.name}` needs the variable `{name}`."}
              for name in missing]
    errors += [{"param": f"variables.{name}", "code": "unknown_template_variables",
                "message": f"Template `{template.name}` has no variable `{name}`."}
               for name in unknown]
    if not errors:
        return
    parts = []
    if missing:
        parts.append("needs " + ", ".join(f"`{n}`" for n in missing))
    if unknown:
        parts.append("has no " + ", ".join(f"`{n}`" for n in unknown))
    detail = (f"Template `{template.name}` ({template.language}) " + " and ".join(parts)
              + f"; its variables are {', '.join(f'`{n}`' for n in expected) or 'none'}.")
    raise ApiError(errors[0]["code"], detail, param=errors[0]["param"], errors=errors)


def to_api(template: Template) -> dict:
    """The template object."""
    return {"id": template.id, "object": "template", "name": template.name,
            "language": template.language, "channel": template.channel, "body": template.body,
            "variables": parse_variables(template.body), "status": template.status,
            "created_at": isoformat(template.created_at)}
