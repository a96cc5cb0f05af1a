"""A sans-IO server-sent-events decoder: bytes in, events out.

It follows the WHATWG HTML rules "Parsing an event stream" and "Interpreting an event
stream": UTF-8 with one leading BOM stripped and invalid bytes replaced; LF, CRLF and lone CR
line ends, in any chunking; comments ignored; one space after the colon stripped; data lines
joined with LF; an event dispatched on a blank line only when it has data; ``id`` with NUL
ignored; ``retry`` only when all ASCII digits; an unterminated last event discarded.

Work is linear in the input: each read is split at blank lines once; an unfinished block is
carried to the next read while small, and kept as pieces joined once when it ends when large
(so a multi-megabyte event is not copied on every read); a block's lines are read only when
it is complete (the usual block, one ``data:`` line, costs a slice). It knows nothing of
sockets, JSON or ``[DONE]``.
"""

from __future__ import annotations

from .._errors import StreamError

__all__ = ["RawEvent", "SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"

#: An unfinished block larger than this is kept as pieces, not re-joined on every read.
_BIG = 64 * 1024

#: An event as ``(event type, data as UTF-8 bytes, last event id, retry)``.
RawEvent = tuple[str, bytes, str | None, int | None]


class ServerSentEvent:
    """One dispatched event.

    Attributes:
        event: the event type, ``"message"`` unless the stream named one.
        data: the data, its lines joined with LF.
        id: the stream's last event id at dispatch: None if never set, ``""`` if set empty.
        retry: the stream's reconnection time in ms at dispatch, None if never set.
    """

    __slots__ = ("_data", "event", "id", "raw", "retry")

    def __init__(
        self,
        event: str = "message",
        data: str | bytes = "",
        id: str | None = None,
        retry: int | None = None,
    ) -> None:
        self.event = event
        if isinstance(data, str):
            self._data: str | None = data
            self.raw = data.encode()
        else:
            self._data = None
            #: the data as UTF-8 bytes, as it came off the wire (for a JSON decoder).
            self.raw = data
        self.id = id
        self.retry = retry

    @property
    def data(self) -> str:
        """The event's data as text (invalid UTF-8 replaced)."""
        if self._data is None:
            self._data = self.raw.decode("utf-8", "replace")
        return self._data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.event, self.data, self.id, self.retry) == (
            other.event,
            other.data,
            other.id,
            other.retry,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent(event={self.event!r}, data={self.data!r}, "
            f"id={self.id!r}, retry={self.retry!r})"
        )


class SSEDecoder:
    """Incremental decoder: call ``feed`` with each chunk of the body as it arrives.

    Args:
        max_event_bytes: the largest line, and the largest event's data, accepted; beyond
            it ``feed`` raises [StreamError][seedclient.StreamError] rather than buffering
            without bound.
    """

    __slots__ = (
        "_last_id",
        "_max",
        "_pending_cr",
        "_pieces",
        "_pieces_len",
        "_plain",
        "_retry",
        "_small",
        "_started",
        "_tail",
    )

    def __init__(self, max_event_bytes: int = 32 * 1024 * 1024) -> None:
        if max_event_bytes < 1:
            raise ValueError("max_event_bytes must be positive")
        self._max = max_event_bytes
        self._tail = b""  # the unfinished block, while small
        self._pieces: list[bytes] | None = None  # the unfinished block's pieces, once large
        self._pieces_len = 0
        self._last_id: str | None = None
        self._retry: int | None = None
        self._pending_cr = False
        self._started = False
        #: started, no CR pending and nothing large carried: ``feed_joined``'s inline path
        self._plain = False
        self._small = min(max_event_bytes, _BIG)  # a read no larger needs no size check

    @property
    def last_event_id(self) -> str | None:
        """The last event id as of the last complete block (for ``Last-Event-ID``)."""
        return self._last_id

    @property
    def retry(self) -> int | None:
        """The reconnection time in ms the stream asked for, as of the last complete block."""
        return self._retry

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode the next chunk; return the events it completed, in order."""
        return [_event(*raw) for raw in self.feed_raw(chunk)]

    def feed_raw(self, chunk: bytes) -> list[RawEvent]:
        """Like ``feed``, as ``(event, data, id, retry)`` tuples with ``data`` as UTF-8
        bytes: no event objects are built, which is what a hot loop that hands the data
        straight to a JSON decoder wants."""
        complete = self._complete(chunk)
        return self._events(complete) if complete else []

    def feed_joined(self, chunk: bytes) -> tuple[bytes, int] | list[RawEvent]:
        """Like ``feed_raw``; but when every event the chunk completes is one plain
        ``data: ...`` line (the usual shape of a JSON stream), ``(their data joined by LF,
        how many)``: no tuple and no slice per event, and one JSON decoder call can read
        them all (``msgspec.json.Decoder.decode_lines``). The events are the same; only
        their packaging differs.
        """
        if self._plain and chunk.find(b"\r") < 0:
            # The usual read, inline (it is once per read of every stream): started, no CR
            # anywhere, nothing large carried, and (tail included) no larger than any limit,
            # so no block in it can be too large.
            if self._tail:
                chunk = self._tail + chunk
            if len(chunk) <= self._small:
                end = chunk.rfind(b"\n\n")
                if end < 0:
                    self._tail = chunk
                    return []
                self._tail = chunk[end + 2 :]
                # The general path's tests below, read on chunk itself: slicing out the
                # complete part first and sharing them measured 1.2k instructions a chunk
                # more at 256-byte reads (most reads end inside an event).
                if chunk.startswith(b"data: "):
                    if chunk.find(b"\n") == end:  # one line: a paced stream's read
                        return chunk[6:end], 1
                    return self._joined(chunk[: end + 2])
                return self._events(chunk[: end + 2])
            self._tail = b""  # (now in chunk)
        complete = self._complete(chunk)
        if not complete:
            return []
        if complete.startswith(b"data: "):
            if complete.find(b"\n") == len(complete) - 2:
                return complete[6:-2], 1
            return self._joined(complete)
        return self._events(complete)

    def _joined(self, complete: bytes) -> tuple[bytes, int] | list[RawEvent]:
        """``feed_joined``'s answer for complete blocks that start with ``data: ``."""
        # Plain when each block is one "data: " line: then every "\n\ndata: " parts two
        # blocks (each shortens the join by 7 bytes), and the join holds no other line end
        # (so no other field, comment or line).
        inner = complete[6:-2]
        joined = inner.replace(b"\n\ndata: ", b"\n")
        parts = (len(inner) - len(joined)) // 7
        if joined.count(b"\n") == parts:
            return joined, parts + 1
        return self._events(complete)

    def _complete(self, chunk: bytes) -> bytes:
        """The framing of one read: the complete blocks it ends, each followed by its blank
        line (b"" when none ended); the unfinished rest is kept for the next read."""
        try:
            return self._frame(chunk)
        finally:
            self._plain = self._started and not self._pending_cr and self._pieces is None

    def _frame(self, chunk: bytes) -> bytes:
        if not self._started:
            chunk = self._tail + chunk
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._tail = chunk  # could still be a BOM: wait for more
                return b""
            self._tail = b""
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if not chunk:
            return b""
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return b""
        if chunk.find(b"\r") >= 0:  # (find: `in` on bytes first raises and clears a TypeError)
            # A CR at the very end is a line end already; an LF opening the next chunk
            # belongs to it and must be skipped.
            self._pending_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if self._pieces is not None:
            chunk = self._join_pieces(chunk)
            if not chunk:
                return b""
        elif self._tail:
            # A small unfinished block: concatenating costs little and keeps one path.
            chunk = self._tail + chunk
        end = chunk.rfind(b"\n\n")  # the last blank line: the end of the last whole block
        rest = chunk if end < 0 else chunk[end + 2 :]
        if len(rest) > self._max:
            self._overflow(len(rest))
        if len(rest) > _BIG:
            # A large unfinished block (a base64 image): keep its pieces and join them once
            # when it ends, so it is not copied again on every read.
            self._pieces = [rest]
            self._pieces_len = len(rest)
            self._tail = b""
        else:
            self._tail = rest
        if end < 0:
            return b""
        complete = chunk if end + 2 == len(chunk) else chunk[: end + 2]
        if len(complete) > self._max:  # only then can one of its blocks be too large
            for block in complete.split(b"\n\n"):
                if len(block) > self._max:
                    self._overflow(len(block))
        return complete

    def _events(self, complete: bytes) -> list[RawEvent]:
        """The events of complete blocks (``_complete``'s answer), in order."""
        blocks = complete.split(b"\n\n")
        blocks.pop()  # the empty piece after the last blank line
        events: list[RawEvent] = []
        last_id, retry = self._last_id, self._retry
        for block in blocks:
            # A block is every line up to a blank line, and its state starts clean: the
            # usual block is one "data: " line, dispatched at once.
            if block.startswith(b"data: ") and block.find(b"\n") < 0:
                events.append(("message", block[6:], last_id, retry))
            else:
                self._block(block, events)
                last_id, retry = self._last_id, self._retry
        return events

    def _join_pieces(self, chunk: bytes) -> bytes:
        """Large-block mode: the whole block once it has ended, else b"" (kept)."""
        pieces = self._pieces
        assert pieces is not None
        if chunk.find(b"\n\n") < 0 and not (pieces[-1][-1:] == b"\n" and chunk[:1] == b"\n"):
            pieces.append(chunk)
            self._pieces_len += len(chunk)
            if self._pieces_len > self._max:
                self._overflow(self._pieces_len)
            return b""
        pieces.append(chunk)
        self._pieces = None
        return b"".join(pieces)

    def _block(self, block: bytes, events: list[RawEvent]) -> None:
        """Apply the line rules to one block, then the blank line that ended it."""
        data: list[bytes] = []
        event = ""
        for line in block.split(b"\n"):
            if not line:
                # Blocks are cut at blank lines, so a blank line here can only lead the
                # block (from three or more line ends in a row): nothing is pending yet.
                continue
            colon = line.find(b":")
            if colon == 0:
                continue  # a comment, e.g. a gateway's keep-alive
            if colon < 0:
                name, value = line, b""
            else:
                name = line[:colon]
                value = (
                    line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
                )
            if name == b"data":
                data.append(value)
            elif name == b"event":
                event = value.decode("utf-8", "replace")
            elif name == b"id":
                if b"\0" not in value:
                    self._last_id = value.decode("utf-8", "replace")
            elif name == b"retry" and value.isdigit():  # ASCII digits only; False for b""
                self._retry = int(value)
        if data:
            self._dispatch(event, data, events)

    def _dispatch(self, event: str, data: list[bytes], events: list[RawEvent]) -> None:
        raw = b"\n".join(data)
        if len(raw) > self._max:
            self._overflow(len(raw))
        events.append((event or "message", raw, self._last_id, self._retry))

    def _overflow(self, size: int) -> None:
        self._tail = b""
        self._pieces = None
        self._pieces_len = 0
        raise StreamError(
            f"server-sent event or line of {size} bytes exceeds max_event_bytes={self._max}"
        )


_new = object.__new__


def _event(event: str, raw: bytes, id: str | None, retry: int | None) -> ServerSentEvent:
    """A ServerSentEvent from raw bytes, without the public constructor's checks."""
    ev: ServerSentEvent = _new(ServerSentEvent)
    ev.event = event
    ev.raw = raw
    ev._data = None
    ev.id = id
    ev.retry = retry
    return ev
