"""Hooks: each event once per occurrence, in order, on both transports; a failing or slow
hook never fails a request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from seedclient import AuthenticationError, SeedClient
from seedclient.hooks import (
    CallFailed,
    CallFinished,
    FirstToken,
    HookEvent,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
)
from seedclient.testing import FakeClock, FakeSeedServer, FaultPlan
from seedclient.transports import AiohttpTransport, HttpxTransport

HI = [{"role": "user", "content": "hi"}]


@pytest.fixture(params=["aiohttp", "httpx"])
async def transport(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    t = AiohttpTransport() if request.param == "aiohttp" else HttpxTransport()
    yield t
    await t.aclose()


def kinds(events: list[HookEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


async def test_a_retried_call_tells_each_step_once_in_order(transport: Any) -> None:
    events: list[HookEvent] = []
    clock = FakeClock()
    async with (
        FakeSeedServer(faults=FaultPlan(script=["overloaded"], retry_after=3)) as server,
        SeedClient(
            provider=server.provider,
            base_url=server.url,
            api_key="k",
            transport=transport,
            hooks=[events.append],
            clock=clock,
        ) as client,
    ):
        done = await client.chat.completions.create(
            model="seed-1.6-flash", messages=HI, max_tokens=5
        )
    assert kinds(events) == [
        "RequestSent",
        "ResponseReceived",
        "RetryScheduled",
        "RequestSent",
        "ResponseReceived",
        "CallFinished",
    ]
    assert len({e.call_id for e in events}) == 1  # one call
    sent, refused, retry, again, answered, end = events
    assert isinstance(sent, RequestSent) and sent.attempt == 1 and sent.stream is False
    assert sent.operation == "chat" and sent.model == "seed-1.6-flash"
    assert sent.body is not None and b'"max_tokens":5' in sent.body and b"Bearer" not in sent.body
    assert isinstance(refused, ResponseReceived) and refused.status == 503
    assert isinstance(retry, RetryScheduled)
    assert (retry.attempt, retry.reason, retry.status) == (1, "InternalServerError", 503)
    assert retry.delay == clock.sleeps[0] and retry.request_id == refused.request_id
    assert isinstance(again, RequestSent) and again.attempt == 2
    assert isinstance(answered, ResponseReceived) and answered.status == 200
    assert isinstance(end, CallFinished) and end.result is done and end.attempts == 2
    assert end.request_id == done.request_id == answered.request_id


async def test_a_stream_tells_its_first_token_and_its_end(transport: Any) -> None:
    events: list[HookEvent] = []
    async with (
        FakeSeedServer() as server,
        SeedClient(
            provider=server.provider,
            base_url=server.url,
            api_key="k",
            transport=transport,
            hooks=[events.append],
        ) as client,
    ):
        async with client.chat.completions.stream(model="seed-1.8", messages=HI) as stream:
            async for _ in stream.text():
                pass
    assert kinds(events) == ["RequestSent", "ResponseReceived", "FirstToken", "CallFinished"]
    first, end = events[2], events[3]
    assert isinstance(first, FirstToken) and first.elapsed > 0
    assert isinstance(end, CallFinished) and end.stream is True
    assert end.result.content == stream.completion.content and end.elapsed >= first.elapsed


async def test_a_failed_call_is_told_once_and_hooks_never_break_requests(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[HookEvent] = []
    later: list[HookEvent] = []

    def broken(event: HookEvent) -> None:
        raise RuntimeError("a bug in the hook")

    async def slow(event: HookEvent) -> None:
        await asyncio.sleep(0)
        later.append(event)

    async with (
        FakeSeedServer(api_key="right") as server,
        SeedClient(
            provider=server.provider,
            base_url=server.url,
            api_key="wrong",
            hooks=[broken, events.append, slow],
        ) as client,
    ):
        with caplog.at_level(logging.WARNING, logger="seedclient.hooks"):
            for _ in range(2):
                with pytest.raises(AuthenticationError):
                    await client.chat.completions.create(model="seed-1.8", messages=HI)
            await asyncio.sleep(0)  # the async hook's tasks run
    assert kinds(events) == ["RequestSent", "ResponseReceived", "CallFailed"] * 2
    failed = events[2]
    assert isinstance(failed, CallFailed) and isinstance(failed.error, AuthenticationError)
    assert failed.attempts == 1
    assert kinds(later) == kinds(events)  # the async hook saw the same, in order
    warnings = [r for r in caplog.records if "a bug in the hook" in r.getMessage()]
    assert len(warnings) == 1  # logged once, not per event
    assert "wrong" not in caplog.text


async def test_a_bulk_run_tells_its_start_items_throttles_and_end() -> None:
    from seedclient import Classifier
    from seedclient.hooks import ItemFinished, JobFinished, JobStarted, Paused, Throttled

    events: list[Any] = []
    plan = FaultPlan(script=[None, "rate_limit"], retry_after=0.01)
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(
            provider=server.provider, base_url=server.url, api_key="k", hooks=[events.append]
        ) as client,
    ):
        clf = Classifier(client, labels=["positive", "negative"])
        await clf.classify_all(["I love it", "It broke", "   "])
    bulk = [e for e in events if not isinstance(e, HookEvent)]
    assert isinstance(bulk[0], JobStarted) and bulk[0].kind == "classify"
    assert isinstance(bulk[-1], JobFinished) and bulk[-1].job_id == bulk[0].job_id
    assert bulk[-1].stats["done"] == 2 and bulk[-1].stats["failed"] == 1
    assert bulk[-1].error is None
    items = [e for e in bulk if isinstance(e, ItemFinished)]
    assert sorted(e.index for e in items) == [0, 1, 2]
    assert [e.ok for e in sorted(items, key=lambda e: e.index)] == [True, True, False]
    assert kinds([e for e in bulk if isinstance(e, (Throttled, Paused))]) == [
        "Throttled",
        "Paused",
    ]
    started = [type(e).__name__ for e in bulk].count("ItemStarted")
    assert started == 3


async def test_no_hook_builds_no_event() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        assert client.requester.hooks is None
        call = client.requester.call("/chat/completions", b"{}", None, None)
        assert call.hooks is None
    with pytest.raises(TypeError, match="a hook must be callable"):
        SeedClient(api_key="k", hooks=["not a function"])  # type: ignore[list-item]


async def test_a_requests_own_hooks_follow_the_clients() -> None:
    every: list[HookEvent] = []
    this: list[HookEvent] = []
    async with (
        FakeSeedServer() as server,
        SeedClient(
            provider=server.provider, base_url=server.url, api_key="k", hooks=[every.append]
        ) as client,
    ):
        await client.chat.completions.create(model="seed-1.8", messages=HI, hooks=[this.append])
        await client.chat.completions.create(model="seed-1.8", messages=HI)
        async with client.chat.completions.stream(
            model="seed-1.8", messages=HI, hooks=[this.append]
        ) as stream:
            await stream.get_final_completion()
    assert kinds(every) == ["RequestSent", "ResponseReceived", "CallFinished"] * 2 + [
        "RequestSent",
        "ResponseReceived",
        "FirstToken",
        "CallFinished",
    ]
    assert kinds(this) == [
        "RequestSent",
        "ResponseReceived",
        "CallFinished",
        "RequestSent",
        "ResponseReceived",
        "FirstToken",
        "CallFinished",
    ]
    assert server.stats.last_messages == HI  # no `hooks` field reached the server
