"""RQ job functions. Each takes ids, resolves objects itself and calls app.services."""
