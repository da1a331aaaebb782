"""The partner REST API, `/api/v1`: one module per resource, each declaring its endpoints on
`app.api.surfaces.v1`; importing this package declares them all."""

from app.api.v1 import (  # noqa: F401
    channels,
    contacts,
    conversations,
    events,
    gateways,
    messages,
    meta,
    templates,
    usage,
    wallet,
    webhook_endpoints,
)
