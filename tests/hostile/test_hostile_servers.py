"""Hostile servers against both transports: the error type, and bounded memory and time."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from seedclient import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    InternalServerError,
    ResponseTooLargeError,
    SeedClient,
    StreamError,
    Timeout,
)

from .conftest import head, peak_memory, read_request, serve

MIB = 1024 * 1024
MSGS = [{"role": "user", "content": "hi"}]
CHUNK = (
    b'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"' + b"x" * 200 + b'"}}]}\n\n'
)
LAST = (
    b'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n'
)


async def create(client: SeedClient, **kw: Any) -> Any:
    return await client.chat.completions.create(model="seed-1.8", messages=MSGS, **kw)


async def test_a_huge_json_body_is_refused_with_bounded_memory(
    make_client: Callable[..., SeedClient],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        size = 200 * MIB
        writer.write(
            head("200 OK", {"Content-Type": "application/json", "Content-Length": str(size)})
        )
        writer.write(b'{"id": "')
        for _ in range(size // MIB):  # bounded: 200 pieces of 1 MiB
            writer.write(b"a" * MIB)
            await writer.drain()

    async with serve(handler) as url:
        client = make_client(url, max_response_bytes=8 * MIB, max_retries=0)
        with (
            peak_memory() as peak,
            pytest.raises(ResponseTooLargeError, match="max_response_bytes"),
        ):
            await create(client)
    assert peak[0] < 40 * MIB  # the limit plus a few reads, not the 200 MiB body


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """1 GiB of zeros, gzipped (about 1 MiB): built once for the module."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MIB)
    return b"".join(comp.compress(block) for _ in range(1024)) + comp.flush()


@pytest.mark.parametrize(
    ("status", "expected"),
    [("200 OK", ResponseTooLargeError), ("500 Internal Server Error", InternalServerError)],
)
async def test_a_gzip_bomb(
    make_client: Callable[..., SeedClient], status: str, expected: type[Exception], bomb: bytes
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            head(
                status,
                {
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                    "Content-Length": str(len(bomb)),
                },
            )
        )
        writer.write(bomb)
        await writer.drain()

    async with serve(handler) as url:
        client = make_client(url, max_response_bytes=8 * MIB, max_retries=0)
        with peak_memory() as peak, pytest.raises(expected) as info:
            await create(client)
    # The 8 MiB limit plus bounded inflate steps on both transports: not the 1 GiB, and not
    # one network read inflated at once (httpx's own decoder: ~64 MB a 64 KiB read).
    assert peak[0] < 24 * MIB
    if expected is InternalServerError:
        assert len(str(info.value.body)) <= 64 * 1024 + 64  # type: ignore[attr-defined]


async def test_html_200_is_typed_and_retried(make_client: Callable[..., SeedClient]) -> None:
    hits = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            hits.append(1)
            page = b"<html><body>Bad gateway, try later</body></html>"
            writer.write(
                head("200 OK", {"Content-Type": "text/html", "Content-Length": str(len(page))})
                + page
            )
            await writer.drain()

    async with serve(handler) as url:
        client = make_client(url, max_retries=2, timeout=Timeout(total=30))
        with pytest.raises(APIResponseValidationError, match="text/html") as info:
            await create(client)
    assert len(hits) == 3 and "Bad gateway" in str(info.value.body)


async def test_json_200_to_a_stream_request_raises_at_once(
    make_client: Callable[..., SeedClient],
) -> None:
    hits = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            hits.append(1)
            body = b'{"id":"x","object":"chat.completion","choices":[]}'
            writer.write(
                head(
                    "200 OK", {"Content-Type": "application/json", "Content-Length": str(len(body))}
                )
                + body
            )
            await writer.drain()

    async with serve(handler) as url:
        client = make_client(url, max_retries=2)
        with pytest.raises(APIResponseValidationError, match="application/json"):
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as s:
                _ = [c async for c in s]
    assert len(hits) == 1  # not retried: a completion was billed already


async def test_slowloris_headers_are_cut_at_first_event(
    make_client: Callable[..., SeedClient],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):  # one header byte every 0.1 s, for at most 10 s
            writer.write(b"X")
            await writer.drain()
            await asyncio.sleep(0.1)

    async with serve(handler) as url:
        client = make_client(url, max_retries=0, timeout=Timeout(total=60, first_event=1.0))
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="first_event"):
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as s:
                _ = [c async for c in s]
    assert time.monotonic() - started < 5  # cut at first_event, not at the total deadline


@pytest.mark.parametrize(
    "reply",
    [b"SPAM 200 nonsense\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Ty", b""],
    ids=["garbage-status-line", "closed-mid-headers", "closed-at-once"],
)
async def test_broken_replies_are_connection_errors(
    make_client: Callable[..., SeedClient], reply: bytes
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(reply)
        await writer.drain()

    async with serve(handler) as url:
        client = make_client(url, max_retries=1)
        with pytest.raises(APIConnectionError) as info:
            await create(client)
    assert info.value.__cause__ is None and info.value.__context__ is None


async def test_endless_chunks_do_not_grow_the_completion(
    make_client: Callable[..., SeedClient],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(head("200 OK", {"Content-Type": "text/event-stream"}))
        for _ in range(20_000):  # 4 MB of content, bounded
            writer.write(CHUNK)
            await writer.drain()
        writer.write(LAST + b"data: [DONE]\n\n")
        await writer.drain()

    async with serve(handler) as url:
        client = make_client(url, max_response_bytes=1 * MIB)
        with peak_memory() as peak:
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as s:
                count = sum([1 async for _ in s])
    assert count == 20_001  # every chunk still reaches the caller
    with pytest.raises(ResponseTooLargeError):
        _ = s.completion
    assert peak[0] < 12 * MIB  # not the 4 MB of content kept, plus per-chunk garbage


async def test_a_stream_cut_short_is_a_stream_error(make_client: Callable[..., SeedClient]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(head("200 OK", {"Content-Type": "text/event-stream"}) + CHUNK * 3)
        await writer.drain()

    async with serve(handler) as url:
        client = make_client(url)
        with pytest.raises(StreamError, match="3 chunk"):
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as s:
                _ = [c async for c in s]
