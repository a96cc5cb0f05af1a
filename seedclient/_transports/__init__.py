"""Transports: the only modules that import an HTTP library.

The default transport (aiohttp) is imported lazily, so ``import seedclient`` stays cheap.
"""

from __future__ import annotations

from ._base import BaseTransport, Request, Response, StreamResponse, Transport
from ._network import SSLOption

__all__ = [
    "BaseTransport",
    "Request",
    "Response",
    "StreamResponse",
    "Transport",
    "default_transport",
]


def default_transport(
    max_connections: int,
    max_response_bytes: int,
    proxy: str | None = None,
    ssl: SSLOption = None,
) -> Transport:
    """The aiohttp transport, imported on first use."""
    from ._aiohttp import AiohttpTransport

    return AiohttpTransport(
        max_connections=max_connections,
        max_response_bytes=max_response_bytes,
        proxy=proxy,
        ssl=ssl,
    )
