"""Shared fixtures: a clean environment, recorded retry sleeps, realistic Seed bodies."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from unittest import mock

import aiohttp
import aioresponses.core
import anyio
import pytest
from aiohttp import web

from seedclient._sync.portal import Portal
from seedclient.testing import FakeClock, FakeSeedServer


class _CompatClientResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 builds responses without aiohttp 3.14's ``stream_writer``.

    Upstream fix pending (pnuckowski/aioresponses#288, #289); aiohttp only reads
    ``stream_writer.output_size``. Remove once a fixed aioresponses is released.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", mock.Mock(output_size=0))
        super().__init__(*args, **kwargs)


if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:
    aioresponses.core.ClientResponse = _CompatClientResponse  # type: ignore[misc]

ENV_VARS = (
    "SEED_API_KEY",
    "SEED_BASE_URL",
    "SEED_PROVIDER",
    "ARK_API_KEY",
    "AIMLAPI_API_KEY",
    "AISA_API_KEY",
)

SECRET = "sk-test-SECRET-do-not-leak-1234567890"


@pytest.fixture(autouse=True)
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Fail a test whose event loop reported an error nobody saw.

    "Task exception was never retrieved", an unclosed connection, an exception in a
    callback: asyncio only logs these. Here they fail the test that caused them.
    """
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    yield seen
    gc.collect()  # tasks that failed unobserved report it when collected
    await asyncio.sleep(0)
    loop.set_exception_handler(previous)
    assert not seen, [c.get("message") for c in seen]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real keys or settings."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock to give a client: retry waits take no time and are recorded."""
    return FakeClock()


ARK_COMPLETION: dict[str, Any] = {
    "id": "0217696554073aa1b2c3d4e5f",
    "object": "chat.completion",
    "created": 1769655407,
    "model": "seed-1-8-251228",
    "service_tier": "default",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "",
                "reasoning_content": "The user wants the weather in Beijing.",
                "tool_calls": [
                    {
                        "id": "call_pwdm5g0i3dwe825aghkb1t8j",
                        "type": "function",
                        "function": {
                            "name": "get_current_weather",
                            "arguments": '{"location": "北京", "format": "celsius"}',
                        },
                    }
                ],
            },
            "moderation_hit_type": None,
            "some_future_field": {"nested": True},
        }
    ],
    "usage": {
        "prompt_tokens": 120,
        "completion_tokens": 58,
        "total_tokens": 178,
        "prompt_tokens_details": {"cached_tokens": 64, "provisioned_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 41, "provisioned_tokens": 0},
    },
}

AIML_COMPLETION: dict[str, Any] = {
    "id": "02176965540731234",
    "object": "chat.completion",
    "created": 1769655407,
    "model": "seed-1-8-251228",
    "service_tier": "default",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "positive", "reasoning_content": None},
        }
    ],
    "usage": {"prompt_tokens": 30, "completion_tokens": 1, "total_tokens": 31},
    "meta": {"usage": {"credits_used": 42, "usd_spent": 0.000021}},
}


async def wait_until(predicate: Callable[[], bool], within: float = 5.0) -> None:
    """Wait, bounded, for observable state that has no event to wait on (a server counter)."""
    with anyio.fail_after(within):
        while True:
            if predicate():
                return
            await anyio.sleep(0.001)


@contextlib.asynccontextmanager
async def web_server(
    path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> AsyncIterator[str]:
    """An aiohttp app on 127.0.0.1 answering ``POST /v1{path}`` with ``handler``; yields
    its base URL (``http://127.0.0.1:PORT/v1``)."""
    app = web.Application()
    app.router.add_post("/v1" + path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
    finally:
        await runner.cleanup()


@pytest.fixture
def fake_in_thread() -> Iterator[FakeSeedServer]:
    """A fake server on an event loop of its own thread (a sync facade's portal), so that
    sync code, as users' scripts are, can be tested from plain test functions."""
    portal = Portal()
    server: FakeSeedServer = portal.call(FakeSeedServer)
    portal.call(server.start)
    try:
        yield server
    finally:
        portal.call(server.close)
        portal.stop()
