"""Build-time generators: the docs' reference sections, rendered from the code's own registries.

`collect()` reads the error-code registry, the channel registry, the event types and the
OpenAPI documents of `/api/v1` and `/api/mobile` from an application instance; the
`*_markdown()` functions turn them into the Markdown that the MkDocs hook puts in place of
each page's marker. No database or Redis is touched: everything here is import-time data.
`collect()` is the only place the docs import the application's registries: when a module
moves, repoint its import there.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus

from site_assets import apiref

# Page → (marker, generator). A page that lacks its marker fails the build: the generated
# part must never silently disappear.
# The API reference, one page per resource: page → (surface, OpenAPI tags; None = all).
RESOURCES = {
    "reference/messages.md": ("v1", ["Messages"]),
    "reference/contacts.md": ("v1", ["Contacts"]),
    "reference/conversations.md": ("v1", ["Conversations"]),
    "reference/templates.md": ("v1", ["Templates"]),
    "reference/webhooks.md": ("v1", ["Webhooks"]),
    "reference/events.md": ("v1", ["Events"]),
    "reference/wallet.md": ("v1", ["Wallet"]),
    "reference/usage.md": ("v1", ["Usage"]),
    "reference/channels.md": ("v1", ["Channels"]),
    "reference/gateways.md": ("v1", ["Gateways"]),
    "reference/mobile.md": ("mobile", None),
}
INDEX_TAGS = ["Meta"]  # operations shown on the reference's index page itself
# The channel guides, one page each with the registry's facts: channels/<name>.md.
CHANNEL_GUIDES = ("whatsapp", "sms", "rcs", "email", "messenger", "instagram", "telegram",
                  "viber", "line", "webchat", "push")
MARKERS = {
    "errors.md": "<!-- error-codes -->",
    "channels/index.md": "<!-- channel-matrix",
    "events.md": "<!-- event-catalogue -->",
    "reference/index.md": "<!-- api-reference-index -->",
    **{page: f"<!-- api-reference: {page.split('/')[1][:-3]} -->" for page in RESOURCES},
    **{f"channels/{name}.md": f"<!-- channel-facts: {name} -->" for name in CHANNEL_GUIDES},
}
OPENAPI_PATH = "/api/v1/openapi.json"
# Which page describes the object an event's `data` carries, by the event type's prefix.
EVENT_OBJECTS = {
    "message": ("message object", "sending.md#the-message-object"),
    "conversation": ("conversation object",
                     "contacts-and-conversations.md#the-conversation-object"),
    "contact": ("contact object", "contacts-and-conversations.md#the-contact-object"),
}


@dataclass(frozen=True)
class ErrorDoc:
    code: str
    slug: str
    status: int
    title: str
    description: str


@dataclass(frozen=True)
class ChannelDoc:
    label: str
    api: dict  # exactly what `GET /api/v1/channels` serves for the channel
    limits: dict[str, int]
    fallback: str | None


@dataclass(frozen=True)
class Reference:
    errors: list[ErrorDoc]
    channels: list[ChannelDoc]
    events: dict[str, str]
    openapi: dict
    mobile_openapi: dict

    def error_slugs(self) -> dict[str, str]:
        return {error.code: error.slug for error in self.errors}


@contextmanager
def documentation_app():
    """A development app in a throwaway instance folder: registries only, no servers."""
    from app import create_app

    with tempfile.TemporaryDirectory(prefix="switchboard-docs-") as instance:
        saved = os.environ.get("INSTANCE_PATH")
        os.environ["INSTANCE_PATH"] = instance
        try:
            # No DATABASE_URL/REDIS_URL from the caller's shell: nothing here may connect.
            yield create_app({"ENV_NAME": "development", "DATABASE_URL": "", "REDIS_URL": ""})
        finally:
            if saved is None:
                os.environ.pop("INSTANCE_PATH", None)
            else:
                os.environ["INSTANCE_PATH"] = saved


def collect(app, api_server_url: str) -> Reference:
    """Read every registry the docs are generated from, through the app's own functions."""
    from app import channels, errors
    from app.api import openapi
    from app.api.surfaces import mobile as mobile_surface
    from app.api.surfaces import v1 as surface
    from app.services.events import EVENT_TYPES

    with app.test_request_context():
        error_docs = [
            ErrorDoc(entry.code, errors.type_url(entry.code).rsplit("/errors/", 1)[1],
                     entry.status, entry.title, entry.description)
            for entry in errors.registry().values()
        ]
        document = openapi.build(surface, title="Switchboard API", version="1.0.0",
                                 server_url=api_server_url.rstrip("/"),
                                 document_path=OPENAPI_PATH)
    with app.app_context():  # no request: no document operation of its own
        mobile = openapi.build(mobile_surface, title="Switchboard mobile API", version="1.0.0",
                               server_url=api_server_url.rstrip("/"))
    channel_docs = [
        ChannelDoc(channel.label, channels.as_api(channel),
                   {field: channel.limit(field) for field in ("text", *dict(channel.field_limits))
                    if channel.limit(field) is not None},
                   channel.fallback)
        for channel in channels.all_channels()
    ]
    return Reference(error_docs, channel_docs, dict(EVENT_TYPES), document, mobile)


_cell = apiref.cell


UNAVAILABLE_PATH = "problems/service-unavailable.json"


def unavailable_problem(ref: Reference, site_url: str) -> str:
    """The problem the web server answers on the API's paths when the app cannot (503)."""
    error = next(e for e in ref.errors if e.code == "service_unavailable")
    return json.dumps({
        "type": f"{site_url.rstrip('/')}/errors/{error.slug}", "title": error.title,
        "status": error.status,
        "detail": "The Switchboard API is not answering right now. Retry after a few seconds "
                  "with the same Idempotency-Key.",
        "code": error.code, "param": None, "request_id": None}) + "\n"


def errors_markdown(ref: Reference, site_url: str) -> str:
    """The error codes: a summary table, then one section per code anchored at its slug."""
    base = site_url.rstrip("/") + "/errors/"
    lines = ["| code | HTTP status | title |", "|---|---|---|"]
    for error in ref.errors:
        lines.append(f"| [`{error.code}`](#{error.slug}) | {error.status} "
                     f"{HTTPStatus(error.status).phrase} | {_cell(error.title)} |")
    for error in ref.errors:
        lines += [
            "",
            f"### `{error.code}` {{ #{error.slug} }}",
            "",
            f"**{error.title}** — HTTP {error.status} {HTTPStatus(error.status).phrase}",
            "",
            error.description,
            "",
            f"`type`: `{base}{error.slug}`",
        ]
    return "\n".join(lines) + "\n"


def _needs(api: dict) -> str:
    required = [f"`{name}`" for name in api["required"] if name != "to"]
    groups = [" + ".join(f"`{name}`" for name in group) for group in api["one_of"]]
    if groups:
        either = " or ".join(groups)
        required.append(f"({either})" if required else either)
    return " + ".join(required)


def _price(pricing: dict) -> str:
    text = f"{pricing['default']} per {pricing['unit']}"
    by_code = pricing["by_country_code"]
    if by_code:
        listed = ", ".join(f"+{code}: {price}" for code, price in by_code.items())
        text = f"{listed}; other countries {text}"
    return text


def channel_matrix_markdown(ref: Reference) -> str:
    """The channel matrix, row for row what `GET /api/v1/channels` serves."""
    currency = ref.channels[0].api["pricing"]["currency"] if ref.channels else ""
    lines = [
        f"| channel | `to` | needs | delivery receipts | read receipts | bounces | "
        f"length limits | price ({currency}) | falls back to |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for channel in ref.channels:
        api = channel.api
        limits = ", ".join(f"`{field}` {limit}" for field, limit in channel.limits.items())
        lines.append(" | ".join([
            f"| `{api['name']}` ({channel.label})",
            f"`{api['address']}`",
            _needs(api),
            "yes" if api["delivery_receipts"] else "no",
            "yes" if api["read_receipts"] else "no",
            "yes" if api["bounces"] else "no",
            limits or "1 MiB request",
            _price(api["pricing"]),
            f"`{channel.fallback}`" if channel.fallback else "—",
        ]) + " |")
    return "\n".join(lines) + "\n"


def channel_facts_markdown(ref: Reference, name: str) -> str:
    """One channel's rules at a glance, from the registry that validates and prices sends."""
    channel = next((c for c in ref.channels if c.api["name"] == name), None)
    if channel is None:
        raise ValueError(f"channels/{name}.md: no channel {name!r} in the channel registry")
    api = channel.api
    limits = ", ".join(f"`{field}` at most {limit} characters"
                       for field, limit in channel.limits.items())
    optional = ", ".join(f"`{field}`" for field in api["optional"]
                         if not any(field in group for group in api["one_of"]))
    rows = [
        ("`channel`", f"`{name}`"),
        ("`to`", f"[`{api['address']}`](index.md#addresses)"),
        ("needs", _needs(api)),
        ("optional", optional or "—"),
        ("length limits", limits or "the request's 1 MiB"),
        ("delivery receipts", "yes" if api["delivery_receipts"] else "no"),
        ("read receipts", "yes" if api["read_receipts"] else "no"),
        ("bounces", "yes" if api["bounces"] else "no"),
        (f"price ({api['pricing']['currency']})", _price(api["pricing"])),
        ("falls back to", f"[`{channel.fallback}`]({channel.fallback}.md)"
         if channel.fallback else "—"),
    ]
    lines = ["## At a glance", "",
             "Generated from the channel registry that validates and prices every send, the "
             f"same data as `GET /api/v1/channels/{name}`.", "",
             "| rule | value |", "|---|---|"]
    lines += [f"| {label} | {apiref.cell(value)} |" for label, value in rows]
    return "\n".join(lines) + "\n"


def event_anchor(event_type: str) -> str:
    """The anchor of an event type's section on the events page."""
    return event_type.replace(".", "-")


def events_markdown(ref: Reference) -> str:
    """The event catalogue: a table of every type, then a section per type."""
    lines = ["| event | when | `data` |", "|---|---|---|"]
    for event_type, description in ref.events.items():
        label, page = EVENT_OBJECTS.get(event_type.split(".")[0], ("object", ""))
        data = f"[{label}]({page})" if page else label
        lines.append(f"| [`{event_type}`](#{event_anchor(event_type)}) | {_cell(description)} "
                     f"| {data} |")
    for event_type, description in ref.events.items():
        label, page = EVENT_OBJECTS.get(event_type.split(".")[0], ("object", ""))
        data = f"the [{label}]({page})" if page else f"the {label}"
        lines += ["", f"### `{event_type}` {{ #{event_anchor(event_type)} }}", "",
                  description, "", f"`data` is {data}."]
    return "\n".join(lines) + "\n"


def resource_markdown(ref: Reference, page: str) -> str:
    """The operations of one resource's reference page, server-rendered."""
    surface, tags = RESOURCES[page]
    document = ref.openapi if surface == "v1" else ref.mobile_openapi
    return apiref.render(document, ref.error_slugs(), tags, errors_page="../errors.md")


def resource_page(tag: str) -> str:
    """The reference page of a `/api/v1` OpenAPI tag; fails for a tag that has none."""
    for page, (surface, tags) in RESOURCES.items():
        if surface == "v1" and tag in (tags or []):
            return page
    raise ValueError(f"the OpenAPI tag {tag!r} has no reference page: add it to RESOURCES")


def reference_index_markdown(ref: Reference) -> str:
    """Every `/api/v1` operation in one table, linked to its resource page; then the index's own."""
    lines = ["| operation | method and path | page |", "|---|---|---|"]
    for tag, operations in apiref.operations_by_tag(ref.openapi).items():
        if tag in INDEX_TAGS:
            continue
        page = resource_page(tag)
        name = page.split("/")[1]
        for path, method, operation in operations:
            lines.append(f"| [{apiref.cell(operation['summary'])}]({name}#"
                         f"{apiref.operation_anchor(operation)}) | `{method.upper()} {path}` "
                         f"| [{tag}]({name}) |")
    return "\n".join(lines) + "\n\n" + apiref.render(
        {**ref.openapi, "servers": []}, ref.error_slugs(), INDEX_TAGS, errors_page="../errors.md")


def render_marker(page: str, markdown: str, ref: Reference, site_url: str) -> str:
    """Put the generated part of `page` in place of its marker line; fail if it is missing."""
    marker = MARKERS[page]
    generated = {
        "errors.md": lambda: errors_markdown(ref, site_url),
        "channels/index.md": lambda: channel_matrix_markdown(ref),
        "events.md": lambda: events_markdown(ref),
        "reference/index.md": lambda: reference_index_markdown(ref),
    }.get(page, lambda: channel_facts_markdown(ref, page[9:-3]) if page.startswith("channels/")
          else resource_markdown(ref, page))()
    lines = markdown.splitlines()
    found = [i for i, line in enumerate(lines) if line.strip().startswith(marker)]
    if len(found) != 1:
        raise ValueError(f"{page}: expected one `{marker}` line, found {len(found)}")
    lines[found[0]:found[0] + 1] = ["", generated, ""]
    return "\n".join(lines) + "\n"
