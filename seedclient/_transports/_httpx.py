"""The httpx transport (extra ``[httpx]``): an ``httpx.AsyncClient`` behind the Transport protocol.

Streamed bodies go to seedclient's own SSE decoder as bytes, like the aiohttp transport's, so
both transports yield the same events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import httpx

from .._config import DEFAULT_MAX_RESPONSE_BYTES, MAX_ERROR_BODY_BYTES, Timeout
from .._errors import APIConnectionError, APITimeoutError, ConfigurationError, SeedError, too_large
from ._base import Response, TimeoutCache, raise_clean, scrub

__all__ = ["HttpxTransport"]

_FAILURES = (httpx.RequestError, httpx.InvalidURL, httpx.StreamError, OSError)


def _translated(exc: BaseException) -> SeedError:
    """A httpx failure as a seedclient error: its type and scrubbed message, unchained."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out ({type(exc).__name__})")
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return ConfigurationError(f"invalid URL: {scrub(str(exc))}")
    detail = scrub(str(exc)) or "no detail"
    return APIConnectionError(f"connection error: {type(exc).__name__}: {detail}")


async def _read_body(resp: httpx.Response, limit: int, *, cut: bool) -> bytes:
    """The body, decoded, read in pieces: past ``limit``, cut (``cut``) or refused."""
    pieces: list[bytes] = []
    size = 0
    try:
        async for piece in resp.aiter_bytes():
            size += len(piece)
            if size > limit:
                if cut:
                    pieces.append(piece)
                    break
                raise too_large(limit)
            pieces.append(piece)
    finally:
        await resp.aclose()
    return b"".join(pieces)[:limit]


class _HttpxStream:
    """A streamed httpx response behind the StreamResponse protocol."""

    __slots__ = (
        "_chunks",
        "_closed",
        "_closing",
        "_eof",
        "_error",
        "_reader",
        "_resp",
        "headers",
        "status",
    )

    def __init__(self, resp: httpx.Response, closing: set[asyncio.Task[None]]) -> None:
        self._resp = resp
        self._closing = closing
        self._chunks = resp.aiter_bytes()
        self._eof = False
        self._closed = False
        self._error: BaseException | None = None
        self._reader: asyncio.Task[Any] | None = None
        self.status = resp.status_code
        self.headers: Mapping[str, str] = resp.headers

    async def read(self) -> bytes:
        if self._error is not None:
            raise self._error
        if self._eof:
            return b""
        self._reader = task = asyncio.current_task()
        # Cancel requests already counted before this read (3.11+, or a backported Task);
        # some libraries leave stale counts behind, so compare rather than expect zero.
        cancelling = getattr(task, "cancelling", None)
        before = cancelling() if cancelling is not None else 0
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            self._eof = True
            return b""
        except asyncio.CancelledError:
            if self._error is None:
                raise
            # abort() cancelled this read to interrupt it: that cancel is spent here, but
            # a cancel from elsewhere that came at the same time still propagates.
            uncancel = getattr(task, "uncancel", None)
            if uncancel is not None and uncancel() > before:
                raise
            raise self._error from None
        except _FAILURES as exc:
            raise_clean(_translated(exc))
        finally:
            self._reader = None

    async def read_all(self) -> bytes:
        try:
            return await _read_body(self._resp, MAX_ERROR_BODY_BYTES, cut=True)
        except _FAILURES as exc:
            raise_clean(_translated(exc))

    def at_eof(self) -> bool:
        return self._eof

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # httpx closes asynchronously; a read cut short has already dropped the connection.
        with contextlib.suppress(RuntimeError):  # no running loop (interpreter exit)
            task = asyncio.get_running_loop().create_task(self._aclose())
            self._closing.add(task)  # held until done, and awaited by the transport's aclose
            task.add_done_callback(self._closing.discard)

    async def _aclose(self) -> None:
        with contextlib.suppress(*_FAILURES):
            if isinstance(self._chunks, AsyncGenerator):  # stop it here, not in the GC
                await self._chunks.aclose()
            await self._resp.aclose()

    def abort(self, exc: BaseException) -> None:
        self._error = exc
        if self._reader is not None:
            # The read raises exc; httpcore drops the connection on its way out, and the
            # body's generator cannot be closed from here while that read is running.
            self._reader.cancel()
        else:
            self.close()


class HttpxTransport:
    """A transport on ``httpx.AsyncClient``, for code that already configures httpx.

    Install with ``pip install "seedclient[httpx]"``. The aiohttp transport (the default)
    costs less CPU per request; this one brings httpx's features: proxies from the
    environment, HTTP/2 (``httpx.AsyncClient(http2=True)`` with the ``h2`` package), custom
    certificates, ``httpx.MockTransport`` in tests.

    Args:
        client: an ``httpx.AsyncClient`` to send with. It stays the caller's: :meth:`aclose`
            does not close it. Redirects are never followed, whatever the client says.
        max_connections: the pool's size when no ``client`` is given.
        keepalive_timeout: seconds an idle pooled connection is kept when no ``client`` is
            given.
        max_response_bytes: the largest whole response body read, counted decoded (a
            larger one is a ResponseTooLargeError); error bodies are cut at 64 KiB.
    """

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        max_connections: int = 1000,
        keepalive_timeout: float = 30.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if max_connections < 1:
            raise ConfigurationError("max_connections must be at least 1")
        #: The largest response body read (decoded); error bodies stop at 64 KiB.
        self.max_response_bytes = max_response_bytes
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=keepalive_timeout,
            ),
            follow_redirects=False,
        )
        self._closed = False
        self._closing: set[asyncio.Task[None]] = set()
        self._timeouts = TimeoutCache(
            lambda connect, read: httpx.Timeout(None, connect=connect, read=read)
        )

    def _build(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        defaults: Mapping[str, str],
        body: bytes | None,
        connect: float | None,
        read: float | None,
    ) -> httpx.Request:
        if self._closed:
            raise APIConnectionError("the client is closed")
        return self._client.build_request(
            method,
            url,
            content=body,
            headers={**defaults, **headers},
            timeout=self._timeouts.get(connect, read),
        )

    @property
    def connections_in_use(self) -> int:
        """Connections currently serving a request (0 when every stream is released)."""
        pool = getattr(getattr(self._client, "_transport", None), "_pool", None)
        connections = getattr(pool, "connections", ())
        return sum(1 for c in connections if not (c.is_idle() or c.is_closed()))

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        defaults: Mapping[str, str],
        body: bytes | None,
        timeout: Timeout,
    ) -> Response:
        """Send a request and read the whole response."""
        try:
            request = self._build(
                method, url, headers, defaults, body, timeout.connect, timeout.read
            )
            resp = await self._client.send(request, stream=True, follow_redirects=False)
            if resp.status_code >= 300:
                data = await _read_body(resp, MAX_ERROR_BODY_BYTES, cut=True)
            else:
                data = await _read_body(resp, self.max_response_bytes, cut=False)
        except _FAILURES as exc:
            raise_clean(_translated(exc))
        return Response(resp.status_code, resp.headers, data)

    async def stream(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        defaults: Mapping[str, str],
        body: bytes | None,
        timeout: Timeout,
    ) -> _HttpxStream:
        """Send a request and return once the response headers are in."""
        try:
            # No read timeout: the stream's own idle limit ignores keep-alive comments.
            request = self._build(method, url, headers, defaults, body, timeout.connect, None)
            resp = await self._client.send(request, stream=True, follow_redirects=False)
        except _FAILURES as exc:
            raise_clean(_translated(exc))
        return _HttpxStream(resp, self._closing)

    async def aclose(self) -> None:
        """Close the pool (unless the httpx client was passed in). Idempotent."""
        self._closed = True
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self._owns_client:
            await self._client.aclose()
