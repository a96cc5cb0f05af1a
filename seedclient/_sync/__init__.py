"""The sync facade: the async client driven from plain code through one event loop in a
daemon thread (anyio's blocking portal)."""
