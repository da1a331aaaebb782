"""`/api/v1/messages` endpoints (declared on the v1 surface)."""
