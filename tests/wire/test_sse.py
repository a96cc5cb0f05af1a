"""SSEDecoder against the WHATWG rules: a table fed whole, byte by byte and split at every
offset; property tests over chunkings; httpx-sse as a differential oracle where they agree."""

from __future__ import annotations

import re

import pytest
from httpx_sse._decoders import SSEDecoder as HttpxSSEDecoder
from hypothesis import given, settings
from hypothesis import strategies as st

from seedclient import ServerSentEvent, SSEDecoder, StreamError

E = ServerSentEvent

CASES: list[tuple[str, bytes, list[ServerSentEvent]]] = [
    ("one event", b"data: hello\n\n", [E("message", "hello")]),
    ("two events", b"data: a\n\ndata: b\n\n", [E(data="a"), E(data="b")]),
    ("multi-line data joined with LF", b"data: a\ndata: b\ndata\n\n", [E(data="a\nb\n")]),
    ("CRLF line ends", b"data: a\r\n\r\ndata: b\r\n\r\n", [E(data="a"), E(data="b")]),
    ("lone CR line ends", b"data: a\r\rdata: b\r\r", [E(data="a"), E(data="b")]),
    ("mixed line ends", b"data: a\r\n\rdata: b\n\r\n", [E(data="a"), E(data="b")]),
    ("BOM stripped once", b"\xef\xbb\xbfdata: x\n\n", [E(data="x")]),
    ("second BOM is data", b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n", []),
    ("comment ignored", b": keep-alive\n\n: ping\ndata: x\n\n", [E(data="x")]),
    ("field without colon", b"data\n\n", [E(data="")]),
    ("only one leading space stripped", b"data:  two\n\n", [E(data=" two")]),
    ("no space after colon", b"data:x\n\n", [E(data="x")]),
    ("colon in value kept", b"data: a:b: c\n\n", [E(data="a:b: c")]),
    ("event type", b"event: add\ndata: 1\n\n", [E("add", "1")]),
    ("empty event type is message", b"event:\ndata: 1\n\n", [E("message", "1")]),
    (
        "event type reset after dispatch",
        b"event: add\ndata: 1\n\ndata: 2\n\n",
        [E("add", "1"), E(data="2")],
    ),
    ("event-only block dispatches nothing", b"event: add\n\ndata: 2\n\n", [E(data="2")]),
    ("id-only block dispatches nothing", b"id: 7\n\ndata: 2\n\n", [E(data="2", id="7")]),
    ("retry-only block dispatches nothing", b"retry: 5\n\ndata: 2\n\n", [E(data="2", retry=5)]),
    ("id persists", b"id: 1\ndata: a\n\ndata: b\n\n", [E(data="a", id="1"), E(data="b", id="1")]),
    (
        "id set empty",
        b"id: 1\ndata: a\n\nid\ndata: b\n\n",
        [E(data="a", id="1"), E(data="b", id="")],
    ),
    (
        "id with NUL ignored",
        b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        [E(data="a", id="1"), E(data="b", id="1")],
    ),
    (
        "retry digits only",
        b"retry: 10\nretry: 1x\nretry: -3\nretry:  4\nretry:\ndata: a\n\n",
        [E(data="a", retry=10)],
    ),
    (
        "retry persists",
        b"retry: 9\ndata: a\n\ndata: b\n\n",
        [E(data="a", retry=9), E(data="b", retry=9)],
    ),
    ("unknown fields ignored", b"foo: bar\ndata: a\nbaz\n\n", [E(data="a")]),
    ("field names are case-sensitive", b"Data: a\ndata: b\n\n", [E(data="b")]),
    ("unterminated final event discarded", b"data: a\n\ndata: b\n", [E(data="a")]),
    ("unterminated final line discarded", b"data: a\n\ndata: b", [E(data="a")]),
    ("invalid UTF-8 replaced", b"data: a\xffb\n\n", [E(data="a\ufffdb")]),
    ("multibyte text", "data: 我们 ✓\n\n".encode(), [E(data="我们 ✓")]),
    ("blank lines before anything", b"\n\n\r\ndata: a\n\n", [E(data="a")]),
    (
        "Seed chunk",
        b'data: {"choices":[{"delta":{"content":"\xe6\x88\x91"}}]}\n\ndata: [DONE]\n\n',
        [E(data='{"choices":[{"delta":{"content":"我"}}]}'), E(data="[DONE]")],
    ),
]


def feed_all(chunks: list[bytes], **kw: int) -> list[ServerSentEvent]:
    dec = SSEDecoder(**kw)
    out: list[ServerSentEvent] = []
    for c in chunks:
        out.extend(dec.feed(c))
    return out


@pytest.mark.parametrize(("name", "raw", "expected"), CASES, ids=[c[0] for c in CASES])
def test_table_whole_bytewise_and_every_split(
    name: str, raw: bytes, expected: list[ServerSentEvent]
) -> None:
    assert feed_all([raw]) == expected
    assert feed_all([raw[i : i + 1] for i in range(len(raw))]) == expected
    for cut in range(len(raw) + 1):
        assert feed_all([raw[:cut], raw[cut:]]) == expected, cut
    for a in range(0, len(raw) + 1, 3):
        for b in range(a, len(raw) + 1, 5):
            assert feed_all([raw[:a], raw[a:b], raw[b:]]) == expected, (a, b)


def test_event_ending_in_lone_cr_is_dispatched_without_waiting() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: a\r") == []
    assert dec.feed(b"\r") == [E(data="a")]  # not held back for a possible LF
    assert dec.feed(b"\ndata: b\r\r") == [E(data="b")]  # that LF was a blank line, no event


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: a\r") == []
    assert dec.feed(b"\n") == []
    assert dec.feed(b"\r") == [E(data="a")]
    assert dec.feed(b"\n") == []


def test_bom_split_across_chunks() -> None:
    assert feed_all([b"\xef", b"\xbb", b"\xbfdata: x\n\n"]) == [E(data="x")]
    assert feed_all([b"\xef\xbb", b"data: x\n\n"]) == []  # not a BOM: a garbled field name


def test_state_accessors() -> None:
    dec = SSEDecoder()
    dec.feed(b"id: 42\nretry: 1500\n\n")
    assert (dec.last_event_id, dec.retry) == ("42", 1500)


def test_line_cap_raises_clear_stream_error() -> None:
    dec = SSEDecoder(max_event_bytes=1024)
    dec.feed(b"data: " + b"x" * 1000)
    with pytest.raises(StreamError, match="exceeds max_event_bytes=1024"):
        dec.feed(b"y" * 100)


def test_event_cap_across_lines() -> None:
    dec = SSEDecoder(max_event_bytes=1024)
    with pytest.raises(StreamError, match="exceeds max_event_bytes=1024"):
        dec.feed(b"data: " + b"x" * 600 + b"\ndata: " + b"y" * 600 + b"\n")


def test_large_event_within_cap_and_linear_in_chunking() -> None:
    payload = b"z" * (4 * 1024 * 1024)
    raw = b"data: " + payload + b"\n\n"
    events = feed_all([raw[i : i + 1024] for i in range(0, len(raw), 1024)])
    assert len(events) == 1
    assert events[0].raw == payload


def test_event_repr_and_equality() -> None:
    ev = E("add", "x", "1", 5)
    assert repr(ev) == "ServerSentEvent(event='add', data='x', id='1', retry=5)"
    assert ev == E("add", b"x", "1", 5)
    assert ev != E("add", "y", "1", 5)
    assert ev != "x"


# --------------------------------------------------------------------------- properties

_LINE_END = st.sampled_from([b"\n", b"\r", b"\r\n"])
_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)),
    max_size=12,
)


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["data", "event", "id", "retry", "comment", "blank", "junk"]))
        value = draw(_TEXT).encode()
        line = {"comment": b":" + value, "blank": b"", "junk": b"x" + value}.get(
            kind, kind.encode() + b": " + value
        )
        parts.append(line + draw(_LINE_END))
    return b"".join(parts)


def cut_at(raw: bytes, cuts: list[int]) -> list[bytes]:
    """``raw`` in pieces, cut at each offset (past the end: at the end)."""
    points = sorted({min(c, len(raw)) for c in cuts})
    return [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]


@given(streams(), st.lists(st.integers(0, 200), max_size=8))
@settings(max_examples=300, deadline=None)
def test_any_chunking_gives_the_same_events(raw: bytes, cuts: list[int]) -> None:
    chunks = cut_at(raw, cuts)
    assert feed_all(chunks) == feed_all([raw])


def _httpx_sse_events(raw: bytes) -> list[tuple[str, str]]:
    dec = HttpxSSEDecoder()
    out = []
    text = raw.decode("utf-8", "replace")
    lines = re.split(r"\r\n|\r|\n", text)
    lines.pop()  # the text after the last line end is unterminated: discarded by both
    for line in lines:
        ev = dec.decode(line)
        if ev is not None:
            out.append((ev.event, ev.data))
    return out


@st.composite
def agreed_streams(draw: st.DrawFn) -> bytes:
    """Streams where the spec and httpx-sse agree: every block has data; no id, no retry."""
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        lines = []
        if draw(st.booleans()):
            lines.append(b"event: " + draw(_TEXT).encode())
        for _ in range(draw(st.integers(1, 3))):
            lines.append(b"data:" + draw(st.sampled_from([b"", b" "])) + draw(_TEXT).encode())
        if draw(st.booleans()):
            lines.append(b": comment")
        end = draw(_LINE_END)
        blocks.append(end.join(lines) + end + end)
    return b"".join(blocks)


@given(agreed_streams())
@settings(max_examples=300, deadline=None)
def test_differential_against_httpx_sse(raw: bytes) -> None:
    ours = [(e.event, e.data) for e in feed_all([raw])]
    assert ours == _httpx_sse_events(raw)
    assert len(ours) >= 1


# --------------------------------------------------------------------------- feed_joined


def joined_events(chunks: list[bytes]) -> list[tuple[str, bytes, str | None, int | None]]:
    """feed_joined's answers, unpacked into the events they stand for."""
    dec = SSEDecoder()
    out: list[tuple[str, bytes, str | None, int | None]] = []
    for c in chunks:
        got = dec.feed_joined(c)
        if isinstance(got, tuple):
            data, n = got
            lines = data.split(b"\n")
            assert len(lines) == n
            out.extend(("message", line, dec.last_event_id, dec.retry) for line in lines)
        else:
            out.extend(got)
    return out


def raw_events(chunks: list[bytes]) -> list[tuple[str, bytes, str | None, int | None]]:
    dec = SSEDecoder()
    return [e for c in chunks for e in dec.feed_raw(c)]


@pytest.mark.parametrize(("name", "raw", "expected"), CASES, ids=[c[0] for c in CASES])
def test_joined_is_the_same_events_at_every_split(
    name: str, raw: bytes, expected: list[ServerSentEvent]
) -> None:
    want = raw_events([raw])
    assert [(e, d.decode("utf-8", "replace"), i, r) for e, d, i, r in want] == [
        (e.event, e.data, e.id, e.retry) for e in expected
    ]
    assert joined_events([raw]) == want
    for cut in range(len(raw) + 1):
        assert joined_events([raw[:cut], raw[cut:]]) == want, cut


def test_joined_packs_a_plain_read_and_unpacks_anything_else() -> None:
    dec = SSEDecoder()
    assert dec.feed_joined(b'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\ndata: {"c"') == (
        b'{"a":1}\n{"b":2}\n[DONE]',
        3,
    )
    assert dec.feed_joined(b":3}\n\n") == (b'{"c":3}', 1)  # the carried block, completed
    assert dec.feed_joined(b"data: x\n\n: ping\n\n") == [("message", b"x", None, None)]
    assert dec.feed_joined(b"event: e\ndata: y\n\n") == [("e", b"y", None, None)]
    assert dec.feed_joined(b"data: a\ndata: b\n\n") == [("message", b"a\nb", None, None)]
    assert dec.feed_joined(b"data: z\n\n\n") == [("message", b"z", None, None)]
    assert dec.feed_joined(b"data: \n\n") == (b"", 1)  # an empty data line is an event
    assert dec.feed_joined(b"data: q") == []  # unfinished: kept


_PLAIN_PIECES = st.sampled_from(
    [
        b'data: {"n":1}\n\n',
        b"data: [DONE]\n\n",
        b"data:  spaced\n\n",
        b"data: \n\n",
        b"data:tight\n\n",
        b"data: a\ndata: b\n\n",
        b": ping\n\n",
        b"\n",
        b"id: 7\n\n",
        b"retry: 50\ndata: r\n\n",
        b"event: error\ndata: {}\n\n",
        b"data: crlf\r\n\r\n",
        b"data: cr\r\r",
    ]
)


@given(
    st.lists(_PLAIN_PIECES, max_size=12).map(b"".join),
    st.lists(st.integers(0, 300), max_size=6),
)
@settings(max_examples=400, deadline=None)
def test_joined_agrees_with_raw_on_json_like_streams(raw: bytes, cuts: list[int]) -> None:
    chunks = cut_at(raw, cuts)
    assert joined_events(chunks) == raw_events(chunks) == raw_events([raw])


@given(streams(), st.lists(st.integers(0, 200), max_size=8))
@settings(max_examples=300, deadline=None)
def test_joined_agrees_with_raw_on_any_stream(raw: bytes, cuts: list[int]) -> None:
    chunks = cut_at(raw, cuts)
    assert joined_events(chunks) == raw_events([raw])


def _outcomes(chunks: list[bytes], joined: bool) -> list[object]:
    """Per read: its events (unpacked as ``joined_events`` does), or the error it raised;
    reading goes on after an error, as a caller that catches it may."""
    dec = SSEDecoder(max_event_bytes=24)
    out: list[object] = []
    for c in chunks:
        try:
            got = dec.feed_joined(c) if joined else dec.feed_raw(c)
        except StreamError as exc:
            out.append(str(exc))
            continue
        if isinstance(got, tuple):
            got = [("message", line, dec.last_event_id, dec.retry) for line in got[0].split(b"\n")]
        out.append(got)
    return out


@given(
    st.lists(
        st.one_of(_PLAIN_PIECES, st.sampled_from([b"data: " + b"L" * 30 + b"\n\n", b"x" * 26])),
        max_size=12,
    ).map(b"".join),
    st.lists(st.integers(0, 300), max_size=6),
)
@settings(max_examples=400, deadline=None)
def test_joined_raises_where_raw_raises(raw: bytes, cuts: list[int]) -> None:
    """A small max_event_bytes: the same events and the same errors at the same reads,
    whether a read takes feed_joined's inline path or not (a carried tail plus a read can
    pass the limit when neither does)."""
    chunks = cut_at(raw, cuts)
    assert _outcomes(chunks, joined=True) == _outcomes(chunks, joined=False)
