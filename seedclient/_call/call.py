"""One logical HTTP call: its headers, its deadline, and its retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn

import anyio
import msgspec

from .._clock import SYSTEM_CLOCK, Clock
from .._errors import APIConnectionError, APIResponseValidationError, APITimeoutError, SeedError
from .._telemetry.hooks import (
    CallFailed,
    CallFinished,
    FirstToken,
    HookEvent,
    Hooks,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
)
from .._transports import Request, Response, StreamResponse, Transport
from .._wire.errors import status_error
from .._wire.headers import request_id_of
from .deadlines import HAS_UNCANCEL, Deadline, timer_deadline
from .raw import RAW
from .retry import RetryPolicy

__all__ = ["Call", "malformed", "refuse_non_stream"]

log = logging.getLogger("seedclient.retry")


#: The deadline of an attempt bounded otherwise (by a timer, on Python 3.10).
_NO_DEADLINE = Deadline(None)


class Call:
    """A request that may be sent several times, all within one total deadline.

    The deadline bounds every attempt and every retry sleep, so ``max_retries`` times a
    timeout can never add up past ``timeout.total``.
    """

    __slots__ = (
        "clock",
        "deadline",
        "ended",
        "hooks",
        "limited",
        "model",
        "operation",
        "policy",
        "request",
        "retries",
        "started",
        "timeout",
        "transport",
    )
    operation: str
    model: str | None
    started: float
    ended: bool
    limited: bool

    def __init__(
        self,
        transport: Transport,
        policy: RetryPolicy,
        request: Request,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.clock = clock
        self.transport = transport
        self.policy = policy
        self.request = request
        self.timeout = timeout = request.timeout
        total = timeout.total
        self.deadline = None if total is None else clock.monotonic() + total
        self.retries = 0
        #: The client's hooks (None: none, and no event is built); set by the Requester
        #: with ``operation``, ``model`` and ``started``.
        self.hooks: Hooks | None = None

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline); raises once it passed."""
        if self.deadline is None:
            return None
        left = self.deadline - self.clock.monotonic()
        if left <= 0:
            raise APITimeoutError(self.expired())
        return left

    def expired(self) -> str:
        """What a timeout error says when the total deadline has passed."""
        return (
            f"total deadline of {self.timeout.total:g}s exceeded"
            f" after {self.retries + 1} attempt(s)"
        )

    async def retry_or_raise(
        self, error: SeedError, headers: Mapping[str, str] | None = None
    ) -> None:
        """Sleep before the next attempt, or raise ``error`` if it should not be retried."""
        try:
            if not self.policy.is_retryable(error, headers):
                raise error
            try:
                remaining = self.remaining()
            except APITimeoutError as timeout:
                raise timeout from error
            wait = self.policy.delay(error, self.retries, remaining)
            if wait is None:
                raise error
        except SeedError as final:
            if self.hooks is not None:
                self.failed(final)
            raise
        if self.hooks is not None:
            self._emit(
                RetryScheduled,
                attempt=self.retries + 1,
                reason=type(error).__name__,
                status=getattr(error, "status_code", None),
                delay=wait,
                retry_after=getattr(error, "retry_after", None),
                request_id=getattr(error, "request_id", None),
            )
        log.info(
            "retrying %s %s in %.3fs (retry %d of %d) after %s (request id %s)",
            self.request.method,
            self.request.url.partition("?")[0],  # (a gateway's query may hold a key)
            wait,
            self.retries + 1,
            self.policy.max_retries,
            error,
            getattr(error, "request_id", None),
        )
        self.retries += 1
        await self.clock.sleep(wait)

    def _begin(self) -> tuple[Awaitable[Any], Deadline]:
        """Start one attempt under what is left of the total deadline: what to await, and
        the deadline to ``end`` after it (``_cancelled`` on a cancellation).

        A plain function, not a coroutine: awaiting the transport straight from the retry
        loop keeps one coroutine fewer between the caller and the socket, which each
        wake-up of the call passes through.
        """
        remaining = None
        if self.deadline is not None:  # self.remaining(), inlined: this runs every call
            remaining = self.deadline - self.clock.monotonic()
            if remaining <= 0:
                raise APITimeoutError(self.expired())
        stream = self.request.stream
        if self.hooks is not None:
            self._sending()
        sent = self.transport.handle(self.request)
        # The wait for the response headers has its own limit (a server that dribbles its
        # headers must not hold the call until the total deadline): first_event for a
        # stream, headers for a whole response.
        limit = self.timeout.first_event if stream else self.timeout.headers
        self.limited = limit is not None and (remaining is None or limit < remaining)
        if self.limited:
            remaining = limit
        if not HAS_UNCANCEL:  # pragma: no cover - Python 3.10
            return self._timer_bounded(sent, remaining), _NO_DEADLINE
        return sent, Deadline(remaining)

    async def _timer_bounded(
        self, sent: Awaitable[Any], seconds: float | None
    ) -> Any:  # pragma: no cover - Python 3.10
        async with timer_deadline(seconds, self._timed_out()):
            return await sent

    def _cancelled(self, watch: Deadline) -> None:
        """An attempt was cancelled: raise a timeout if the deadline did it."""
        if watch.timed_out():
            raise APITimeoutError(self._timed_out()) from None

    def _received(self, resp: Response | StreamResponse) -> None:
        assert self.hooks is not None
        self._emit(
            ResponseReceived,
            attempt=self.retries + 1,
            status=resp.status,
            request_id=request_id_of(resp.headers),
            headers=resp.headers,
        )

    def _sending(self) -> None:
        request = self.request
        self._emit(
            RequestSent,
            attempt=self.retries + 1,
            method=request.method,
            url=request.url,
            stream=request.stream,
            body=request.body,
        )

    def _timed_out(self) -> str:
        """What an attempt's timeout says: the header limit's, or the total deadline's."""
        if not self.limited:
            return self.expired()
        stream = self.request.stream
        limit = self.timeout.first_event if stream else self.timeout.headers
        name = "first_event" if stream else "headers"
        return f"no response headers within {limit:g}s ({name} timeout)"

    async def send_decoded(
        self,
        decoder: msgspec.json.Decoder[Any],
        what: str,
        finish: Callable[[Any, Response], Any] | None = None,
    ) -> Any:
        """Send until a 2xx answer decodes, an error not worth retrying, or the deadline.

        The decoder's type has a ``request_id`` field: it gets the response's. Returns the
        value, or ``finish(value, response)``: the caller's own reading of the response,
        done here so that the caller needs no coroutine of its own. A malformed 2xx body is
        retried like a 5xx.
        """
        while True:
            sent, watch = self._begin()
            try:
                try:
                    resp: Response = await sent
                except asyncio.CancelledError:
                    self._cancelled(watch)
                    raise
                finally:
                    watch.end()
            except APIConnectionError as exc:
                await self.retry_or_raise(exc)
                continue
            if self.hooks is not None:
                self._received(resp)
            if resp.status >= 300:
                await self.retry_or_raise(
                    status_error(resp.status, resp.body, resp.headers), resp.headers
                )
                continue
            try:
                value = decoder.decode(resp.body)
            except msgspec.DecodeError as exc:
                await self.retry_or_raise(malformed(resp, what, exc), resp.headers)
                continue
            value.request_id = request_id_of(resp.headers)
            raw = RAW.get()
            if raw is not None:
                raw.take(resp.status, resp.headers, self.retries)
            result = value if finish is None else finish(value, resp)
            if self.hooks is not None:
                self.finished(result, False, value.request_id)
            return result

    async def open_stream(self) -> StreamResponse:
        """Open an event stream: retried until its response headers say 2xx."""
        while True:
            # The attempt as in send_decoded, written out in each so that the transport is
            # awaited from the retry loop itself (no coroutine of its own per request).
            sent, watch = self._begin()
            try:
                try:
                    stream: StreamResponse = await sent
                except asyncio.CancelledError:
                    self._cancelled(watch)
                    raise
                finally:
                    watch.end()
            except APIConnectionError as exc:
                await self.retry_or_raise(exc)
                continue
            if self.hooks is not None:
                self._received(stream)
            if stream.status < 300:
                raw = RAW.get()
                if raw is not None:
                    raw.take(stream.status, stream.headers, self.retries)
                return stream
            try:
                async with timer_deadline(self.remaining(), self.expired()):
                    body = await stream.read_all()  # an error body: cut at 64 KiB
            except APIConnectionError:
                body = b""
            finally:
                stream.close()
            await self.retry_or_raise(
                status_error(stream.status, body, stream.headers), stream.headers
            )

    # ------------------------------------------------------------------ hooks

    def _emit(self, kind: type[HookEvent], **fields: Any) -> None:
        assert self.hooks is not None
        self.hooks.emit(
            kind(
                call_id=self.request.headers["X-Client-Request-Id"],
                operation=self.operation,
                model=self.model,
                at=self.clock.monotonic(),
                **fields,
            )
        )

    def _end(self) -> bool:
        """Whether the call's end is still to be told (it is told once)."""
        if getattr(self, "ended", False):
            return False
        self.ended = True
        return True

    def first_token(self) -> None:
        """A stream's first piece of an answer arrived (call only with hooks set)."""
        self._emit(FirstToken, elapsed=self.clock.monotonic() - self.started)

    def finished(self, result: Any, stream: bool, request_id: str | None) -> None:
        """The call succeeded (call only with hooks set)."""
        if not self._end():
            return
        self._emit(
            CallFinished,
            result=result,
            elapsed=self.clock.monotonic() - self.started,
            attempts=self.retries + 1,
            stream=stream,
            request_id=request_id,
        )

    def failed(self, error: BaseException) -> None:
        """The call failed for good (call only with hooks set)."""
        if not self._end():
            return
        self._emit(
            CallFailed,
            error=error,
            elapsed=self.clock.monotonic() - self.started,
            attempts=self.retries + 1,
        )


def malformed(resp: Response, what: str, problem: msgspec.DecodeError) -> SeedError:
    """The error of a 2xx body that does not decode as ``what``."""
    kind = resp.headers.get("Content-Type", "no content type")
    return APIResponseValidationError(
        f"malformed {what} response body ({kind}, status {resp.status}): {problem}",
        status_code=resp.status,
        request_id=request_id_of(resp.headers),
        body=resp.body[:512].decode("utf-8", "replace"),
    )


async def refuse_non_stream(resp: StreamResponse, kind: str) -> NoReturn:
    """A 2xx that is not an event stream: raise at once, not retried.

    A JSON completion here was generated (and billed) already: sending the request
    again would pay for it twice more.
    """
    try:
        with anyio.move_on_after(1.0):
            head = await resp.read()
    except SeedError:
        head = b""
    finally:
        resp.close()
    raise APIResponseValidationError(
        f"a stream was asked for, but the server answered {kind or 'no content type'} "
        f"(status {resp.status}); a proxy in between may not pass streams through",
        status_code=resp.status,
        request_id=request_id_of(resp.headers),
        body=head[:512].decode("utf-8", "replace"),
    )
