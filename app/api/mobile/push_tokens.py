"""FCM push token registration: `POST /push_tokens`, `POST /push_tokens/unregister`.

A registration token is a credential to push to a device, so it travels only in request
bodies: never in a URL path, which reaches access logs, proxies and audit rows.
"""

from __future__ import annotations

from typing import Literal

from flask import Response
from pydantic import BaseModel, Field

from app.api.principal import Principal
from app.api.schemas import (
    Id,
    Strict,
    Timestamp,
)
from app.api.surfaces import mobile as surface
from app.services.mobile import tokens as mobile_tokens

FCM_TOKEN = r"^[A-Za-z0-9_:.\-]{20,512}$"  # noqa: S105 - a pattern, not a secret


class PushTokenIn(Strict):
    token: str = Field(pattern=FCM_TOKEN, description="The device's FCM registration token.")
    platform: Literal["android", "ios"]


class PushTokenOut(BaseModel):
    id: Id
    object: Literal["push_token"]
    platform: Literal["android", "ios"]
    environment: Literal["live", "sandbox"]
    user_id: Id
    created_at: Timestamp
    last_seen_at: Timestamp


@surface.endpoint("/push_tokens", "POST", summary="Register a push token",
                  tags=("Push tokens",), body=PushTokenIn, response=PushTokenOut, status=201,
                  also=(200,))
def register_push_token(principal: Principal, body: PushTokenIn):
    """Register this device for push notifications (201), or refresh it (200)."""
    record, created = mobile_tokens.register_push_token(
        principal.partner_id, principal.environment, principal.user_id, body.token,
        body.platform)
    return mobile_tokens.push_token_to_api(record), 201 if created else 200


class PushTokenRef(Strict):
    token: str = Field(pattern=FCM_TOKEN, description="The device's FCM registration token.")


@surface.endpoint("/push_tokens/unregister", "POST", summary="Unregister a push token",
                  tags=("Push tokens",), body=PushTokenRef, status=204, errors=("not_found",))
def unregister_push_token(principal: Principal, body: PushTokenRef):
    """Stop push notifications to this device (call it before signing out)."""
    mobile_tokens.delete_push_token(principal.partner_id, principal.environment,
                                    principal.user_id, body.token)
    return Response(status=204)
