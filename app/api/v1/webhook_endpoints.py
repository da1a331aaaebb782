"""`/api/v1/webhook_endpoints` endpoints (declared on the v1 surface)."""
