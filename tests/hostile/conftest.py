"""Hostile servers written for these tests: raw asyncio on 127.0.0.1, every loop bounded."""

from __future__ import annotations

import asyncio
import contextlib
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from seedclient import SeedClient
from seedclient.transports import AiohttpTransport, HttpxTransport

KEY = "sk-hostile-KEY-5f0c1e9a77"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[str]:
    """A raw TCP server running ``handler`` per connection; yields its base URL."""
    hits: list[int] = []

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(1)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    server = await asyncio.start_server(guarded, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()
        # Connections still open end with the test: cancel their handlers.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)


def head(status: str, headers: dict[str, str]) -> bytes:
    """An HTTP/1.1 response head."""
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """Read one HTTP request (headers and a Content-Length body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + await reader.readexactly(length)


@pytest.fixture(params=["aiohttp", "httpx"])
async def make_client(request: pytest.FixtureRequest) -> AsyncIterator[Callable[..., SeedClient]]:
    """Clients on the transport under test; closed after."""
    made: list[Any] = []

    def make(url: str, **kw: Any) -> SeedClient:
        limit = kw.pop("max_response_bytes", None)
        opts = {} if limit is None else {"max_response_bytes": limit}
        t = AiohttpTransport(**opts) if request.param == "aiohttp" else HttpxTransport(**opts)
        made.append(t)
        return SeedClient(base_url=url, api_key=KEY, transport=t, **opts, **kw)

    yield make
    for t in made:
        await t.aclose()


@contextlib.contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of Python allocations inside the block, in bytes (tracemalloc)."""
    out: list[int] = []
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield out
    finally:
        out.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
