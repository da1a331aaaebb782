"""`/api/v1/usage` endpoints (declared on the v1 surface)."""
