"""ResponseStream: a Responses API answer read as events, accumulated as it comes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import msgspec
from msgspec.structs import replace

from .._call.call import Call
from .._call.events import EventStream, TypedStream
from .._errors import StreamError
from .._wire.errors import stream_error_event
from .._wire.responses import OutputItem, Response, ResponseEvent, response_event_decoder
from .._wire.sse import RawEvent

__all__ = ["ResponseAccumulator", "ResponseStream"]

_TEXT = frozenset({"response.output_text.delta"})
#: Every spelling of reasoning Ark streams: the summary, its reasoning text, the raw text.
_REASONING = frozenset(
    {
        "response.reasoning_summary_text.delta",
        "response.reasoning_text.delta",
        "response.reasoning_raw_text.delta",
    }
)
_ARGUMENTS = "response.function_call_arguments.delta"
_ENDS = frozenset({"response.completed", "response.incomplete"})


class ResponseAccumulator:
    """The response a stream adds up to, built in O(n): pieces are kept in lists per output
    item and joined once. Lenient: it needs no ``response.created`` first, and an unknown
    event type changes nothing."""

    def __init__(self) -> None:
        self.started: Response | None = None
        self.final: Response | None = None
        self.items: dict[int, OutputItem] = {}
        self.pieces: dict[tuple[int, str], list[str]] = {}

    def add(self, event: ResponseEvent) -> str | None:
        """Take one event; its kind of piece (``text``, ``reasoning``, ``arguments``) if it
        carried one."""
        kind = event.type
        index = event.output_index or 0
        if kind in _TEXT or kind in _REASONING or kind == _ARGUMENTS:
            piece = "text" if kind in _TEXT else "reasoning" if kind in _REASONING else "args"
            if event.delta:
                self.pieces.setdefault((index, piece), []).append(event.delta)
            return piece
        if kind in ("response.output_item.added", "response.output_item.done"):
            if event.item is not None:
                self.items[index] = event.item
        elif kind in ("response.created", "response.in_progress"):
            self.started = event.response or self.started
        elif kind in _ENDS:
            self.final = event.response
        return None

    def joined(self, index: int, piece: str) -> str:
        return "".join(self.pieces.get((index, piece), ()))

    def response(self) -> Response:
        """The whole response: the final event's, with any output it left out rebuilt from
        the items and pieces that came."""
        base = self.final or self.started or Response(id="")
        if base.output:
            return base
        output = []
        for index in sorted({*self.items, *(i for i, _ in self.pieces)}):
            item = self.items.get(index) or OutputItem(type=self._kind_of(index))
            if item.type == "message" and not item.text:
                text = self.joined(index, "text")
                item = replace(item, content=[{"type": "output_text", "text": text}])
            elif item.type == "reasoning" and not item.text:
                text = self.joined(index, "reasoning")
                item = replace(item, summary=[{"type": "summary_text", "text": text}])
            elif item.type == "function_call" and not item.arguments:
                item = replace(item, arguments=self.joined(index, "args"))
            output.append(item)
        return replace(base, output=output)

    def _kind_of(self, index: int) -> str:
        if (index, "reasoning") in self.pieces:
            return "reasoning"
        return "function_call" if (index, "args") in self.pieces else "message"


class ResponseStream(TypedStream):
    """A streamed response: ``async with client.responses.stream(...) as stream``.

    Iterate it for [ResponseEvent][seedclient.ResponseEvent]s, or ``text()`` /
    ``reasoning()`` for the pieces as strings; ``response`` then holds the whole
    [Response][seedclient.Response], and ``await stream.final()`` reads to the end and
    returns it. An ``incomplete`` response is not an error (``response.status``,
    ``incomplete_details``); an ``error`` event or ``response.failed`` raises the matching
    [APIStatusError][seedclient.APIStatusError]. Timeouts, retries before the first event
    and the release of the connection are those of [ChatStream][seedclient.ChatStream].
    """

    def __init__(self, call: Call, *, max_event_bytes: int) -> None:
        self._source = EventStream(call, max_event_bytes, end="response.completed", unit="event")
        self._acc = ResponseAccumulator()
        self._events: list[RawEvent] = []
        self._pos = 0
        self._delivered = 0
        self._done = False
        self._closed = False
        self._started = time.perf_counter()
        self._hooked = call.hooks is not None  # tell the hooks the first token and the end
        #: Seconds from opening to the first piece of text or reasoning (None before it).
        self.time_to_first_token: float | None = None

    @property
    def request_id(self) -> str | None:
        """The server's request id, once open."""
        return self._source.request_id

    @property
    def response(self) -> Response:
        """The whole response; available once the stream has ended."""
        if not self._done:
            raise StreamError("the response is available once the stream has ended")
        response = self._acc.response()
        return replace(response, request_id=self.request_id)

    async def final(self) -> Response:
        """Read the stream to its end and return ``response``."""
        async for _ in self:
            pass
        return self.response

    async def text(self) -> AsyncIterator[str]:
        """The output text's pieces, as strings."""
        async for event in self:
            if event.type in _TEXT and event.delta:
                yield event.delta

    async def events(self) -> AsyncIterator[tuple[str, str]]:
        """``("reasoning" | "content", text)`` pairs in order, as on chat streams."""
        async for event in self:
            if event.delta and event.type in _REASONING:
                yield "reasoning", event.delta
            elif event.delta and event.type in _TEXT:
                yield "content", event.delta

    async def reasoning(self) -> AsyncIterator[str]:
        """The reasoning's pieces (summary, reasoning text or raw text), as strings."""
        async for event in self:
            if event.type in _REASONING and event.delta:
                yield event.delta

    async def __anext__(self) -> ResponseEvent:
        event: ResponseEvent = await super().__anext__()
        return event

    def _ended(self) -> None:
        if self._hooked:
            self._source.call.finished(self.response, True, self.request_id)

    def _failed(self, exc: BaseException) -> None:
        if self._hooked and isinstance(exc, Exception):
            self._source.call.failed(exc)

    def _handle(self, raw: RawEvent) -> ResponseEvent | None:
        data = raw[1]
        if data == b"[DONE]":
            self._done = True
            return None
        try:
            event = response_event_decoder.decode(data)
        except msgspec.DecodeError as exc:
            raise StreamError(
                f"malformed response event after {self._delivered}: {exc}",
                chunks=self._delivered,
                data=data[:2000].decode("utf-8", "replace"),
            ) from exc
        if event.type == "error" or raw[0] == "error":
            payload = {"error": {"code": event.code, "message": event.message}}
            raise stream_error_event(payload, self.request_id)
        if event.type == "response.failed":
            failed = event.response.error if event.response is not None else None
            raise stream_error_event({"error": failed or {}}, self.request_id)
        piece = self._acc.add(event)
        if piece in ("text", "reasoning") and self.time_to_first_token is None:
            self.time_to_first_token = time.perf_counter() - self._started
            if self._hooked:
                self._source.call.first_token()
        if event.type in _ENDS:
            self._done = True
        return event
