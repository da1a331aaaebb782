"""Tenants and people: partners, access keys, users, passwords, the demo tenant."""
