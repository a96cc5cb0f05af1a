"""A sans-IO server-sent-events decoder: bytes in, events out.

It follows the WHATWG HTML rules "Parsing an event stream" and "Interpreting an event
stream": UTF-8 with one leading BOM stripped and invalid bytes replaced; LF, CRLF and lone CR
line ends, in any chunking; comments ignored; one space after the colon stripped; data lines
joined with LF; an event dispatched on a blank line only when it has data; ``id`` with NUL
ignored; ``retry`` only when all ASCII digits; an unterminated last event discarded.

Work is linear in the input: each byte is scanned once for line ends and only the tail of an
unfinished line is buffered. It knows nothing of sockets, JSON or ``[DONE]``.
"""

from __future__ import annotations

from ._errors import StreamError

__all__ = ["SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"


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
    """Incremental decoder: call :meth:`feed` with each chunk of the body as it arrives.

    Args:
        max_event_bytes: the largest line, and the largest event's data, accepted; beyond
            it :meth:`feed` raises :class:`~seedclient.StreamError` rather than buffering
            without bound.
    """

    __slots__ = (
        "_buf",
        "_data",
        "_data_len",
        "_event",
        "_last_id",
        "_max",
        "_pending_cr",
        "_retry",
        "_started",
    )

    def __init__(self, max_event_bytes: int = 32 * 1024 * 1024) -> None:
        if max_event_bytes < 1:
            raise ValueError("max_event_bytes must be positive")
        self._max = max_event_bytes
        self._buf = bytearray()
        self._data: list[bytes] = []
        self._data_len = 0
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._pending_cr = False
        self._started = False

    @property
    def last_event_id(self) -> str | None:
        """The last event id seen so far (to send as ``Last-Event-ID`` on reconnect)."""
        return self._last_id

    @property
    def retry(self) -> int | None:
        """The reconnection time in ms the stream asked for, if any."""
        return self._retry

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode the next chunk; return the events it completed, in order."""
        if not self._started:
            if self._buf:
                chunk = bytes(self._buf) + chunk
                self._buf.clear()
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._buf.extend(chunk)  # could still be a BOM: wait for more
                return []
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if not chunk:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\r" in chunk:
            # A CR at the very end is a line end already; an LF opening the next chunk
            # belongs to it and must be skipped.
            self._pending_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        tail = lines.pop()
        events: list[ServerSentEvent] = []
        if lines:
            if self._buf:
                self._buf += lines[0]
                lines[0] = bytes(self._buf)
                self._buf.clear()
            for line in lines:
                if line[:5] == b"data:":
                    value = line[6:] if line[5:6] == b" " else line[5:]
                    self._data.append(value)
                    self._data_len += len(value) + 1
                    if self._data_len > self._max:
                        self._overflow("event")
                elif line:
                    self._field(line)
                elif self._data:
                    events.append(
                        ServerSentEvent(
                            self._event or "message",
                            b"\n".join(self._data),
                            self._last_id,
                            self._retry,
                        )
                    )
                    self._data = []
                    self._data_len = 0
                    self._event = ""
                else:
                    self._event = ""
        if tail:
            self._buf += tail
            if len(self._buf) > self._max:
                self._overflow("line")
        return events

    def _field(self, line: bytes) -> None:
        colon = line.find(b":")
        if colon == 0:
            return  # a comment, e.g. a gateway's keep-alive
        if colon < 0:
            name, value = line, b""
        else:
            name = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        if name == b"data":
            self._data.append(value)
            self._data_len += len(value) + 1
            if self._data_len > self._max:
                self._overflow("event")
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\0" not in value:
                self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():  # ASCII digits only; False for b""
            self._retry = int(value)

    def _overflow(self, what: str) -> None:
        size = len(self._buf) if what == "line" else self._data_len
        self._buf.clear()
        self._data = []
        self._data_len = 0
        raise StreamError(f"server-sent {what} of {size} bytes exceeds max_event_bytes={self._max}")
