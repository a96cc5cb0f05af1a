"""The httpx transport (extra ``[httpx]``): an ``httpx.AsyncClient`` behind the Transport protocol.

Streamed bodies go to seedclient's own SSE decoder as bytes, like the aiohttp transport's, so
both transports yield the same events.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

import httpx

from .._config import DEFAULT_MAX_RESPONSE_BYTES, MAX_ERROR_BODY_BYTES
from .._errors import APIConnectionError, ConfigurationError, SeedError
from ._base import (
    BaseTransport,
    Request,
    Response,
    TimeoutCache,
    raise_clean,
    read_capped,
    translate,
)
from ._network import ProxyRoutes, SSLOption, ssl_context

__all__ = ["HttpxTransport"]

_FAILURES = (httpx.RequestError, httpx.InvalidURL, httpx.StreamError, OSError)
#: The most bytes one step of inflating a compressed body may produce.
_INFLATE_STEP = 64 * 1024
#: Only encodings this module inflates in bounded steps are asked for.
_ACCEPT_ENCODING = {"Accept-Encoding": "gzip, deflate"}


def _translated(exc: BaseException) -> SeedError:
    """A httpx failure as a seedclient error."""
    return translate(
        exc,
        timeouts=(httpx.TimeoutException,),
        invalid_url=(httpx.InvalidURL, httpx.UnsupportedProtocol),
    )


async def _decoded(resp: httpx.Response) -> AsyncIterator[bytes]:
    """The body, decoded, in pieces of at most 64 KiB whatever each network read inflates to.

    httpx's own decoders inflate a whole network read at once: one 64 KiB read of a gzip
    bomb becomes ~64 MB in one step. zlib's ``max_length`` bounds each step here (httpx has
    no such option, hence this decoder). Encodings other than gzip and deflate, which the
    request does not ask for, fall back to httpx's decoders.
    """
    if resp.is_stream_consumed:  # read into memory already (httpx.MockTransport's answers)
        yield resp.content
        return
    encoding = resp.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        async for piece in resp.aiter_raw():
            yield piece
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        async for piece in resp.aiter_bytes():
            yield piece
        return
    # gzip: its header; deflate: a zlib stream (raw deflate is tried if that fails at once)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
    started = False
    async for data in resp.aiter_raw():
        while data:
            try:
                out = inflater.decompress(data, _INFLATE_STEP)
            except zlib.error as exc:
                if started or encoding != "deflate":
                    raise APIConnectionError(
                        f"the {encoding} body does not decode: {exc}"
                    ) from None
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                started = True
                continue
            started = True
            data = inflater.unconsumed_tail
            if out:
                yield out
    tail = inflater.flush()
    if tail:
        yield tail


async def _read_body(resp: httpx.Response, limit: int, *, cut: bool) -> bytes:
    """The body, decoded in bounded steps: past ``limit``, cut (``cut``) or refused."""
    try:
        return await read_capped(_decoded(resp), limit, cut=cut)
    finally:
        await resp.aclose()


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
        self._chunks = _decoded(resp)
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


class HttpxTransport(BaseTransport):
    """A transport on ``httpx.AsyncClient``, for code that already configures httpx.

    Install with ``pip install "seedclient[httpx]"``. The aiohttp transport (the default)
    costs less CPU per request; this one brings httpx's features: proxies from the
    environment, HTTP/2 (``httpx.AsyncClient(http2=True)`` with the ``h2`` package), custom
    certificates, ``httpx.MockTransport`` in tests.

    Args:
        client: an ``httpx.AsyncClient`` to send with. It stays the caller's: ``aclose``
            does not close it. Redirects are never followed, whatever the client says.
        max_connections: the pool's size when no ``client`` is given.
        keepalive_timeout: seconds an idle pooled connection is kept when no ``client`` is
            given.
        max_response_bytes: the largest whole response body read, counted decoded (a
            larger one is a ResponseTooLargeError); error bodies are cut at 64 KiB.
        proxy: a proxy URL for every request when no ``client`` is given (else httpx reads
            ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY``).
        ssl: an ``ssl.SSLContext``, or a CA bundle file or folder, when no ``client`` is
            given (default: httpx's, which honours ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``).
    """

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        max_connections: int = 1000,
        keepalive_timeout: float = 30.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        proxy: str | None = None,
        ssl: SSLOption = None,
    ) -> None:
        super().__init__(max_connections=max_connections, max_response_bytes=max_response_bytes)
        self._owns_client = client is None
        if client is not None and (proxy is not None or ssl is not None):
            raise ConfigurationError("pass proxy= and ssl= to your httpx.AsyncClient instead")
        context = ssl_context(ssl)
        if proxy is not None:
            ProxyRoutes(proxy)  # the same check of the URL as the default transport's
        self._client = client or httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=keepalive_timeout,
            ),
            follow_redirects=False,
            proxy=proxy,
            verify=True if context is None else context,
        )
        self._closing: set[asyncio.Task[None]] = set()
        self._timeouts = TimeoutCache(
            lambda connect, read: httpx.Timeout(None, connect=connect, read=read)
        )

    @property
    def connections_in_use(self) -> int:
        """Connections currently serving a request (0 when every stream is released)."""
        pool = getattr(getattr(self._client, "_transport", None), "_pool", None)
        connections = getattr(pool, "connections", ())
        return sum(1 for c in connections if not (c.is_idle() or c.is_closed()))

    async def handle(self, request: Request) -> Response | _HttpxStream:
        """Send a request: the whole response, or with ``request.stream`` the open stream."""
        self._check_open()
        timeout = request.timeout
        # No read timeout on a stream: its own idle limit ignores keep-alive comments.
        read = None if request.stream else timeout.read
        try:
            built = self._client.build_request(
                request.method,
                request.url,
                content=request.body,
                headers={**request.client_headers, **_ACCEPT_ENCODING, **request.headers},
                timeout=self._timeouts.get(timeout.connect, read),
            )
            resp = await self._client.send(built, stream=True, follow_redirects=False)
            if request.stream:
                return _HttpxStream(resp, self._closing)
            if resp.status_code >= 300:
                data = await _read_body(resp, MAX_ERROR_BODY_BYTES, cut=True)
            else:
                data = await _read_body(resp, self.max_response_bytes, cut=False)
        except _FAILURES as exc:
            raise_clean(_translated(exc))
        return Response(resp.status_code, resp.headers, data)

    async def aclose(self) -> None:
        """Close the pool (unless the httpx client was passed in). Idempotent."""
        self._closed = True
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self._owns_client:
            await self._client.aclose()
