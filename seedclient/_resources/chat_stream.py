"""ChatStream: a chat completion read as server-sent events, chunk by chunk."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any

import anyio
import msgspec

from .._call.call import Call, refuse_non_stream
from .._errors import (
    APIConnectionError,
    APITimeoutError,
    ResponseTooLargeError,
    SeedError,
    StreamError,
    StructuredOutputError,
)
from .._transports import StreamResponse
from .._wire.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChoiceLogprobs,
    Function,
    Message,
    Meta,
    ToolCall,
    Usage,
    chunk_decoder,
)
from .._wire.errors import stream_error_event as _stream_error
from .._wire.headers import request_id_of
from .._wire.sse import RawEvent, SSEDecoder

__all__ = ["ChatStream"]

_DONE = b"[DONE]"
#: How long to wait for the end of the body after [DONE] so the connection can be reused.
_DRAIN_AFTER_DONE = 0.1


class _ChoiceState:
    """The pieces of one choice, kept as lists and joined once: O(n) in the answer's size."""

    __slots__ = ("content", "finish_reason", "logprobs", "reasoning", "role", "tools")

    def __init__(self) -> None:
        self.role = "assistant"
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.tools: dict[int, list[Any]] = {}  # index -> [id, type, name, [arguments]]
        self.finish_reason: str | None = None
        self.logprobs: list[Any] = []

    def choice(self, index: int) -> Choice:
        tool_calls = [
            ToolCall(id=t[0], type=t[1], function=Function(name=t[2], arguments="".join(t[3])))
            for _, t in sorted(self.tools.items())
        ]
        return Choice(
            index=index,
            message=Message(
                role=self.role,
                content="".join(self.content) if self.content or not tool_calls else None,
                reasoning_content="".join(self.reasoning) if self.reasoning else None,
                tool_calls=tool_calls or None,
            ),
            finish_reason=self.finish_reason,
            logprobs=ChoiceLogprobs(content=self.logprobs) if self.logprobs else None,
        )


def _fire(ref: weakref.ref[ChatStream]) -> None:
    stream = ref()
    if stream is not None:
        stream._on_timer()


class ChatStream:
    """A streamed chat completion.

    Use it as an async context manager and iterate it for :class:`ChatCompletionChunk`
    objects, or iterate :meth:`text` / :meth:`reasoning` for the deltas as strings. After
    the end, :attr:`completion` holds the whole answer assembled from the chunks.

    The stream ends at ``data: [DONE]``. A body that ends without it, an error event, a
    malformed chunk or a timeout raises; the connection is released on every way out:
    the end, ``break`` (at the latest when the stream object is dropped), an exception, or
    cancellation. Before the first chunk reaches you, failures are retried under the
    client's retry policy; after it, an interruption raises :class:`StreamError` saying how
    many chunks arrived.
    """

    def __init__(
        self,
        call: Call,
        *,
        max_event_bytes: int,
        all_chunks: bool = False,
        parse: Callable[[str | None], Any] | None = None,
        max_kept: int = 1 << 62,
    ) -> None:
        self._call = call
        self._parse = parse
        self._kept = 0  # characters kept for `completion`
        self._max_kept = max_kept  # past it, `completion` is refused (-1 once past)
        self._all_chunks = all_chunks
        self._pending: list[str] = []  # content that reasoning() read past, for text()
        self._max_event_bytes = max_event_bytes
        self._resp: StreamResponse | None = None
        self._decoder = SSEDecoder(max_event_bytes)
        self._events: list[RawEvent] = []
        self._pos = 0
        self._chunks = 0
        self._done = False
        self._closed = False
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened_at = 0.0
        self._last_event: float | None = None
        self._request_id: str | None = None
        self._states: dict[int, _ChoiceState] = {}
        self._first: ChatCompletionChunk | None = None
        self._usage: Usage | None = None
        self._meta: Meta | None = None
        self._completion: ChatCompletion | None = None

    # ------------------------------------------------------------------ public surface

    @property
    def request_id(self) -> str | None:
        """The server's request id (``x-request-id`` / ``x-inference-id``), once open."""
        return self._request_id

    @property
    def chunks_received(self) -> int:
        """How many chunks have been handed to the caller so far."""
        return self._chunks

    @property
    def completion(self) -> ChatCompletion:
        """The whole answer, assembled from every chunk; available once the stream ended."""
        if not self._done:
            raise StreamError(
                "the completion is available once the stream has ended", chunks=self._chunks
            )
        if self._max_kept < 0:
            raise ResponseTooLargeError(
                "the streamed answer grew past max_response_bytes, so it was not assembled "
                "into .completion (its chunks were all delivered)"
            )
        if self._completion is None:
            self._completion = self._assemble()
        return self._completion

    async def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return :attr:`completion`."""
        async for _ in self:
            pass
        return self.completion

    @property
    def usage(self) -> Usage | None:
        """Token usage, once the usage chunk has arrived (requested by default)."""
        return self._usage

    async def text(self) -> AsyncIterator[str]:
        """The content deltas of the first choice, as strings.

        After :meth:`reasoning`, it goes on from where that stopped: first the answer's first
        piece, which :meth:`reasoning` read to know that the reasoning had ended.
        """
        while self._pending:
            yield self._pending.pop(0)
        async for chunk in self:
            for c in chunk.choices:
                if c.index == 0 and c.delta.content:
                    yield c.delta.content

    async def reasoning(self) -> AsyncIterator[str]:
        """The reasoning deltas (``reasoning_content``) of the first choice, as strings.

        It ends where the answer begins, so ``text()`` can follow on the same stream.
        """
        async for chunk in self:
            for c in chunk.choices:
                if c.index != 0:
                    continue
                if c.delta.reasoning_content:
                    yield c.delta.reasoning_content
                if c.delta.content:
                    self._pending.append(c.delta.content)
                    return

    async def events(self) -> AsyncIterator[tuple[str, str]]:
        """Reasoning and answer deltas in order, as ``("reasoning" | "content", text)`` pairs."""
        while self._pending:
            yield "content", self._pending.pop(0)
        async for chunk in self:
            for c in chunk.choices:
                if c.index == 0:
                    if c.delta.reasoning_content:
                        yield "reasoning", c.delta.reasoning_content
                    if c.delta.content:
                        yield "content", c.delta.content

    async def __aenter__(self) -> ChatStream:
        try:
            if self._resp is None and not self._done:
                await self._open()
        except BaseException:
            self._shutdown()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release the connection. Idempotent; the stream cannot be read afterwards."""
        self._shutdown()

    def __aiter__(self) -> ChatStream:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        try:
            while True:
                if self._pos < len(self._events):
                    event = self._events[self._pos]
                    self._pos += 1
                    chunk = self._handle(event)
                    # The usage-only chunk (choices == []) is the caller's only if they asked
                    # for it with stream_options; else it lands on .usage, not in the loop.
                    if chunk is not None and (chunk.choices or self._all_chunks):
                        self._chunks += 1
                        return chunk
                    if self._done:
                        await self._finish()
                        raise StopAsyncIteration
                elif self._done or self._closed:
                    raise StopAsyncIteration
                else:
                    await self._fill()
        except StopAsyncIteration:
            raise
        except BaseException:
            self._shutdown()
            raise

    def __del__(self) -> None:
        # A `break` out of `async for` without `async with` drops the last reference here;
        # closing is synchronous (no task is scheduled on a loop that may be gone).
        if self._resp is not None:
            with contextlib.suppress(Exception):
                self._shutdown()

    # ------------------------------------------------------------------ reading

    async def _open(self) -> None:
        resp = await self._call.open_stream()
        kind = resp.headers.get("Content-Type", "")
        if not kind.startswith("text/event-stream"):
            await refuse_non_stream(resp, kind)
        self._resp = resp
        self._request_id = request_id_of(resp.headers)
        self._decoder = SSEDecoder(self._max_event_bytes)
        self._events = []
        self._pos = 0
        self._loop = loop = asyncio.get_running_loop()  # kept: looking it up costs a syscall
        self._opened_at = loop.time()
        self._last_event = None
        self._arm(loop)

    async def _fill(self) -> None:
        """Read the next piece of the body and decode the events it completes."""
        if self._resp is None:
            await self._open()
        resp = self._resp
        assert resp is not None
        try:
            data = await resp.read()
            if not data:
                raise APIConnectionError(
                    f"the stream ended before [DONE] after {self._chunks} chunk(s)"
                )
            events = self._decoder.feed_raw(data)
        except APIConnectionError as exc:
            self._drop_response()
            if self._chunks:
                raise StreamError(
                    f"stream interrupted after {self._chunks} chunk(s): {exc}",
                    chunks=self._chunks,
                ) from exc
            # Nothing reached the caller yet: a cut or a timeout may be retried.
            await self._call.retry_or_raise(exc)
            return
        if events:
            self._events = events
            self._pos = 0
            loop = self._loop
            assert loop is not None
            first = self._last_event is None
            self._last_event = loop.time()
            if first:
                # Leaving the first-event phase: the idle deadline may come sooner.
                if self._timer is not None:
                    self._timer.cancel()
                self._arm(loop)

    def _handle(self, event: RawEvent) -> ChatCompletionChunk | None:
        kind, raw = event[0], event[1]
        if kind != "message":
            if kind == "error":
                raise _stream_error(self._loads(raw), self._request_id)
            return None  # other event types are not ours to interpret
        if raw == _DONE:
            self._done = True
            return None
        try:
            chunk = chunk_decoder.decode(raw)
        except msgspec.DecodeError:
            text = raw.decode("utf-8", "replace")
            try:  # the SSE rules replace invalid UTF-8; msgspec refuses it
                chunk = chunk_decoder.decode(text.encode())
            except msgspec.DecodeError as exc:
                raise StreamError(
                    f"malformed chunk after {self._chunks} chunk(s): {exc}",
                    chunks=self._chunks,
                    data=text[:2000],
                ) from exc
        if chunk.error is not None:
            raise _stream_error({"error": chunk.error}, self._request_id)
        self._accumulate(chunk)
        return chunk

    @staticmethod
    def _loads(raw: bytes) -> Any:
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError:
            return {"error": {"message": raw.decode("utf-8", "replace")}}

    def _accumulate(self, chunk: ChatCompletionChunk) -> None:
        if self._first is None:
            self._first = chunk
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk.meta is not None:
            self._meta = chunk.meta
        for c in chunk.choices:
            state = self._states.get(c.index)
            if state is None:
                state = self._states[c.index] = _ChoiceState()
            d = c.delta
            if d.content:
                state.content.append(d.content)
                self._kept += len(d.content)
            if d.reasoning_content:
                state.reasoning.append(d.reasoning_content)
                self._kept += len(d.reasoning_content)
            if self._kept > self._max_kept:
                # The chunks still flow to the caller; only the assembled copy stops here.
                self._max_kept = -1
                state.content.clear()
                state.reasoning.clear()
            if d.role:
                state.role = d.role
            if d.tool_calls:
                for pos, tc in enumerate(d.tool_calls):
                    key = tc.index if tc.index is not None else pos
                    slot = state.tools.get(key)
                    if slot is None:
                        slot = state.tools[key] = ["", "function", "", []]
                    if tc.id:
                        slot[0] = tc.id
                    if tc.type:
                        slot[1] = tc.type
                    fn = tc.function
                    if fn is not None:
                        if fn.name:
                            slot[2] += fn.name
                        if fn.arguments:
                            slot[3].append(fn.arguments)
            if c.finish_reason is not None:
                state.finish_reason = c.finish_reason
            if c.logprobs is not None and c.logprobs.content:
                state.logprobs.extend(c.logprobs.content)

    def _assemble(self) -> ChatCompletion:
        first = self._first
        done = ChatCompletion(
            id=first.id if first else "",
            created=first.created if first else 0,
            model=first.model if first else "",
            service_tier=first.service_tier if first else None,
            choices=[s.choice(i) for i, s in sorted(self._states.items())],
            usage=self._usage,
            meta=self._meta,
            request_id=self._request_id,
        )
        if self._parse is not None:
            for choice in done.choices:
                try:
                    choice.message.parsed = self._parse(choice.message.content)
                except ValueError as exc:
                    raise StructuredOutputError(
                        f"the streamed answer did not validate: {exc}",
                        content=choice.message.content,
                        errors=[str(exc)],
                    ) from None
        return done

    # ------------------------------------------------------------------ timers and release

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        deadline = self._next_deadline()
        if deadline is not None:
            self._timer = loop.call_at(deadline, _fire, weakref.ref(self))

    def _next_deadline(self) -> float | None:
        # Loop time and the call's deadline share the monotonic clock.
        t = self._call.timeout
        if self._last_event is None:
            gap = None if t.first_event is None else self._opened_at + t.first_event
        else:
            gap = None if t.idle is None else self._last_event + t.idle
        total = self._call.deadline
        if gap is None or (total is not None and total < gap):
            return total
        return gap

    def _on_timer(self) -> None:
        # One timer per stream, re-armed lazily: events only stamp a time, which is far
        # cheaper than rescheduling a timer for every chunk. The timer holds the stream
        # weakly, so that a stream dropped after `break` is collected (and its connection
        # released) at once, not when the timer fires.
        self._timer = None
        resp = self._resp
        if resp is None or self._done:
            return
        deadline = self._next_deadline()
        if deadline is None:
            return
        loop = self._loop
        assert loop is not None  # set when the response opened
        if loop.time() < deadline:
            self._timer = loop.call_at(deadline, _fire, weakref.ref(self))
            return
        t = self._call.timeout
        total = self._call.deadline
        if total is not None and loop.time() >= total:
            what = self._call.expired()
        elif self._last_event is None:
            what = f"no data event within {t.first_event:g}s of the request (first_event timeout)"
        else:
            what = f"no data event for {t.idle:g}s (idle timeout; keep-alive comments do not count)"
        resp.abort(APITimeoutError(what))

    async def _finish(self) -> None:
        """After [DONE]: give the body a moment to end so the connection can be reused."""
        resp = self._resp
        if resp is not None and not resp.at_eof():
            with anyio.move_on_after(_DRAIN_AFTER_DONE):
                try:
                    while not resp.at_eof() and await resp.read():
                        pass
                except SeedError:
                    pass
        self._shutdown()

    def _drop_response(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        resp, self._resp = self._resp, None
        if resp is not None:
            resp.close()

    def _shutdown(self) -> None:
        self._closed = True
        self._drop_response()
