"""The Transport protocol: send a request, open an event stream, close.

A transport raises only seedclient errors: :class:`~seedclient.APIConnectionError` and
:class:`~seedclient.APITimeoutError` for failures below HTTP, nothing for an error status
(the client maps statuses). Response header mappings must be case-insensitive. A transport
applies the connect and read timeouts; the total deadline is the caller's.

Each request gets two header mappings: ``defaults``, the same object on every call of a
client (key, content type, user agent), and ``headers``, this request's own. A transport may
install ``defaults`` once instead of merging them into every request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Generic, NoReturn, Protocol, TypeVar

from .._config import Timeout

__all__ = ["Response", "StreamResponse", "TimeoutCache", "Transport", "raise_clean", "scrub"]

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
    message, and raised with :func:`raise_clean`, so that no ``__cause__`` or
    ``__context__`` keeps an object (aiohttp's request info, httpx's request) that holds the
    request headers, the key among them.
    """
    return _SECRET.sub(r"\1***", text)


_T = TypeVar("_T")


class TimeoutCache(Generic[_T]):
    """An HTTP library's timeout objects by (connect, read), each made once.

    Most calls share one :class:`Timeout`, so a transport needs only a few such objects;
    the cache stops growing at 64 (later combinations are made per call).
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
        """Make a pending or later :meth:`read` raise ``exc`` and drop the connection.

        Called from a timer callback (no await), e.g. when a stream's idle timeout fires.
        """
        ...


class Transport(Protocol):
    """What :class:`~seedclient.SeedClient` needs from an HTTP stack."""

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
        ...

    async def stream(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        defaults: Mapping[str, str],
        body: bytes | None,
        timeout: Timeout,
    ) -> StreamResponse:
        """Send a request and return once the response headers are in."""
        ...

    async def aclose(self) -> None:
        """Close every connection. Idempotent."""
        ...
