"""EventStream: the life of one server-sent-event response, under every stream kind.

Chat, image (and, to come, Responses) streams differ in what their events mean; they share
how the events arrive. This module holds that part once: open the response (retried under
the call's policy until its headers say 2xx), refuse a 2xx that is not an event stream,
feed the SSE decoder, one timer for the first-event, idle and total deadlines, a retry when
the body is cut before anything reached the caller, a short drain after the end so the
connection can be reused, and release on every way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from types import TracebackType
from typing import Any, TypeVar, cast

import anyio

from .._errors import APIConnectionError, APITimeoutError, SeedError, StreamError
from .._transports import StreamResponse
from .._wire.headers import request_id_of
from .._wire.sse import RawEvent, SSEDecoder
from .call import Call, refuse_non_stream

__all__ = ["EventStream", "TypedStream"]

#: How long to wait for the end of the body after the last event, so the connection can be
#: reused.
_DRAIN_AFTER_END = 0.1


def _fire(ref: weakref.ref[EventStream]) -> None:
    stream = ref()
    if stream is not None:
        stream._on_timer()


class EventStream:
    """The events of one streamed call, read piece by piece.

    Args:
        call: the call to open (and reopen while nothing has reached the caller).
        max_event_bytes: the largest SSE line or event accepted.
        end: what ends the stream, for messages (``"[DONE]"``).
        unit: what the caller counts, for messages (``"chunk"``).
        joined: ``read`` answers as ``SSEDecoder.feed_joined`` does (a read of plain
            ``data:`` events as their data joined by LF), not as ``feed_raw``.

    ``read`` returns the events one piece of the body completes. The caller says how
    many items it handed on (``delivered``): before the first, a cut or timeout is retried
    under the call's policy; after it, it raises [StreamError][seedclient.StreamError] with that
    count.
    """

    __slots__ = (
        "__weakref__",
        "_decoder",
        "_joined",
        "_last_event",
        "_loop",
        "_max_event_bytes",
        "_opened_at",
        "_timer",
        "_total_at",
        "call",
        "end",
        "request_id",
        "resp",
        "unit",
    )

    def __init__(
        self, call: Call, max_event_bytes: int, *, end: str, unit: str, joined: bool = False
    ) -> None:
        self.call = call
        self._joined = joined
        self.end = end
        self.unit = unit
        self.resp: StreamResponse | None = None
        self.request_id: str | None = None
        self._max_event_bytes = max_event_bytes
        self._decoder = SSEDecoder(max_event_bytes)
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened_at = 0.0
        self._last_event: float | None = None
        self._total_at: float | None = None

    async def open(self) -> None:
        """Open the response: errors before its first byte raise here, after retries."""
        resp = await self.call.open_stream()
        kind = resp.headers.get("Content-Type", "")
        if not kind.startswith("text/event-stream"):
            await refuse_non_stream(resp, kind)
        self.resp = resp
        self.request_id = request_id_of(resp.headers)
        self._decoder = SSEDecoder(self._max_event_bytes)
        self._loop = loop = asyncio.get_running_loop()  # kept: looking it up costs a syscall
        self._opened_at = now = loop.time()
        self._last_event = None
        # The total deadline in the loop's time (the call's clock may be another).
        left = self.call.remaining()
        self._total_at = None if left is None else now + left
        self._arm(loop)

    async def read(self, delivered: int) -> list[RawEvent] | tuple[bytes, int]:
        """The events that the next piece of the body completes (often one, maybe none);
        with ``joined``, plain ones as ``(data joined by LF, how many)``.

        ``delivered``: how many items already reached the caller. With none, a cut or a
        timeout reopens the stream (under the retry policy); else it raises.
        """
        if self.resp is None:
            await self.open()
        resp = self.resp
        assert resp is not None
        try:
            data = await resp.read()
            if not data:
                raise APIConnectionError(self._ended_early(delivered))
            decoder = self._decoder
            events = decoder.feed_joined(data) if self._joined else decoder.feed_raw(data)
        except APIConnectionError as exc:
            self.release()
            if delivered:
                raise StreamError(
                    f"stream interrupted after {delivered} {self.unit}(s): {exc}", chunks=delivered
                ) from exc
            # Nothing reached the caller yet: a cut or a timeout may be retried.
            await self.call.retry_or_raise(exc)
            return []
        if events:
            loop = self._loop
            assert loop is not None
            first = self._last_event is None
            self._last_event = loop.time()
            if first:
                # Leaving the first-event phase: the idle deadline may come sooner.
                if self._timer is not None:
                    self._timer.cancel()
                self._arm(loop)
        return events

    def _ended_early(self, delivered: int) -> str:
        said = f"the stream ended before {self.end} after {delivered} {self.unit}(s)"
        if self._last_event is not None:
            return said
        return (
            f"{said}: the server answered 200 and ended the stream without sending any event, "
            "so it failed before generating (a prompt longer than the model's context does "
            "this on llama.cpp-based servers; the same request without streaming returns the "
            "server's reason)"
        )

    async def finish(self) -> None:
        """After the last event: give the body a moment to end (for reuse), then release."""
        resp = self.resp
        if resp is not None and not resp.at_eof():
            with anyio.move_on_after(_DRAIN_AFTER_END):
                try:
                    while not resp.at_eof() and await resp.read():
                        pass
                except SeedError:
                    pass
        self.release()

    def release(self) -> None:
        """Release the connection (idempotent); a later ``read`` reopens."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        resp, self.resp = self.resp, None
        if resp is not None:
            resp.close()

    # ------------------------------------------------------------------ the one timer

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        deadline = self._next_deadline()
        if deadline is not None:
            self._timer = loop.call_at(deadline, _fire, weakref.ref(self))

    def _next_deadline(self) -> float | None:
        t = self.call.timeout
        if self._last_event is None:
            gap = None if t.first_event is None else self._opened_at + t.first_event
        else:
            gap = None if t.idle is None else self._last_event + t.idle
        total = self._total_at
        if gap is None or (total is not None and total < gap):
            return total
        return gap

    def _on_timer(self) -> None:
        # One timer per stream, re-armed lazily: events only stamp a time, which is far
        # cheaper than rescheduling a timer for every event. The timer holds the stream
        # weakly, so that a stream dropped after `break` is collected (and its connection
        # released) at once, not when the timer fires.
        self._timer = None
        resp = self.resp
        if resp is None:
            return
        deadline = self._next_deadline()
        if deadline is None:
            return
        loop = self._loop
        assert loop is not None  # set when the response opened
        if loop.time() < deadline:
            self._timer = loop.call_at(deadline, _fire, weakref.ref(self))
            return
        t = self.call.timeout
        total = self._total_at
        if total is not None and loop.time() >= total:
            what = self.call.expired()
        elif self._last_event is None:
            what = f"no data event within {t.first_event:g}s of the request (first_event timeout)"
        else:
            what = f"no data event for {t.idle:g}s (idle timeout; keep-alive comments do not count)"
        resp.abort(APITimeoutError(what))


_S = TypeVar("_S", bound="TypedStream")


class TypedStream:
    """What every typed stream (chat chunks, image events...) shares on its EventStream:
    ``async with`` opens the response (errors before its first byte raise there), iterating
    it reads, and the connection is released on every way out: the end, ``break`` (at the
    latest when the stream is dropped), an exception, or cancellation.

    A subclass sets ``_source``, ``_done``, ``_closed``, ``_events``, ``_pos`` and
    ``_delivered``, and writes ``_handle`` (a raw event to the caller's typed one, or None);
    ``__anext__`` reads, hands each event over and, at the end, drains and releases (a
    subclass may write its own, as the chat stream does on its hot path).
    """

    _source: EventStream
    _done: bool
    _closed: bool
    _events: list[RawEvent]
    _pos: int
    _delivered: int

    async def __anext__(self) -> Any:
        try:
            while True:
                if self._pos < len(self._events):
                    raw = self._events[self._pos]
                    self._pos += 1
                    event = self._handle(raw)
                    if event is not None:
                        self._delivered += 1
                        return event
                elif self._done or self._closed:
                    if not self._closed:  # the end: drain what follows, then release
                        self._closed = True
                        await self._source.finish()
                        self._ended()
                    raise StopAsyncIteration
                else:
                    self._events = cast("list[RawEvent]", await self._source.read(self._delivered))
                    self._pos = 0
        except StopAsyncIteration:
            raise
        except BaseException as exc:
            self._release()
            self._failed(exc)
            raise

    def _handle(self, raw: RawEvent) -> Any:
        raise NotImplementedError

    def _ended(self) -> None:
        """The stream has been read to its end (a subclass may tell its hooks)."""

    def _failed(self, exc: BaseException) -> None:
        """Reading the stream raised ``exc`` (a subclass may tell its hooks)."""

    async def __aenter__(self: _S) -> _S:
        try:
            if self._source.resp is None and not self._done:
                await self._source.open()
        except BaseException:
            self._release()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release()

    async def aclose(self) -> None:
        """Release the connection. Idempotent; the stream cannot be read afterwards."""
        self._release()

    def __aiter__(self: _S) -> _S:
        return self

    def __del__(self) -> None:
        # A `break` out of `async for` without `async with` drops the last reference here;
        # closing is synchronous (no task is scheduled on a loop that may be gone).
        if self._source.resp is not None:
            with contextlib.suppress(Exception):
                self._release()

    def _release(self) -> None:
        self._closed = True
        self._source.release()
