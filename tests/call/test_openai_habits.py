"""openai-python's escape hatches, as its users reach for them by habit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from seedclient import (
    ChatCompletion,
    ChatStream,
    InternalServerError,
    RateLimitError,
    RawResponse,
    SeedClient,
    SyncSeedClient,
)
from seedclient.testing import FakeSeedServer, FaultPlan

from ..conftest import web_server

MSGS = [{"role": "user", "content": "Is this review positive or negative? I loved it"}]
COMPLETION = {
    "id": "x",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
    ],
}


@asynccontextmanager
async def recording() -> AsyncIterator[tuple[str, list[tuple[web.Request, bytes]]]]:
    """A server that answers every chat request and keeps each request it got."""
    seen: list[tuple[web.Request, bytes]] = []

    async def chat(request: web.Request) -> web.Response:
        seen.append((request, await request.read()))
        return web.json_response(COMPLETION, headers={"x-request-id": "rid-1"})

    async with web_server("/chat/completions", chat) as url:
        yield url, seen


async def test_default_headers_default_query_and_extra_query() -> None:
    async with (
        recording() as (url, seen),
        SeedClient(
            base_url=url,
            api_key="k",
            default_headers={"X-Team": "search", "User-Agent": "my-app/1.0"},
            default_query={"api-version": "2026-01-01"},
        ) as client,
    ):
        await client.chat.completions.create(model="m", messages=MSGS)
        await client.chat.completions.create(
            model="m", messages=MSGS, extra_query={"route": "eu"}, extra_headers={"X-Run": "7"}
        )
    (first, _), (second, body) = seen
    assert first.headers["X-Team"] == "search" and first.headers["User-Agent"] == "my-app/1.0"
    assert first.headers["Authorization"] == "Bearer k"
    assert dict(first.query) == {"api-version": "2026-01-01"}
    assert dict(second.query) == {"api-version": "2026-01-01", "route": "eu"}
    assert second.headers["X-Run"] == "7"
    assert b"extra_query" not in body and b"route" not in body  # the URL's, not the body's


async def test_per_request_max_retries() -> None:
    plan = FaultPlan(script=["server_error", "server_error", "server_error"])
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(
            provider=server.provider, base_url=server.url, api_key="t", max_retries=5
        ) as client,
    ):
        with pytest.raises(InternalServerError):
            await client.chat.completions.create(model="seed-1.8", messages=MSGS, max_retries=0)
        assert server.stats.received == 1  # sent once
        done = await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        assert done.content and server.stats.received == 4  # the client's 5 retries: 2 used
        with pytest.raises(Exception, match="max_retries must be an integer >= 0"):
            await client.chat.completions.create(model="seed-1.8", messages=MSGS, max_retries=-1)


async def test_with_raw_response_on_each_resource() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        raw = await client.chat.completions.with_raw_response.create(
            model="seed-1.8", messages=MSGS
        )
        assert isinstance(raw, RawResponse) and raw.status_code == 200
        done = raw.parse()
        assert isinstance(done, ChatCompletion)
        assert raw.request_id == raw.headers["x-request-id"] == done.request_id
        assert raw.elapsed > 0 and raw.retries == 0

        raw_stream = await client.chat.completions.with_raw_response.stream(
            model="seed-1.8", messages=MSGS
        )
        assert raw_stream.headers["Content-Type"].startswith("text/event-stream")
        async with raw_stream.parse() as stream:
            assert isinstance(stream, ChatStream)
            assert "".join([t async for t in stream.text()]) == stream.completion.content
        assert stream.request_id == raw_stream.request_id

        images = await client.images.with_raw_response.generate(
            model="seedream-4.5", prompt="a cat", size="2K"
        )
        assert images.status_code == 200 and images.parse().data
        vectors = await client.embeddings.with_raw_response.create(
            model="embedding-vision", input=["a"]
        )
        assert vectors.request_id and len(vectors.parse().data) == 1
        page = await client.models.with_raw_response.list()
        assert page.status_code == 200 and page.parse().data


async def test_error_headers_and_copy() -> None:
    plan = FaultPlan(script=["rate_limit"])
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(
            provider=server.provider, base_url=server.url, api_key="t", max_retries=0
        ) as client,
    ):
        with pytest.raises(RateLimitError) as info:
            await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        assert info.value.headers["Retry-After"] == "1"
        assert info.value.headers["x-request-id"] == info.value.request_id
        other = client.copy(timeout=5)
        assert other.timeout.total == 5 and other.transport is client.transport


def test_sync_with_raw_response(fake_in_thread: FakeSeedServer) -> None:
    url = fake_in_thread.url
    with SyncSeedClient(provider="byteplus", base_url=url, api_key="t") as client:
        raw: Any = client.chat.completions.with_raw_response.create(model="seed-1.8", messages=MSGS)
        assert raw.status_code == 200 and raw.parse().request_id == raw.request_id
        streamed: Any = client.chat.completions.with_raw_response.stream(
            model="seed-1.8", messages=MSGS
        )
        with streamed.parse() as stream:
            assert "".join(stream.text()) == stream.completion.content
