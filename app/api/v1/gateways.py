"""`/api/v1/gateways` endpoints (declared on the v1 surface)."""
