"""ChatStream over real sockets on 127.0.0.1: the fake server, or a tiny aiohttp app for
shapes the fake server does not send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

import msgspec
import pytest
from aiohttp import web

from seedclient import (
    APITimeoutError,
    ChatStream,
    InternalServerError,
    RateLimitError,
    SeedClient,
    StreamError,
    Timeout,
)
from seedclient.testing import FakeClock, FakeSeedServer, FaultPlan
from seedclient.transports import AiohttpTransport, HttpxTransport, Transport

MSGS = [{"role": "user", "content": "Explain server-sent events"}]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSeedServer]:
    async with FakeSeedServer() as server:
        yield server


class _Transports:
    kind = "aiohttp"
    made: ClassVar[list[Transport]] = []


@pytest.fixture(autouse=True, params=["aiohttp", "httpx"])
async def transport_kind(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Every test here runs over both transports; the transports it made are closed after."""
    _Transports.kind = request.param
    yield request.param
    while _Transports.made:
        await _Transports.made.pop().aclose()


def client_for(url: str, **kw: Any) -> SeedClient:
    """A client on the transport under test."""
    t: Transport = AiohttpTransport() if _Transports.kind == "aiohttp" else HttpxTransport()
    _Transports.made.append(t)
    return SeedClient(
        base_url=url, **{"provider": "byteplus", "api_key": "test", "transport": t, **kw}
    )


async def in_use(client: SeedClient) -> int:
    """Connections checked out of the client's pool, once pending closes have run."""
    t = client.transport
    if isinstance(t, HttpxTransport):
        await asyncio.gather(*t._closing)  # httpx closes in a task
    return t.connections_in_use  # type: ignore[attr-defined, no-any-return]


def kept_alive(transport: Transport) -> int:
    """Idle connections in the transport's pool, waiting for reuse."""
    if isinstance(transport, AiohttpTransport):
        connector = transport._session.connector  # type: ignore[union-attr]
        return sum(len(v) for v in connector._conns.values())  # type: ignore[union-attr]
    pool = transport._client._transport._pool  # type: ignore[attr-defined]
    return sum(1 for c in pool.connections if c.is_idle())


@pytest.fixture
async def canned() -> AsyncIterator[Callable[[list[bytes]], Any]]:
    """Start an aiohttp app on 127.0.0.1 that streams the given byte pieces as SSE."""
    runners: list[web.AppRunner] = []

    async def start(pieces: list[bytes]) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            await request.read()
            resp = web.StreamResponse(
                headers={"Content-Type": "text/event-stream", "x-request-id": "canned-1"}
            )
            await resp.prepare(request)
            for p in pieces:
                await resp.write(p)
            await resp.write_eof()
            return resp

        app = web.Application()
        app.router.add_post("/v1/chat/completions", handler)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}/v1"

    yield start
    for r in runners:
        await r.cleanup()


def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> bytes:
    body = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "seed-1-8-251228",
        "service_tier": "default",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        "usage": None,
        **top,
    }
    return b"data: " + msgspec.json.encode(body) + b"\n\n"


async def test_reasoning_then_content_then_usage(fake: FakeSeedServer) -> None:
    order: list[str] = []
    async with client_for(fake.url) as client:
        options = {"include_usage": True}  # asked for: the usage chunk is iterated too
        async with client.chat.completions.stream(
            model="seed-1.8", messages=MSGS, stream_options=options
        ) as stream:
            async for c in stream:
                if c.choices:
                    d = c.choices[0].delta
                    if d.reasoning_content:
                        order.append("reasoning")
                    if d.content:
                        order.append("content")
                elif c.usage is not None:
                    order.append("usage")
        done = stream.completion
        assert await in_use(client) == 0
    collapsed = [k for i, k in enumerate(order) if i == 0 or order[i - 1] != k]
    assert collapsed == ["reasoning", "content", "usage"]
    msg = done.choices[0].message
    assert msg.reasoning_content and msg.reasoning_content.startswith("The user wrote:")
    assert msg.content and "Explain server-sent events".lower().split()[-1] in msg.content
    assert done.usage is not None
    assert done.usage.reasoning_tokens == order.count("reasoning")
    assert done.usage.completion_tokens == order.count("reasoning") + order.count("content")
    assert done.choices[0].finish_reason == "stop"
    assert done.request_id == stream.request_id is not None
    assert fake.stats.streams_completed == 1


async def test_text_and_reasoning_iterators_and_create_stream_true(fake: FakeSeedServer) -> None:
    async with client_for(fake.url) as client:
        s1 = await client.chat.completions.create(stream=True, model="seed-1.8", messages=MSGS)
        assert isinstance(s1, ChatStream)
        async with s1:
            reasoning = "".join([t async for t in s1.reasoning()])
            answer = "".join([t async for t in s1.text()])  # the same stream goes on
        assert answer and answer == s1.completion.content
        s2 = client.chat.completions.stream(model="seed-1.8", messages=MSGS, thinking="disabled")
        async with s2:
            text = "".join([t async for t in s2.text()])
    assert reasoning == s1.completion.choices[0].message.reasoning_content
    assert text == s2.completion.content
    assert s2.completion.choices[0].message.reasoning_content is None


async def test_events_interleave_reasoning_and_content(fake: FakeSeedServer) -> None:
    async with client_for(fake.url) as client:
        async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
            pairs = [pair async for pair in stream.events()]
    kinds = [k for i, (k, _) in enumerate(pairs) if i == 0 or pairs[i - 1][0] != k]
    assert kinds == ["reasoning", "content"]
    message = stream.completion.choices[0].message
    assert "".join(t for k, t in pairs if k == "reasoning") == message.reasoning_content
    assert "".join(t for k, t in pairs if k == "content") == message.content


async def test_the_usage_chunk_is_not_iterated_unless_asked(fake: FakeSeedServer) -> None:
    async with client_for(fake.url) as client:
        async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
            chunks = [c async for c in stream]
        assert all(c.choices for c in chunks)
        assert stream.usage is not None and stream.usage.total_tokens > 0
        assert stream.completion.usage == stream.usage
        opts = {"include_usage": True}
        async with client.chat.completions.stream(
            model="seed-1.8", messages=MSGS, stream_options=opts
        ) as stream:
            chunks = [c async for c in stream]
        assert chunks[-1].choices == [] and chunks[-1].usage == stream.usage


async def test_completion_before_end_is_an_error(fake: FakeSeedServer) -> None:
    async with client_for(fake.url) as client:
        async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
            with pytest.raises(StreamError, match="once the stream has ended"):
                _ = stream.completion
            final = await stream.get_final_completion()
    assert final is stream.completion


async def test_tool_calls_in_fragments(canned: Any) -> None:
    url = await canned(
        [
            chunk({"role": "assistant", "content": "", "reasoning_content": "need weather"}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_a",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 1,
                            "id": "call_b",
                            "type": "function",
                            "function": {"name": "get_time", "arguments": "{}"},
                        }
                    ]
                }
            ),
            chunk(
                {"tool_calls": [{"index": 0, "function": {"arguments": '"Beijing"}'}}]},
                "tool_calls",
            ),
            b"data: [DONE]\n\n",
        ]
    )
    async with client_for(url) as client:
        async with client.chat.completions.stream(model="m", messages=MSGS) as stream:
            chunks = [c async for c in stream]
    assert len(chunks) == 5
    calls = stream.completion.choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_a", "get_weather", '{"city": "Beijing"}'),
        ("call_b", "get_time", "{}"),
    ]
    assert stream.completion.choices[0].finish_reason == "tool_calls"
    assert stream.completion.content is None
    assert stream.completion.choices[0].message.reasoning_content == "need weather"


async def test_tool_calls_whole_in_one_chunk(fake: FakeSeedServer) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_current_weather",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
            },
        }
    ]
    async with (
        client_for(fake.url) as client,
        client.chat.completions.stream(
            model="seed-1.8",
            messages=[{"role": "user", "content": "weather in Beijing"}],
            tools=tools,
        ) as stream,
    ):
        await stream.get_final_completion()
    (call,) = stream.completion.choices[0].message.tool_calls or []
    assert call.function.name == "get_current_weather"
    assert msgspec.json.decode(call.function.arguments) == {"location": "Beijing"}
    assert stream.completion.choices[0].finish_reason == "tool_calls"


async def test_mid_stream_error_event_raises_matching_error() -> None:
    plan = FaultPlan(script=["error_event"], truncate_after=3)
    async with FakeSeedServer(faults=plan) as server, client_for(server.url) as client:
        got = 0
        with pytest.raises(InternalServerError) as info:
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
                async for _ in stream:
                    got += 1
        assert await in_use(client) == 0
    assert got == 3
    assert info.value.code == "InternalServiceError"
    assert info.value.request_id == stream.request_id


async def test_event_error_and_rate_limit_code(canned: Any) -> None:
    err = {"error": {"code": "ServerOverloaded", "message": "slow down"}}
    url = await canned(
        [chunk({"content": "a"}), b"event: error\ndata: " + msgspec.json.encode(err) + b"\n\n"]
    )
    async with client_for(url) as client:
        with pytest.raises(RateLimitError) as info:
            async with client.chat.completions.stream(model="m", messages=MSGS) as stream:
                async for _ in stream:
                    pass
    assert info.value.code == "ServerOverloaded"
    assert info.value.request_id == "canned-1"


async def test_body_cut_before_done_is_a_stream_error() -> None:
    plan = FaultPlan(script=["truncate"], truncate_after=4)
    async with FakeSeedServer(faults=plan) as server, client_for(server.url) as client:
        with pytest.raises(StreamError, match=r"after 4 chunk\(s\)") as info:
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
                async for _ in stream:
                    pass
        assert server.stats.received == 1  # not retried once chunks reached the caller
    assert info.value.chunks == 4


async def test_malformed_chunk_carries_the_data() -> None:
    plan = FaultPlan(script=["malformed"], truncate_after=1)
    async with FakeSeedServer(faults=plan) as server, client_for(server.url) as client:
        with pytest.raises(StreamError, match="malformed chunk") as info:
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
                async for _ in stream:
                    pass
        assert await in_use(client) == 0
    assert info.value.data is not None and info.value.data.startswith('{"id": "broken"')


async def test_idle_timeout_fires_despite_keepalive_comments() -> None:
    plan = FaultPlan(script=["stall"], truncate_after=2, stall_seconds=20, keepalive_every=0.02)
    timeout = Timeout(total=30, idle=0.3)
    async with (
        FakeSeedServer(faults=plan) as server,
        client_for(server.url, timeout=timeout) as client,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StreamError, match="idle timeout") as info:
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
                async for _ in stream:
                    pass
        assert loop.time() - started < 10  # far before the 20 s stall ends
        assert isinstance(info.value.__cause__, APITimeoutError)
        assert await in_use(client) == 0


async def test_first_event_timeout_is_retried_then_raised() -> None:
    async with FakeSeedServer(ttft=5) as server:
        async with client_for(
            server.url, timeout=Timeout(first_event=0.2), max_retries=1
        ) as client:
            with pytest.raises(APITimeoutError, match="first_event"):
                async with client.chat.completions.stream(
                    model="seed-1.8", messages=MSGS
                ) as stream:
                    async for _ in stream:
                        pass
        assert server.stats.received == 2  # nothing reached the caller: retried once


async def test_retry_before_first_event_not_after(clock: FakeClock) -> None:
    plan = FaultPlan(script=["overloaded", "reset", "truncate"], truncate_after=0)
    async with (
        FakeSeedServer(faults=plan) as server,
        client_for(server.url, clock=clock, max_retries=3) as client,
    ):
        async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
            text = "".join([t async for t in stream.text()])
        assert server.stats.received == 4
        assert text == stream.completion.content
        assert len(clock.sleeps) == 3


async def test_break_releases_the_connection() -> None:
    # A slow answer: the body is still coming when the loop breaks.
    async with FakeSeedServer(tokens_per_second=20) as server, client_for(server.url) as client:
        async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
            async for _ in stream:
                break
        assert await in_use(client) == 0
        # Without `async with`: dropping the stream object releases it too (its timer
        # must not keep it alive until the idle timeout).
        async for _ in client.chat.completions.stream(model="seed-1.8", messages=MSGS):
            break
        assert await in_use(client) == 0


async def test_cancellation_releases_the_connection() -> None:
    async with FakeSeedServer(tokens_per_second=20) as server, client_for(server.url) as client:
        first = asyncio.Event()

        async def consume() -> None:
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
                async for _ in stream:
                    first.set()

        task = asyncio.create_task(consume())
        await first.wait()
        assert await in_use(client) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await in_use(client) == 0


async def test_connection_reused_across_streams(fake: FakeSeedServer) -> None:
    async with client_for(fake.url) as client:
        for _ in range(3):
            async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as s:
                await s.get_final_completion()
        assert kept_alive(client.transport) == 1  # one kept-alive connection, reused


async def test_aiml_stream_meta_and_status_error_on_open() -> None:
    async with FakeSeedServer(dialect="aiml") as server, client_for(server.url) as client:
        async with client.chat.completions.stream(model="bytedance/seed-1-8", messages=MSGS) as s:
            done = await s.get_final_completion()
        assert done.meta is not None and done.meta.usage is not None
        assert (done.meta.usage.credits_used or 0) > 0
    async with FakeSeedServer(api_key="right") as server:
        async with client_for(server.url, api_key="wrong") as client:
            from seedclient import AuthenticationError

            with pytest.raises(AuthenticationError) as info:
                async with client.chat.completions.stream(model="seed-1.8", messages=MSGS):
                    pass
            assert await in_use(client) == 0
        assert info.value.request_id is not None


async def test_total_deadline_bounds_a_stream_that_keeps_flowing() -> None:
    # Chunks arrive every 50 ms, so idle never fires; the total deadline must.
    async with FakeSeedServer(tokens_per_second=20) as server:
        async with client_for(server.url, timeout=Timeout(total=0.6, idle=5)) as client:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(StreamError, match=r"total deadline of 0\.6s exceeded") as info:
                async with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as s:
                    async for _ in s:
                        pass
            assert loop.time() - started < 3
            assert isinstance(info.value.__cause__, APITimeoutError)
            assert await in_use(client) == 0
