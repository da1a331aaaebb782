"""Firebase Cloud Messaging HTTP v1: one notification to one registration token.

Send: `POST {base}/v1/projects/{project_id}/messages:send` with an OAuth2 bearer token
(scope `firebase.messaging`, see `google_api`) and JSON `{"message": {"token",
"notification": {"title", "body"}, "data": {"message_id"}}}`; the answer
`{"name": "projects/.../messages/..."}` is the provider message id. The app receives the
Switchboard message id in `data.message_id`.

Errors (`error.details[].errorCode`, else `error.status`): UNREGISTERED (404),
INVALID_ARGUMENT (400), SENDER_ID_MISMATCH (403) and THIRD_PARTY_AUTH_ERROR (401) are
permanent; QUOTA_EXCEEDED (429), UNAVAILABLE (503) and INTERNAL (500) are transient and
honour `Retry-After`. Any other 429/5xx is transient, any other 4xx permanent.

Push has no receipts: FCM does not call back, so `parse_callback` returns nothing.

Gateway credentials: `access_token` or `service_account` (see `google_api`).
Settings: `project_id` (else the service account's `project_id`), `token_url` (optional).
"""

from __future__ import annotations

import json

import httpx
from flask import current_app

from app.channels.gateways.base import (
    UNCONFIRMED_STATUSES,
    GatewayConfig,
    Outbound,
    SendResult,
    http,
    transport_failure,
)
from app.channels.gateways.google_api import TokenError, bearer_token, error_of, retry_after

DEFAULT_BASE_URL = "https://fcm.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
PERMANENT = frozenset({"UNREGISTERED", "INVALID_ARGUMENT", "SENDER_ID_MISMATCH",
                       "THIRD_PARTY_AUTH_ERROR"})
TRANSIENT = frozenset({"QUOTA_EXCEEDED", "UNAVAILABLE", "INTERNAL"})


class FcmAdapter:
    provider = "fcm"
    callback_secrets: tuple[str, ...] = ()  # no callbacks

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """Send the notification; map FCM's error codes to transient/permanent."""
        result, _code = post_message(gateway, {
            "token": outbound.to,
            "notification": {"title": outbound.title or "", "body": outbound.text or ""},
            "data": {"message_id": outbound.message_id}})
        return result

    def parse_callback(self, request, gateway: GatewayConfig) -> list:
        """FCM sends no delivery reports or messages back: nothing to parse."""
        return []


def post_message(gateway: GatewayConfig, message: dict) -> tuple[SendResult, str]:
    """POST one FCM HTTP v1 `message`; the outcome and FCM's error code ("" on success)."""
    project_id = gateway.settings.get("project_id") or account_project(gateway.credentials)
    if not project_id:
        return SendResult(False, failure="permanent",
                          error="fcm gateway has no project_id setting"), ""
    try:
        token = bearer_token(gateway, SCOPE)
    except TokenError as exc:
        return SendResult(False, failure=exc.failure, error=f"fcm auth: {exc}"), ""
    base = (gateway.base_url or DEFAULT_BASE_URL).rstrip("/")
    try:
        response = http().post(
            f"{base}/v1/projects/{project_id}/messages:send", json={"message": message},
            headers={"Authorization": f"Bearer {token}"}, follow_redirects=False,
            timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
    except httpx.HTTPError as exc:
        return transport_failure("fcm", exc, f"fcm unreachable: {type(exc).__name__}"), ""
    if response.status_code == 200:
        try:
            name = response.json().get("name")
        except (ValueError, AttributeError):
            name = None
        return SendResult(True, provider_message_id=name), ""
    code, text = error_of(response)
    error = f"fcm {response.status_code}: {code} {text}".strip()
    if code in TRANSIENT or (code not in PERMANENT and (
            response.status_code == 429 or response.status_code >= 500)):
        return SendResult(False, failure="transient", error=error,
                          retry_after_seconds=retry_after(response),
                          unconfirmed=response.status_code in UNCONFIRMED_STATUSES), code
    return SendResult(False, failure="permanent", error=error), code


def account_project(credentials: dict) -> str | None:
    """The project id inside a service-account key among the credentials, if any."""
    account = credentials.get("service_account")
    if isinstance(account, str):
        try:
            account = json.loads(account)
        except ValueError:
            return None
    return account.get("project_id") if isinstance(account, dict) else None
