"""`/api/v1/templates` endpoints (declared on the v1 surface)."""
