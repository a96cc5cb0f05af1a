"""A stream whose events arrive many to a read: each chunk in order, a failure after the
chunks that came before it, nothing after [DONE]."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from seedclient import InternalServerError, StreamError

from .test_stream import MSGS, chunk, client_for
from .test_stream import canned as canned

DONE = b"data: [DONE]\n\n"
USAGE = (
    b"data: "
    + msgspec.json.encode(
        {
            "id": "c1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [],
            "usage": {"prompt_tokens": 3, "completion_tokens": 200, "total_tokens": 203},
        }
    )
    + b"\n\n"
)


async def read_all(url: str) -> tuple[list[str], Any]:
    """The content of every chunk handed over, and the stream."""
    got: list[str] = []
    async with client_for(url) as client:
        async with client.chat.completions.stream(model="m", messages=MSGS) as stream:
            async for c in stream:
                got.append(c.choices[0].delta.content or "")
    return got, stream


@pytest.mark.parametrize("piece", [0, 7, 300])
async def test_every_chunk_in_order_whatever_the_reads(canned: Any, piece: int) -> None:
    words = [f"w{i} " for i in range(200)]
    body = b"".join(chunk({"content": w}) for w in words)
    body += chunk({"content": ""}, "stop") + USAGE + DONE
    pieces = [body] if not piece else [body[i : i + piece] for i in range(0, len(body), piece)]
    got, stream = await read_all(await canned(pieces))
    assert got == [*words, ""]
    assert stream.completion.choices[0].message.content == "".join(words)
    assert stream.usage is not None and stream.usage.completion_tokens == 200


async def test_a_malformed_chunk_among_good_ones_raises_after_them(canned: Any) -> None:
    body = chunk({"content": "a"}) + chunk({"content": "b"}) + b"data: {bad\n\n"
    body += chunk({"content": "c"}, "stop") + DONE
    url = await canned([body])  # one write: one read, decoded together
    got: list[str] = []
    async with client_for(url) as client:
        with pytest.raises(StreamError, match=r"malformed chunk after 2 chunk\(s\)") as info:
            async with client.chat.completions.stream(model="m", messages=MSGS) as stream:
                async for c in stream:
                    got.append(c.choices[0].delta.content or "")
    assert got == ["a", "b"]
    assert info.value.chunks == 2 and info.value.data == "{bad"


async def test_an_error_payload_mid_read_raises_where_it_stands(canned: Any) -> None:
    err = {"error": {"code": "InternalServiceError", "message": "the model failed"}}
    body = chunk({"content": "a"}) + b"data: " + msgspec.json.encode(err) + b"\n\n"
    body += chunk({"content": "never"}, "stop") + DONE
    url = await canned([body])
    got: list[str] = []
    async with client_for(url) as client:
        with pytest.raises(InternalServerError, match="the model failed"):
            async with client.chat.completions.stream(model="m", messages=MSGS) as stream:
                async for c in stream:
                    got.append(c.choices[0].delta.content or "")
    assert got == ["a"]


async def test_nothing_after_done_is_read(canned: Any) -> None:
    body = chunk({"content": "a"}, "stop") + DONE + chunk({"content": "late"}) + b"data: {bad\n\n"
    got, stream = await read_all(await canned([body]))
    assert got == ["a"]
    assert stream.completion.choices[0].message.content == "a"


async def test_done_alone_in_its_read_ends_the_stream(canned: Any) -> None:
    got, stream = await read_all(await canned([chunk({"content": "a"}, "stop"), DONE]))
    assert got == ["a"]
    assert stream.completion.choices[0].finish_reason == "stop"
