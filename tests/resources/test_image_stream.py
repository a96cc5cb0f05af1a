"""Image streams behave as chat streams do (one EventStream under both): they open at
``async with``, retry a body cut before the first event, time out with APITimeoutError, and
refuse a 2xx that is not an event stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec
import pytest
from aiohttp import web

from seedclient import (
    APIResponseValidationError,
    APITimeoutError,
    BadRequestError,
    SeedClient,
    StreamError,
    Timeout,
)

from ..conftest import web_server

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MADE = {"type": "image_generation.partial_succeeded", "image_index": 0, "url": "https://x/0.png"}
DONE = {"type": "image_generation.completed", "usage": {"generated_images": 1}}


def frame(event: dict[str, object]) -> bytes:
    return b"data: " + msgspec.json.encode(event) + b"\n\n"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    async with contextlib.AsyncExitStack() as servers:

        async def start(handler: Handler) -> str:
            return await servers.enter_async_context(web_server("/images/generations", handler))

        yield start


async def test_a_cut_before_the_first_event_is_retried(
    serve: Callable[..., Awaitable[str]],
) -> None:
    seen: list[int] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(1)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        if len(seen) > 1:  # the first answer is cut before any event
            await resp.write(frame(MADE) + frame(DONE) + b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    url = await serve(handler)
    async with SeedClient(base_url=url, api_key="k", max_retries=2) as client:
        async with client.images.stream(model="seedream-4.5", prompt="p") as events:
            kinds = [e.kind async for e in events]
    assert kinds == ["partial_succeeded", "completed"]
    assert len(seen) == 2
    assert events.images[0].url == "https://x/0.png"


async def test_a_cut_after_an_event_says_how_many_arrived(
    serve: Callable[..., Awaitable[str]],
) -> None:
    seen: list[int] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(1)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(frame(MADE))
        await resp.write_eof()
        return resp

    url = await serve(handler)
    async with SeedClient(base_url=url, api_key="k", max_retries=2) as client:
        events = client.images.stream(model="seedream-4.5", prompt="p")
        got = []
        with pytest.raises(StreamError, match=r"after 1 image event\(s\)") as info:
            async with events:
                async for e in events:
                    got.append(e.kind)
    assert got == ["partial_succeeded"]
    assert info.value.chunks == 1
    assert len(seen) == 1  # an event reached the caller: never sent again


async def test_an_error_status_raises_at_async_with(serve: Callable[..., Awaitable[str]]) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        body = {"error": {"code": "InvalidParameter", "message": "bad size"}}
        return web.json_response(body, status=400)

    url = await serve(handler)
    opened = False
    async with SeedClient(base_url=url, api_key="k") as client:
        with pytest.raises(BadRequestError, match="bad size"):
            async with client.images.stream(model="seedream-4.5", prompt="p"):
                opened = True
    assert not opened


async def test_json_where_a_stream_was_asked_for_is_refused(
    serve: Callable[..., Awaitable[str]],
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response({"model": "m", "data": []})

    url = await serve(handler)
    async with SeedClient(base_url=url, api_key="k") as client:
        with pytest.raises(APIResponseValidationError, match="a stream was asked for"):
            async with client.images.stream(model="seedream-4.5", prompt="p"):
                pass


async def test_an_idle_stream_times_out_as_chat_does(serve: Callable[..., Awaitable[str]]) -> None:
    stop = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(frame(MADE))
        await stop.wait()  # nothing more: the client's idle timer must fire
        return resp

    url = await serve(handler)
    try:
        async with SeedClient(base_url=url, api_key="k", timeout=Timeout(idle=0.2)) as client:
            with pytest.raises(StreamError, match="idle timeout") as info:
                async with client.images.stream(model="seedream-4.5", prompt="p") as events:
                    async for _ in events:
                        pass
        assert isinstance(info.value.__cause__, APITimeoutError)
    finally:
        stop.set()
