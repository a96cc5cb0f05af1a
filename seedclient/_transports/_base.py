"""The transport seam: one [Request][seedclient.transports.Request] value in, a Response or
StreamResponse out.

A transport raises only seedclient errors: [APIConnectionError][seedclient.APIConnectionError] and
[APITimeoutError][seedclient.APITimeoutError] for failures below HTTP, nothing for an error status
(the client maps statuses). Response header mappings must be case-insensitive. A transport
applies the connect and read timeouts; the total deadline is the caller's.

A request carries two header mappings: ``client_headers``, the same object on every call of
a client (key, content type, user agent), and ``headers``, this request's own. A transport
may install ``client_headers`` once instead of merging them into every request.

[BaseTransport][seedclient.transports.BaseTransport] holds what every transport shares: the option
checks, the closed state, the async context manager, foreign errors translated in one place
(``translate``) and bodies read under a cap in bounded steps (``read_capped``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Generic, NoReturn, Protocol, TypeVar

from anyio.abc import AsyncResource

from .._config import Timeout
from .._errors import APIConnectionError, APITimeoutError, ConfigurationError, SeedError, too_large

__all__ = [
    "BaseTransport",
    "Request",
    "Response",
    "StreamResponse",
    "TimeoutCache",
    "Transport",
    "raise_clean",
    "read_capped",
    "scrub",
    "translate",
]

_SECRET = re.compile(r"(Bearer\s+|[Aa]uthorization['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+")


def raise_clean(error: BaseException) -> NoReturn:
    """Raise ``error`` with no ``__context__``, whatever exception is being handled.

    Called inside the ``except`` clause that caught a foreign exception: the translated
    error must not chain it (it may hold the request headers). Clearing the context as the
    error propagates also covers Python 3.10, where an awaited library's inner exception can
    still be the one "being handled".
    """
    try:
        raise error
    finally:
        error.__context__ = None


def scrub(text: str) -> str:
    """``text`` with any bearer token or Authorization value replaced by ``***``.

    Foreign exceptions are translated to seedclient's with their type and this scrubbed
    message, and raised with ``raise_clean``, so that no ``__cause__`` or
    ``__context__`` keeps an object (aiohttp's request info, httpx's request) that holds the
    request headers, the key among them.
    """
    return _SECRET.sub(r"\1***", text)


_T = TypeVar("_T")


class TimeoutCache(Generic[_T]):
    """An HTTP library's timeout objects by (connect, read), each made once.

    Most calls share one [Timeout][seedclient.Timeout], so a transport needs only a few such
    objects; the cache stops growing at 64 (later combinations are made per call).
    """

    __slots__ = ("_cache", "_make")

    def __init__(self, make: Callable[[float | None, float | None], _T]) -> None:
        self._make = make
        self._cache: dict[tuple[float | None, float | None], _T] = {}

    def get(self, connect: float | None, read: float | None) -> _T:
        """The timeout object for these connect and read limits."""
        key = (connect, read)
        made = self._cache.get(key)
        if made is None:
            made = self._make(connect, read)
            if len(self._cache) < 64:
                self._cache[key] = made
        return made


def translate(
    exc: BaseException,
    *,
    timeouts: tuple[type[BaseException], ...],
    invalid_url: tuple[type[BaseException], ...],
) -> SeedError:
    """A foreign failure as a seedclient error: its type and scrubbed message, unchained.

    ``timeouts`` and ``invalid_url`` are the library's exception types for those two cases;
    anything else below HTTP is an [APIConnectionError][seedclient.APIConnectionError]. Raise the
    result with ``raise_clean``.
    """
    if isinstance(exc, timeouts):
        return APITimeoutError(f"request timed out ({type(exc).__name__})")
    if isinstance(exc, invalid_url):
        return ConfigurationError(f"invalid URL: {scrub(str(exc))}")
    detail = scrub(str(exc)) or "no detail"
    return APIConnectionError(f"connection error: {type(exc).__name__}: {detail}")


async def read_capped(pieces: AsyncIterator[bytes], limit: int, *, cut: bool) -> bytes:
    """A body from its decoded ``pieces``: past ``limit`` bytes it is cut (``cut``, for error
    bodies) or refused with [ResponseTooLargeError][seedclient.ResponseTooLargeError].

    The caller makes the pieces small (a transport decodes compressed bodies in bounded
    steps), so memory stays within the limit plus one piece whatever the server sends.
    """
    kept: list[bytes] = []
    size = 0
    async for piece in pieces:
        size += len(piece)
        kept.append(piece)
        if size > limit:
            if not cut:
                raise too_large(limit)
            break
    return b"".join(kept)[:limit]


class Request:
    """One HTTP request as a transport receives it: built once, sent on every attempt.

    Attributes:
        method: ``"POST"``, ``"GET"``...
        url: the full URL.
        headers: this request's own headers.
        client_headers: the client's headers, the same object on every request of a client.
        body: the encoded body, or None.
        timeout: the client's timeouts (a transport applies ``connect`` and ``read``).
        stream: whether the body is to be read as it arrives (a
            [StreamResponse][seedclient.transports.StreamResponse]).
    """

    __slots__ = ("body", "client_headers", "headers", "method", "stream", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        client_headers: Mapping[str, str],
        body: bytes | None,
        timeout: Timeout,
        stream: bool = False,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.client_headers = client_headers
        self.body = body
        self.timeout = timeout
        self.stream = stream

    def __repr__(self) -> str:  # no headers: the key is among them
        return f"Request({self.method} {self.url}, stream={self.stream})"


class Response:
    """A complete (non-streamed) HTTP response."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class StreamResponse(Protocol):
    """An HTTP response whose body is read as it arrives."""

    status: int
    headers: Mapping[str, str]

    async def read(self) -> bytes:
        """The next bytes of the body as they arrive; ``b""`` at its end."""
        ...

    async def read_all(self) -> bytes:
        """The rest of the body (used for error responses, which are small)."""
        ...

    def at_eof(self) -> bool:
        """Whether the whole body has been received."""
        ...

    def close(self) -> None:
        """Release the connection: back to the pool if the body was read, else aborted."""
        ...

    def abort(self, exc: BaseException) -> None:
        """Make a pending or later ``read`` raise ``exc`` and drop the connection.

        Called from a timer callback (no await), e.g. when a stream's idle timeout fires.
        """
        ...


class Transport(Protocol):
    """What [SeedClient][seedclient.SeedClient] needs from an HTTP stack."""

    async def handle(self, request: Request) -> Response | StreamResponse:
        """Send ``request``: its whole [Response][seedclient.transports.Response], or with
        ``request.stream`` a
        [StreamResponse][seedclient.transports.StreamResponse] once the response headers are in."""
        ...

    async def aclose(self) -> None:
        """Close every connection. Idempotent."""
        ...


class BaseTransport(AsyncResource):
    """What the transports that come with seedclient share (subclass it for your own).

    Args:
        max_connections: the connection pool's size (at least 1).
        max_response_bytes: the largest whole response body read, counted decoded (a
            larger one is a [ResponseTooLargeError][seedclient.ResponseTooLargeError]); error bodies
            are cut at 64 KiB.
    """

    def __init__(self, *, max_connections: int, max_response_bytes: int) -> None:
        if max_connections < 1:
            raise ConfigurationError("max_connections must be at least 1")
        #: The largest response body read (decoded); error bodies stop at 64 KiB.
        self.max_response_bytes = max_response_bytes
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise APIConnectionError("the client is closed")

    async def handle(self, request: Request) -> Response | StreamResponse:
        """Send ``request`` (see [Transport][seedclient.transports.Transport])."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Close every connection. Idempotent."""
        self._closed = True

    def abandon(self) -> bool:
        """Close what can be closed without an event loop (its owner was dropped unclosed);
        whether anything was open."""
        self._closed = True
        return False
