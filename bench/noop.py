"""A job that does nothing: the baseline of what a worker can drain from Redis."""


def noop() -> None:
    """Return at once."""
