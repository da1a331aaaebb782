"""Sign-in, refresh and sign-out for the mobile app: `/api/mobile/auth/...`."""

from __future__ import annotations

from typing import Literal

from flask import Response, g, request
from pydantic import BaseModel, Field

from app.api.principal import Principal
from app.api.schemas import (
    Id,
    Strict,
)
from app.api.surfaces import mobile as surface
from app.models import MobileToken
from app.services.mobile import tokens as mobile_tokens


class TokenRequest(Strict):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    environment: Literal["live", "sandbox"] = Field(
        "live", description="The data plane the tokens act in; sign in again to switch.")


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=1, max_length=200, examples=["mrt_..."])


class RevokeRequest(Strict):
    token: str = Field(min_length=1, max_length=200,
                       description="The access (`mat_`) or refresh (`mrt_`) token to sign out.")


class UserOut(BaseModel):
    id: Id
    object: Literal["user"]
    email: str
    name: str | None
    role: Literal["admin", "agent"]
    partner_id: Id


class TokenOut(BaseModel):
    access_token: str = Field(examples=["mat_..."])
    refresh_token: str = Field(examples=["mrt_..."])
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds the access token is valid (3600).")
    refresh_expires_in: int = Field(description="Seconds the refresh token is valid.")
    environment: Literal["live", "sandbox"]
    user: UserOut


# Token responses carry secrets: never cached (as OAuth 2.0 token responses), never stored
# for Idempotency-Key replays (public endpoints are not), limited per client IP.
CREDENTIALS = {"public": True, "headers": {"Cache-Control": "no-store"}, "tags": ("Auth",)}


def _acting(record: MobileToken) -> None:
    """Name the signed-in agent for the audit row of this call."""
    g.principal = Principal(partner_id=record.partner_id, environment=record.environment,
                            actor=record.user_id, surface="mobile", user_id=record.user_id)


@surface.endpoint("/auth/token", "POST", summary="Sign in", body=TokenRequest,
                  response=TokenOut, errors=("invalid_token",), **CREDENTIALS)
def issue_token(_principal: None, body: TokenRequest):
    """Sign in with email and password; answers a new access and refresh token."""
    issued = mobile_tokens.sign_in(body.email, body.password, body.environment,
                                   request.headers.get("User-Agent"))
    _acting(issued.record)
    return mobile_tokens.tokens_to_api(issued)


@surface.endpoint("/auth/refresh", "POST", summary="Refresh tokens", body=RefreshRequest,
                  response=TokenOut, errors=("invalid_token",), **CREDENTIALS)
def refresh_token(_principal: None, body: RefreshRequest):
    """Exchange the refresh token for a new pair; the old pair stops working."""
    issued = mobile_tokens.refresh(body.refresh_token, request.headers.get("User-Agent"))
    _acting(issued.record)
    return mobile_tokens.tokens_to_api(issued)


@surface.endpoint("/auth/revoke", "POST", summary="Sign out", body=RevokeRequest,
                  status=204, **CREDENTIALS)
def revoke_token(_principal: None, body: RevokeRequest):
    """Sign out: revoke every token of this sign-in. 204 also for an unknown token."""
    record = mobile_tokens.revoke(body.token)
    if record is not None:
        _acting(record)
    return Response(status=204)
