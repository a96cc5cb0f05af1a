"""SeedClient end to end against aioresponses: what goes on the wire, what comes back."""

from __future__ import annotations

from typing import Any

import aiohttp
import msgspec
import pytest
from aioresponses import aioresponses
from yarl import URL

from seedclient import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ChatCompletion,
    ConfigurationError,
    InternalServerError,
    QuotaExceededError,
    RateLimitError,
    SeedClient,
    Timeout,
)
from seedclient.testing import FakeClock

from ..conftest import AIML_COMPLETION, ARK_COMPLETION, SECRET

ARK_URL = "https://ark.ap-southeast.bytepluses.com/api/v3/chat/completions"
AIML_URL = "https://api.aimlapi.com/v1/chat/completions"
MSGS = [{"role": "user", "content": "Is this review positive? 'Great phone'"}]


def sent(m: aioresponses, url: str) -> list[Any]:
    return m.requests.get(("POST", URL(url)), [])


def quota_body() -> dict[str, Any]:
    return {
        "error": {"code": "QuotaExceeded", "message": "quota used up", "type": "TooManyRequests"}
    }


async def test_create_sends_exact_body_and_headers() -> None:
    with aioresponses() as m:
        m.post(ARK_URL, payload=ARK_COMPLETION, headers={"x-request-id": "0217-req"})
        async with SeedClient(api_key=SECRET) as client:
            done = await client.chat.completions.create(
                model="seed-1.6-flash", messages=MSGS, max_tokens=5, thinking="disabled"
            )
        (call,) = sent(m, ARK_URL)
    body = msgspec.json.decode(call.kwargs["data"])
    assert body == {
        "model": "seed-1-6-flash-250715",
        "messages": MSGS,
        "max_tokens": 5,
        "thinking": {"type": "disabled"},
    }
    headers = call.kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert headers["Content-Type"] == "application/json"
    rid = headers["X-Client-Request-Id"]
    assert len(rid) == 14 + 8 + 12 and rid.isalnum()
    assert call.kwargs["allow_redirects"] is False
    assert done.request_id == "0217-req"


async def test_decodes_reasoning_tool_calls_and_usage_details() -> None:
    with aioresponses() as m:
        m.post(ARK_URL, payload=ARK_COMPLETION)
        async with SeedClient(api_key="k") as client:
            done = await client.chat.completions.create(model="seed-1.8", messages=MSGS)
    assert isinstance(done, ChatCompletion)
    msg = done.choices[0].message
    assert msg.reasoning_content == "The user wants the weather in Beijing."
    assert msg.tool_calls is not None
    assert msg.tool_calls[0].function.name == "get_current_weather"
    assert msgspec.json.decode(msg.tool_calls[0].function.arguments) == {
        "location": "北京",
        "format": "celsius",
    }
    assert done.choices[0].finish_reason == "tool_calls"
    assert done.usage is not None
    assert (done.usage.cached_tokens, done.usage.reasoning_tokens) == (64, 41)
    assert done.service_tier == "default"


async def test_aiml_body_meta_and_request_id() -> None:
    with aioresponses() as m:
        m.post(AIML_URL, payload=AIML_COMPLETION, headers={"x-inference-id": "inf-9"})
        async with SeedClient(provider="aimlapi", api_key="k") as client:
            done = await client.chat.completions.create(model="seed-1.8", messages=MSGS, top_p=0.5)
        (call,) = sent(m, AIML_URL)
    assert msgspec.json.decode(call.kwargs["data"])["model"] == "bytedance/seed-1-8"
    assert done.content == "positive"
    assert done.meta is not None and done.meta.usage is not None
    assert done.meta.usage.credits_used == 42
    assert done.request_id == "inf-9"


async def test_retries_429_honouring_retry_after(clock: FakeClock) -> None:
    limited = {"error": {"code": "RateLimitExceeded.EndpointRPMExceeded", "message": "rpm"}}
    with aioresponses() as m:
        m.post(ARK_URL, status=429, payload=limited, headers={"Retry-After": "3"})
        m.post(ARK_URL, status=429, payload=limited, headers={"retry-after-ms": "1250"})
        m.post(ARK_URL, payload=ARK_COMPLETION)
        async with SeedClient(clock=clock, api_key="k", max_retries=2) as client:
            done = await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        calls = sent(m, ARK_URL)
    assert done.id == ARK_COMPLETION["id"]
    assert len(calls) == 3
    assert clock.sleeps == [3.0, 1.25]
    # The client request id is stable across retries of one call.
    assert len({c.kwargs["headers"]["X-Client-Request-Id"] for c in calls}) == 1


async def test_retries_503_with_jittered_backoff_then_gives_up(clock: FakeClock) -> None:
    overloaded = {"error": {"code": "ServerOverloaded", "message": "busy"}}
    with aioresponses() as m:
        m.post(ARK_URL, status=503, payload=overloaded, repeat=True)
        async with SeedClient(clock=clock, api_key="k", max_retries=3) as client:
            with pytest.raises(InternalServerError) as info:
                await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        assert len(sent(m, ARK_URL)) == 4
    assert info.value.code == "ServerOverloaded"
    assert len(clock.sleeps) == 3
    for k, s in enumerate(clock.sleeps):
        assert 0 <= s <= min(0.5 * 2**k, 8.0)


async def test_retries_connection_reset(clock: FakeClock) -> None:
    with aioresponses() as m:
        m.post(ARK_URL, exception=aiohttp.ServerDisconnectedError())
        m.post(ARK_URL, exception=aiohttp.ClientOSError(104, "Connection reset by peer"))
        m.post(ARK_URL, payload=ARK_COMPLETION)
        async with SeedClient(clock=clock, api_key="k") as client:
            done = await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        assert len(sent(m, ARK_URL)) == 3
    assert done.usage is not None and done.usage.total_tokens == 178
    assert len(clock.sleeps) == 2


async def test_connection_errors_are_translated_when_retries_run_out(clock: FakeClock) -> None:
    with aioresponses() as m:
        m.post(ARK_URL, exception=aiohttp.ClientOSError(111, "Connection refused"), repeat=True)
        async with SeedClient(clock=clock, api_key="k", max_retries=1) as client:
            with pytest.raises(APIConnectionError) as info:
                await client.chat.completions.create(model="seed-1.8", messages=MSGS)
    # The foreign error's type and message, but not the object: it holds the request headers.
    assert "ClientOSError" in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert not isinstance(info.value, aiohttp.ClientError)


@pytest.mark.parametrize(
    ("status", "payload", "cls"),
    [
        (429, quota_body(), QuotaExceededError),
        (400, {"error": {"code": "InvalidParameter", "message": "bad"}}, BadRequestError),
    ],
)
async def test_no_retry_for_quota_and_400(
    clock: FakeClock, status: int, payload: dict[str, Any], cls: type[Exception]
) -> None:
    with aioresponses() as m:
        m.post(ARK_URL, status=status, payload=payload, repeat=True)
        async with SeedClient(clock=clock, api_key="k", max_retries=5) as client:
            with pytest.raises(cls):
                await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        assert len(sent(m, ARK_URL)) == 1
    assert clock.sleeps == []


async def test_retry_after_beyond_cap_is_not_retried(clock: FakeClock) -> None:
    with aioresponses() as m:
        m.post(
            ARK_URL,
            status=429,
            payload={"error": {"code": "RateLimitExceeded", "message": "x"}},
            headers={"Retry-After": "3600"},
            repeat=True,
        )
        async with SeedClient(clock=clock, api_key="k") as client:
            with pytest.raises(RateLimitError) as info:
                await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        assert len(sent(m, ARK_URL)) == 1
    assert info.value.retry_after == 3600.0


async def test_total_deadline_bounds_retries(clock: FakeClock) -> None:
    """Each 429 asks for 4 s and the deadline is 10 s of (fake) time from the start: the
    policy refuses any wait that would end past the deadline, so at most 3 attempts."""
    limited = {"error": {"code": "RateLimitExceeded", "message": "x"}}
    with aioresponses() as m:
        m.post(ARK_URL, status=429, payload=limited, headers={"Retry-After": "4"}, repeat=True)
        async with SeedClient(clock=clock, api_key="k", max_retries=50, timeout=10) as client:
            with pytest.raises(RateLimitError):
                await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        assert len(sent(m, ARK_URL)) == 3
    assert clock.sleeps == [4.0, 4.0]


async def test_deadline_passed_is_a_timeout() -> None:
    """A retry wait that overshoots the whole deadline (a stalled process, say) ends the call
    with APITimeoutError, not with one more attempt."""

    class Overshooting(FakeClock):
        async def _sleep(self, seconds: float) -> None:
            await super()._sleep(seconds)
            self.advance(100)

    with aioresponses() as m:
        m.post(
            ARK_URL,
            status=500,
            payload={"error": {"code": "InternalServiceError", "message": "x"}},
            repeat=True,
        )
        client = SeedClient(clock=Overshooting(), api_key="k", timeout=Timeout(total=30))
        async with client:
            with pytest.raises(APITimeoutError, match="total deadline of 30s exceeded"):
                await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        assert len(sent(m, ARK_URL)) == 1


async def test_bad_parameters_fail_before_any_request() -> None:
    with aioresponses() as m:
        async with SeedClient(api_key="k") as client:
            with pytest.raises(ConfigurationError, match="temperature"):
                await client.chat.completions.create(model="seed-1.8", messages=MSGS, temperature=3)
            with pytest.raises(ConfigurationError, match="unknown parameter"):
                await client.chat.completions.create(model="seed-1.8", messages=MSGS, foo=1)  # type: ignore[call-arg]
        assert m.requests == {}


async def test_key_absent_from_errors(clock: FakeClock) -> None:
    body = {"error": {"code": "AuthenticationError", "message": "bad key", "type": "Unauthorized"}}
    with aioresponses() as m:
        m.post(ARK_URL, status=401, payload=body)
        m.post(ARK_URL, exception=aiohttp.ClientOSError(111, "refused"), repeat=True)
        async with SeedClient(clock=clock, api_key=SECRET, max_retries=1) as client:
            errors: list[BaseException] = []
            for _ in range(2):
                try:
                    await client.chat.completions.create(model="seed-1.8", messages=MSGS)
                except Exception as exc:
                    errors.append(exc)
    assert len(errors) == 2
    for e in errors:
        text = f"{e!s} {e!r} {e.__dict__!r}"
        assert SECRET not in text


async def test_extra_headers_and_with_options_share_transport() -> None:
    with aioresponses() as m:
        m.post(ARK_URL, payload=ARK_COMPLETION, repeat=True)
        async with SeedClient(api_key="k") as client:
            fast = client.with_options(max_retries=0, timeout=5)
            assert fast.transport is client.transport
            await fast.chat.completions.create(
                model="seed-1.8", messages=MSGS, extra_headers={"X-Project-Name": "demo"}
            )
            await fast.aclose()  # does not close the shared transport
            await client.chat.completions.create(model="seed-1.8", messages=MSGS)
        calls = sent(m, ARK_URL)
    assert calls[0].kwargs["headers"]["X-Project-Name"] == "demo"
    assert len(calls) == 2


async def test_closed_client_refuses() -> None:
    client = SeedClient(api_key="k")
    await client.aclose()
    await client.aclose()  # idempotent
    with pytest.raises(ConfigurationError, match="closed"):
        await client.chat.completions.create(model="seed-1.8", messages=MSGS)


async def test_images_generate_ark_and_aiml_names() -> None:
    ark_images = {
        "model": "seedream-4-5-251128",
        "created": 1,
        "data": [{"url": "https://x/1.jpeg", "size": "2048x2048"}],
        "usage": {"generated_images": 1, "output_tokens": 16384, "total_tokens": 16384},
    }
    with aioresponses() as m:
        m.post(
            "https://ark.ap-southeast.bytepluses.com/api/v3/images/generations", payload=ark_images
        )
        m.post(
            "https://api.aimlapi.com/v1/images/generations",
            payload={
                "data": [{"url": "https://y/1.png"}],
                "meta": {"usage": {"credits_used": 80000}},
            },
        )
        async with SeedClient(api_key="k") as ark:
            r1 = await ark.images.generate(
                model="seedream-4.5", prompt="a cat", size="2K", image="https://ref/1.png"
            )
        async with SeedClient(provider="aimlapi", api_key="k") as aiml:
            r2 = await aiml.images.generate(
                model="seedream-4.5", prompt="a cat", size="2K", image="https://ref/1.png"
            )
        (c1,) = sent(m, "https://ark.ap-southeast.bytepluses.com/api/v3/images/generations")
        (c2,) = sent(m, "https://api.aimlapi.com/v1/images/generations")
    assert msgspec.json.decode(c1.kwargs["data"]) == {
        "model": "seedream-4-5-251128",
        "prompt": "a cat",
        "size": "2K",
        "image": "https://ref/1.png",
    }
    assert msgspec.json.decode(c2.kwargs["data"]) == {
        "model": "bytedance/seedream-4-5",
        "prompt": "a cat",
        "image_size": "2K",
        "image_urls": ["https://ref/1.png"],
    }
    assert r1.usage is not None and r1.usage.generated_images == 1
    assert r2.meta is not None and r2.meta.usage is not None and r2.meta.usage.credits_used == 80000
    async with SeedClient(api_key="k") as client:
        with pytest.raises(ConfigurationError, match="prompt"):
            await client.images.generate(model="seedream-4.5", prompt=" ")
