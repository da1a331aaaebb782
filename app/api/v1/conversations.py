"""`/api/v1/conversations` endpoints (declared on the v1 surface)."""
