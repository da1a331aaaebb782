"""Build-time generators: the docs' reference sections, rendered from the code's own registries.

`collect()` reads the error-code registry, the channel registry, the event types and the
OpenAPI document of `/api/v1` from an application instance; the `*_markdown()` functions
turn them into the Markdown that the MkDocs hook puts in place of each page's marker. No
database or Redis is touched: everything here is import-time data.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus

from site_assets import apiref

# Page → (marker, generator). A page that lacks its marker fails the build: the generated
# part must never silently disappear.
MARKERS = {
    "errors.md": "<!-- error-codes -->",
    "channels.md": "<!-- channel-matrix",
    "events.md": "<!-- event-catalogue -->",
    "api-reference.md": "<!-- api-reference -->",
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
    channel_docs = [
        ChannelDoc(channel.label, channels.as_api(channel),
                   {field: channel.limit(field) for field in ("text", *dict(channel.field_limits))
                    if channel.limit(field) is not None},
                   channel.fallback)
        for channel in channels.all_channels()
    ]
    return Reference(error_docs, channel_docs, dict(EVENT_TYPES), document)


_cell = apiref.cell


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


def api_reference_markdown(ref: Reference) -> str:
    """Every operation of the OpenAPI document, server-rendered."""
    return apiref.render(ref.openapi, ref.error_slugs())


def render_marker(page: str, markdown: str, ref: Reference, site_url: str) -> str:
    """Put the generated part of `page` in place of its marker line; fail if it is missing."""
    marker = MARKERS[page]
    generated = {
        "errors.md": lambda: errors_markdown(ref, site_url),
        "channels.md": lambda: channel_matrix_markdown(ref),
        "events.md": lambda: events_markdown(ref),
        "api-reference.md": lambda: api_reference_markdown(ref),
    }[page]()
    lines = markdown.splitlines()
    found = [i for i, line in enumerate(lines) if line.strip().startswith(marker)]
    if len(found) != 1:
        raise ValueError(f"{page}: expected one `{marker}` line, found {len(found)}")
    lines[found[0]:found[0] + 1] = ["", generated, ""]
    return "\n".join(lines) + "\n"
