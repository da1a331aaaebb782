"""Signatures and tokens with non-ASCII characters are refused with 401, never a 500.

`hmac.compare_digest` raises TypeError on `str` arguments that are not ASCII, so every
callback check compares bytes.
"""

from __future__ import annotations

import json

import pytest

from app.services.messaging import gateways

NON_ASCII = "sha256=\u00e9\u00e9"


@pytest.fixture
def hooks(app, tenant):
    """A Messenger (Meta Graph) and an RBM gateway, both with real secrets."""
    with app.app_context():
        meta = gateways.add_gateway("messenger", "meta_graph", "Page", partner_id=tenant.partner_id,
                                    credentials={"page_access_token": "p", "app_secret": "s",
                                                 "verify_token": "v"})
        rbm = gateways.add_gateway("rcs", "rbm", "RBM", partner_id=tenant.partner_id,
                                   credentials={"access_token": "a", "client_token": "ct"})
        return {"meta": meta.id, "rbm": rbm.id}


def test_meta_graph_signature_with_non_ascii_is_401(client, hooks):
    answer = client.post(f"/hooks/{hooks['meta']}", data=b'{"object": "page"}',
                         headers={"X-Hub-Signature-256": NON_ASCII,
                                  "Content-Type": "application/json"})
    assert answer.status_code == 401 and answer.json["code"] == "invalid_signature"


def test_hub_challenge_with_non_ascii_verify_token_is_401(client, hooks):
    answer = client.get(f"/hooks/{hooks['meta']}", query_string={
        "hub.mode": "subscribe", "hub.verify_token": "v\u00e9", "hub.challenge": "42"})
    assert answer.status_code == 401 and answer.json["code"] == "invalid_signature"


def test_rbm_signature_with_non_ascii_is_401(client, hooks):
    body = {"message": {"data": "eyJldmVudFR5cGUiOiAiREVMSVZFUkVEIn0=", "messageId": "1"}}
    answer = client.post(f"/hooks/{hooks['rbm']}", data=json.dumps(body),
                         headers={"X-Goog-Signature": "\u00e9", "Content-Type":
                                  "application/json"})
    assert answer.status_code == 401 and answer.json["code"] == "invalid_signature"


def test_rbm_registration_with_non_ascii_client_token_is_401(client, hooks):
    answer = client.post(f"/hooks/{hooks['rbm']}", json={"clientToken": "c\u00e9",
                                                         "secret": "echo-me"})
    assert answer.status_code == 401 and answer.json["code"] == "invalid_signature"
