"""The HTTP stacks a [SeedClient][seedclient.SeedClient] can send with.

``SeedClient(transport=...)`` takes any object that implements
[Transport][seedclient.transports.Transport]: one ``handle(request)`` method that takes a
[Request][seedclient.transports.Request] and returns a [Response][seedclient.transports.Response]
(or, for ``request.stream``, a [StreamResponse][seedclient.transports.StreamResponse]), and
``aclose()``. [BaseTransport][seedclient.transports.BaseTransport] is a base for your own. Two come
with seedclient: [AiohttpTransport][seedclient.transports.AiohttpTransport], the default, and
[HttpxTransport][seedclient.transports.HttpxTransport] (needs ``pip install "seedclient[httpx]"``).
Each is imported on first use, so importing this module loads neither HTTP library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._transports import BaseTransport, Request, Response, StreamResponse, Transport

if TYPE_CHECKING:
    from ._transports._aiohttp import AiohttpTransport
    from ._transports._httpx import HttpxTransport

__all__ = [
    "AiohttpTransport",
    "BaseTransport",
    "HttpxTransport",
    "Request",
    "Response",
    "StreamResponse",
    "Transport",
]


def __getattr__(name: str) -> Any:
    if name == "AiohttpTransport":
        from ._transports._aiohttp import AiohttpTransport

        return AiohttpTransport
    if name == "HttpxTransport":
        try:
            from ._transports._httpx import HttpxTransport
        except ImportError as exc:
            raise ImportError(
                'HttpxTransport needs the httpx extra: pip install "seedclient[httpx]"'
            ) from exc
        return HttpxTransport
    raise AttributeError(f"module 'seedclient.transports' has no attribute {name!r}")
