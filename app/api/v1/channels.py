"""`/api/v1/channels` endpoints (declared on the v1 surface)."""
