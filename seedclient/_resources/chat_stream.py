"""ChatStream: a chat completion read as server-sent events, chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec

from .._call.call import Call
from .._call.events import EventStream, TypedStream
from .._errors import IncompleteStreamError, ResponseTooLargeError, SeedError, StreamError
from .._wire.chat import ChatCompletion, ChatCompletionChunk, Usage, chunk_decoder
from .._wire.errors import stream_error_event as _stream_error
from .._wire.sse import RawEvent
from .accumulate import ChunkAccumulator

__all__ = ["ChatStream"]

_DONE = b"[DONE]"
_LAST_DONE = b"\n[DONE]"


class ChatStream(TypedStream):
    """A streamed chat completion.

    Use it as an async context manager and iterate it for
    [ChatCompletionChunk][seedclient.ChatCompletionChunk] objects, or iterate ``text`` /
    ``reasoning`` for the deltas as strings. After the end, ``completion`` holds the whole answer
    assembled from the chunks.

    The stream ends at ``data: [DONE]``. A body that ends without it, an error event, a
    malformed chunk or a timeout raises; so does a ``[DONE]`` that no choice's
    ``finish_reason`` preceded ([IncompleteStreamError][seedclient.IncompleteStreamError]: the
    answer was cut short). The connection is released on every way out: the end, ``break`` (at the
    latest when the stream object is dropped), an exception, or cancellation. Before the first chunk
    reaches you, failures are retried under the client's retry policy; after it, an interruption
    raises [StreamError][seedclient.StreamError] saying how many chunks arrived.
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
        self._source = EventStream(call, max_event_bytes, end="[DONE]", unit="chunk", joined=True)
        self._acc = ChunkAccumulator(max_kept)
        self._parse = parse
        self._all_chunks = all_chunks
        self._pending: list[str] = []  # content that reasoning() read past, for text()
        self._ready: list[ChatCompletionChunk] = []  # decoded, to hand over from _pos
        self._pos = 0
        self._chunks = 0
        self._at_done = False  # [DONE] was read: the end, once the chunks before it are out
        self._failure: SeedError | None = None  # to raise after the chunks before it
        self._done = False
        self._closed = False
        self._completion: ChatCompletion | None = None
        self._hooked = call.hooks is not None  # tell the hooks the first token and the end
        self._told_first = False

    @property
    def request_id(self) -> str | None:
        """The server's request id (``x-request-id`` / ``x-inference-id``), once open."""
        return self._source.request_id

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
        if self._acc.overflowed:
            raise ResponseTooLargeError(
                "the streamed answer grew past max_response_bytes, so it was not assembled "
                "into .completion (its chunks were all delivered)"
            )
        if self._completion is None:
            self._completion = self._acc.completion(self._source.request_id, self._parse)
        return self._completion

    async def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return ``completion``."""
        async for _ in self:
            pass
        return self.completion

    @property
    def usage(self) -> Usage | None:
        """Token usage, once the usage chunk has arrived (requested by default)."""
        return self._acc.usage

    async def text(self) -> AsyncIterator[str]:
        """The content deltas of the first choice, as strings.

        After ``reasoning``, it goes on from where that stopped: first the answer's first
        piece, which ``reasoning`` read to know that the reasoning had ended.
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

    async def __anext__(self) -> ChatCompletionChunk:
        try:
            while True:
                ready = self._ready
                if self._pos < len(ready):
                    chunk = ready[self._pos]
                    self._pos += 1
                    if chunk.error is not None:
                        raise _stream_error({"error": chunk.error}, self._source.request_id)
                    if self._hooked and not self._told_first:
                        self._first_token(chunk)
                    # The usage-only chunk (choices == []) is the caller's only if they asked
                    # for it with stream_options; else it lands on .usage, not in the loop.
                    if chunk.choices or self._all_chunks:
                        self._chunks += 1
                        return chunk
                elif self._failure is not None:  # after the chunks that came before it
                    failure, self._failure = self._failure, None
                    raise failure
                elif self._at_done and not self._done:
                    self._done = self._closed = True
                    await self._source.finish()
                    if not self._acc.finished:
                        raise IncompleteStreamError(
                            f"the stream reached [DONE] after {self._chunks} chunk(s) but "
                            "no choice said why it ended (no finish_reason): the server "
                            "stopped early; .completion holds what came",
                            chunks=self._chunks,
                        )
                    if self._hooked:
                        self._tell_end()
                    raise StopAsyncIteration
                elif self._done or self._closed:
                    raise StopAsyncIteration
                else:
                    got = await self._source.read(self._chunks)
                    if got:  # (a read may complete no event)
                        self._ready = ready = self._take(got)
                        self._pos = 0
                        self._acc.add_all(ready)  # up to an error chunk, which raises above
        except StopAsyncIteration:
            raise
        except BaseException as exc:
            self._release()
            if self._hooked and isinstance(exc, Exception):
                self._source.call.failed(exc)
            raise

    def _take(self, got: list[RawEvent] | tuple[bytes, int]) -> list[ChatCompletionChunk]:
        """The chunks one read completed: plain ``data:`` events decoded in one call (the
        usual read), anything else event by event. A failure is kept for ``__anext__`` to
        raise once the chunks before it are handed over; nothing after ``[DONE]`` is read.
        """
        if isinstance(got, tuple):
            data, n = got
            if n == 1:  # (a paced stream: one event a read)
                done = data == _DONE
                body, k = data, 0 if done else 1
            else:  # (lines: [DONE] can only be the last)
                done = data.endswith(_LAST_DONE)
                body, k = (data[: -len(_LAST_DONE)], n - 1) if done else (data, n)
            try:
                if k == 1:
                    chunks = [chunk_decoder.decode(body)]
                else:
                    chunks = chunk_decoder.decode_lines(body) if k else []
            except msgspec.DecodeError:
                chunks = None
            if chunks is not None and len(chunks) == k:  # (decode_lines skips blank data)
                self._at_done = done
                return chunks
            got = [("message", line, None, None) for line in data.split(b"\n")]
        out: list[ChatCompletionChunk] = []
        for event in got:
            try:
                chunk = self._chunk_of(event, out)
            except SeedError as exc:
                self._failure = exc
                break
            if self._at_done:
                break
            if chunk is not None:
                out.append(chunk)
        return out

    def _first_token(self, chunk: ChatCompletionChunk) -> None:
        delta = chunk.choices[0].delta if chunk.choices else None
        if delta is not None and (delta.content or delta.reasoning_content):
            self._told_first = True
            self._source.call.first_token()

    def _tell_end(self) -> None:
        completion = None if self._acc.overflowed else self.completion
        self._source.call.finished(completion, True, self._source.request_id)

    def _chunk_of(
        self, event: RawEvent, before: list[ChatCompletionChunk]
    ) -> ChatCompletionChunk | None:
        """One event's chunk (None: not a chunk); ``before``: this read's chunks so far."""
        kind, raw = event[0], event[1]
        if kind != "message":
            if kind == "error":
                raise _stream_error(self._loads(raw), self._source.request_id)
            return None  # other event types are not ours to interpret
        if raw == _DONE:
            self._at_done = True
            return None
        try:
            return chunk_decoder.decode(raw)
        except msgspec.DecodeError:
            text = raw.decode("utf-8", "replace")
            try:  # the SSE rules replace invalid UTF-8; msgspec refuses it
                return chunk_decoder.decode(text.encode())
            except msgspec.DecodeError as exc:
                after = self._chunks + sum(1 for c in before if c.choices or self._all_chunks)
                raise StreamError(
                    f"malformed chunk after {after} chunk(s): {exc}",
                    chunks=after,
                    data=text[:2000],
                ) from exc

    @staticmethod
    def _loads(raw: bytes) -> Any:
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError:
            return {"error": {"message": raw.decode("utf-8", "replace")}}
