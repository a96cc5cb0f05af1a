"""The default transport: one aiohttp ClientSession and TCPConnector per client."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Mapping

import aiohttp

from .._config import DEFAULT_MAX_RESPONSE_BYTES, MAX_ERROR_BODY_BYTES
from .._errors import APIConnectionError, SeedError
from ._base import (
    BaseTransport,
    Request,
    Response,
    TimeoutCache,
    raise_clean,
    read_capped,
    translate,
)
from ._network import ProxyRoutes, SSLOption, keepalive_socket, ssl_context

__all__ = ["AiohttpTransport"]

_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
#: Whether aiohttp takes a socket factory (3.12+): the way to turn TCP keep-alive on.
_SOCKET_FACTORY = "socket_factory" in inspect.signature(aiohttp.TCPConnector).parameters
_TIMEOUTS = (asyncio.TimeoutError, aiohttp.ServerTimeoutError)


def _translated(exc: BaseException) -> SeedError:
    """An aiohttp or asyncio failure as a seedclient error."""
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        where = exc.request_info.real_url  # the proxy: said without its credentials
        return APIConnectionError(
            f"the proxy at {where.host}:{where.port} refused the connection: "
            f"{exc.status} {exc.message}"
        )
    return translate(exc, timeouts=_TIMEOUTS, invalid_url=(aiohttp.InvalidURL,))


def _settle_malloc() -> None:
    """Let glibc serve asyncio's socket reads from its heap instead of fresh mappings.

    asyncio reads a socket into a new 256 KiB bytes object and shrinks it to what arrived.
    glibc's malloc maps blocks that large with mmap until one such block has been freed
    whole, which raises its dynamic mmap threshold; until that happens by chance, every read
    costs an mmap, an mremap, a munmap and a page fault: in the benchmarks, half the system
    CPU time and up to 20% of the whole per request. Freeing one 1 MiB block settles it for
    the process. With another allocator this is one short-lived allocation.
    """
    bytes(1 << 20)  # zeroed by calloc: no page is touched


def _small(resp: aiohttp.ClientResponse, limit: int) -> bool:
    """Whether the body is known to fit ``limit`` as it arrives: read in one call then."""
    headers = resp.headers
    length = headers.get("Content-Length")
    return length is not None and "Content-Encoding" not in headers and int(length) <= limit


async def _read_body(resp: aiohttp.ClientResponse, limit: int, *, cut: bool) -> bytes:
    """The body, decoded, read in pieces: past ``limit``, cut (``cut``) or refused.

    aiohttp inflates a compressed body as it arrives, one network read at a time, so the
    pieces stay small whatever they inflate to.
    """
    if _small(resp, limit):
        return await resp.read()  # one read, no decoding to watch
    try:
        return await read_capped(resp.content.iter_any(), limit, cut=cut)
    finally:
        if not resp.content.at_eof():
            resp.close()  # the rest is not read: the connection goes


class _AiohttpStream:
    """A streamed aiohttp response behind the StreamResponse protocol."""

    __slots__ = ("_content", "_resp", "headers", "status")

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp
        self._content = resp.content
        self.status = resp.status
        self.headers: Mapping[str, str] = resp.headers

    async def read(self) -> bytes:
        try:
            return await self._content.readany()
        except _FAILURES as exc:
            raise_clean(_translated(exc))

    async def read_all(self) -> bytes:
        try:
            return await _read_body(self._resp, MAX_ERROR_BODY_BYTES, cut=True)
        except _FAILURES as exc:
            raise_clean(_translated(exc))

    def at_eof(self) -> bool:
        return self._content.at_eof()

    def close(self) -> None:
        if self._content.at_eof():
            self._resp.release()
        else:
            self._resp.close()

    def abort(self, exc: BaseException) -> None:
        self._content.set_exception(exc)
        self._resp.close()


class AiohttpTransport(BaseTransport):
    """The default transport: one aiohttp ``ClientSession`` with a keep-alive pool.

    Args:
        max_connections: the connection pool's size. The default (1000) does not throttle a
            batch of several hundred concurrent requests; connections are kept alive and
            reused.
        keepalive_timeout: seconds an idle pooled connection is kept.
        max_response_bytes: the largest whole response body read, counted decoded (a
            larger one is a ResponseTooLargeError); error bodies are cut at 64 KiB.
        proxy: an ``http://`` proxy URL for every request (credentials may be in it; they
            are never logged). Without it, ``HTTP_PROXY`` / ``HTTPS_PROXY`` /
            ``ALL_PROXY`` and ``NO_PROXY`` are honoured (``trust_env``). An https request
            goes through the proxy as a CONNECT tunnel: the proxy never sees the key.
        ssl: an ``ssl.SSLContext``, or a CA bundle file or folder, to verify servers with
            (default: the system's, which honours ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``).
        trust_env: read the proxy variables (read once, when the transport is made).

    Pooled connections have TCP keep-alive on (aiohttp 3.12 and later).
    """

    def __init__(
        self,
        *,
        max_connections: int = 1000,
        keepalive_timeout: float = 30.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        proxy: str | None = None,
        ssl: SSLOption = None,
        trust_env: bool = True,
    ) -> None:
        super().__init__(max_connections=max_connections, max_response_bytes=max_response_bytes)
        self._max_connections = max_connections
        self._keepalive = keepalive_timeout
        self._ssl = ssl_context(ssl)
        routes = ProxyRoutes(proxy, trust_env=trust_env)
        self._proxies = routes if routes.active else None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._defaults: Mapping[str, str] | None = None
        self._timeouts = TimeoutCache(
            lambda connect, read: aiohttp.ClientTimeout(
                total=None, sock_connect=connect, sock_read=read
            )
        )

    def _get_session(self, defaults: Mapping[str, str]) -> aiohttp.ClientSession:
        if self._closed:
            raise APIConnectionError("the client is closed")
        if self._session is None:
            _settle_malloc()
            options: dict[str, object] = {}
            if _SOCKET_FACTORY:
                options["socket_factory"] = keepalive_socket
            if self._ssl is not None:
                options["ssl"] = self._ssl
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                limit_per_host=0,
                keepalive_timeout=self._keepalive,
                **options,  # type: ignore[arg-type]
            )
            # The first client's headers become the session's: merged by aiohttp in C,
            # instead of once per request in Python.
            self._defaults = defaults
            self._loop = asyncio.get_running_loop()
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=None),
                headers=defaults,
            )
        return self._session

    async def _moved_loop(self) -> bool:
        """After a failure: whether the session belonged to a finished event loop (then dropped).

        A client kept across two ``asyncio.run()`` calls meets its old loop's session, closed
        with that loop. Checked only when a request fails, so the hot path pays nothing.
        """
        old = self._loop
        if self._session is None or old is None or old is asyncio.get_running_loop():
            return False
        if not old.is_closed():
            raise APIConnectionError(
                "this client's connections belong to another event loop that is still "
                "running; use a client on the loop that made it, or one client per loop"
            )
        session, self._session = self._session, None
        await session.close()  # its loop is gone: nothing to wait for, it is only marked closed
        return True

    def _send(self, request: Request, read: float | None) -> Awaitable[aiohttp.ClientResponse]:
        """Start a request: a plain function returning aiohttp's awaitable, so no extra frame."""
        defaults = request.client_headers
        session = self._session  # None until the first request, and once closed
        if session is None:
            session = self._get_session(defaults)
        headers = request.headers
        if defaults is not self._defaults:  # another client sharing this transport
            headers = {**defaults, **headers}
        proxies = self._proxies
        return session.request(
            request.method,
            request.url,
            data=request.body,
            headers=headers,
            timeout=self._timeouts.get(request.timeout.connect, read),
            allow_redirects=False,
            proxy=None if proxies is None else proxies.for_url(request.url),
        )

    @property
    def connections_in_use(self) -> int:
        """Connections currently checked out of the pool (0 when every stream is released)."""
        if self._session is None:
            return 0
        acquired = getattr(self._session.connector, "_acquired", ())
        return len(acquired)

    async def handle(self, request: Request) -> Response | _AiohttpStream:
        """Send a request: the whole response, or with ``request.stream`` the open stream."""
        # A stream's idle and first-event limits are its own: they must ignore keep-alive
        # comments, which a socket read timeout cannot.
        stream = request.stream
        read = None if stream else request.timeout.read
        try:
            try:
                resp = await self._send(request, read)
            except RuntimeError:  # a client kept across asyncio.run() calls: once more
                if not await self._moved_loop():
                    raise
                resp = await self._send(request, read)
            if stream:
                return _AiohttpStream(resp)
            try:
                if resp.status >= 300:
                    data = await _read_body(resp, MAX_ERROR_BODY_BYTES, cut=True)
                elif _small(resp, self.max_response_bytes):
                    data = await resp.read()  # the usual answer: no extra frame
                else:
                    data = await _read_body(resp, self.max_response_bytes, cut=False)
            finally:
                resp.release()
        except _FAILURES as exc:
            raise_clean(_translated(exc))
        return Response(resp.status, resp.headers, data)

    async def aclose(self) -> None:
        """Close every connection. Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def abandon(self) -> bool:
        """Close the pooled connections now, without awaiting (the owner was dropped).

        ``ClientSession.close`` is a coroutine, and a dropped client may have no loop left
        to run one on; aiohttp would then print a warning per session and per connection.
        The session is detached (aiohttp counts it closed) and its connector's sockets are
        closed at once (its ``_close``: aiohttp has no public synchronous close).
        """
        self._closed = True
        session, self._session = self._session, None
        if session is None:
            return False
        connector = session.connector
        session.detach()
        if connector is not None:
            with contextlib.suppress(Exception):  # a loop already closed: nothing to close
                connector._close()
        return True
