"""Outbound webhooks: endpoints and secrets, fan-out and delivery, signing, the log, SSRF checks."""
