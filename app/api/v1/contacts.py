"""`/api/v1/contacts` endpoints (declared on the v1 surface)."""
