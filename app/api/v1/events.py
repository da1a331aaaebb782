"""`/api/v1/events` endpoints (declared on the v1 surface)."""
