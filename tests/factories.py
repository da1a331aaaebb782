"""Builders for test data, going through the same services the product uses."""

from __future__ import annotations

from app import money
from app.services.tenancy import partners, users
from app.services.tenancy.partners import ProvisionedPartner


def make_partner(name: str = "Acme", balance: str = "10", sandbox_balance: str = "100"
                 ) -> ProvisionedPartner:
    """A partner with funded wallets and one key per environment."""
    return partners.create_partner(name, money.to_micros(balance),
                                   money.to_micros(sandbox_balance))


def make_user(role: str = "agent", partner_id: str | None = None,
              email: str | None = None, password: str = "correct horse battery"):
    """A login with a known password."""
    email = email or f"{role}-{partner_id or 'platform'}@example.com".lower()
    return users.create_user(email, password, role, partner_id=partner_id)


class ApiClient:
    """The Flask test client with a partner key in `Authorization`, for `/api/v1` tests."""

    def __init__(self, client, key: str):
        self.client = client
        self.key = key

    def _headers(self, headers: dict | None, idempotency_key: str | None) -> dict:
        merged = {"Authorization": f"Bearer {self.key}"}
        if idempotency_key is not None:
            merged["Idempotency-Key"] = idempotency_key
        merged.update(headers or {})
        return merged

    def get(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(headers, None), **kwargs)

    def post(self, path: str, json=None, idempotency_key: str | None = None,
             headers: dict | None = None, **kwargs):
        return self.client.post("/api/v1" + path, json=json,
                                headers=self._headers(headers, idempotency_key), **kwargs)

    def patch(self, path: str, json=None, idempotency_key: str | None = None,
              headers: dict | None = None, **kwargs):
        return self.client.patch("/api/v1" + path, json=json,
                                 headers=self._headers(headers, idempotency_key), **kwargs)

    def delete(self, path: str, idempotency_key: str | None = None,
               headers: dict | None = None, **kwargs):
        return self.client.delete("/api/v1" + path,
                                  headers=self._headers(headers, idempotency_key), **kwargs)
