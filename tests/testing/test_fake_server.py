"""FakeSeedServer: wire shapes (checked with plain aiohttp), every fault, determinism, RPM."""

from __future__ import annotations

import asyncio
import base64
import signal
from typing import Any

import aiohttp
import msgspec
import pytest

from seedclient import (
    APIConnectionError,
    BadRequestError,
    IncompleteStreamError,
    InternalServerError,
    QuotaExceededError,
    RateLimitError,
    SeedClient,
    StreamError,
)
from seedclient.testing import FAULT_KINDS, FakeSeedServer, FaultPlan

from ..cli.cli_helpers import spawn_cli
from ..conftest import wait_until

CLASSIFY = [
    {"role": "system", "content": "Classify the review.\nLabels: positive, negative, neutral"},
    {"role": "user", "content": "Terrible battery, I want a refund"},
]
AUTH = {"Authorization": "Bearer test"}


async def post(
    url: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(url + "/chat/completions", json=body, headers=headers or AUTH) as r,
    ):
        return r.status, {k.lower(): v for k, v in r.headers.items()}, await r.read()


async def test_plain_aiohttp_sees_ark_shapes() -> None:
    async with FakeSeedServer() as server:
        status, headers, raw = await post(
            server.url,
            {"model": "seed-1-8-251228", "messages": CLASSIFY, "thinking": {"type": "disabled"}},
        )
        assert status == 200
        body = msgspec.json.decode(raw)
        assert body["object"] == "chat.completion"
        assert body["service_tier"] == "default"
        assert body["choices"][0]["message"] == {"role": "assistant", "content": "negative"}
        assert set(body["usage"]) == {
            "prompt_tokens",
            "completion_tokens",
            "total_tokens",
            "prompt_tokens_details",
            "completion_tokens_details",
        }
        assert headers["x-request-id"] == body["id"]

        async with aiohttp.ClientSession() as s:
            body_ = {
                "model": "seed-1-8-251228",
                "messages": [{"role": "user", "content": "hello"}],
                "stream": True,
                "stream_options": {"include_usage": True},
            }
            async with s.post(
                server.url.replace("/v1", "/api/v3") + "/chat/completions", json=body_, headers=AUTH
            ) as r:
                assert r.headers["Content-Type"].startswith("text/event-stream")
                text = (await r.read()).decode()
    events = [e[len("data: ") :] for e in text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    chunks = [msgspec.json.decode(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and "service_tier" in c for c in chunks)
    assert all(c["usage"] is None for c in chunks[:-1])
    assert all(ch["delta"]["role"] == "assistant" for c in chunks[:-1] for ch in c["choices"])
    reasoning = [c for c in chunks[:-1] if "reasoning_content" in c["choices"][0]["delta"]]
    assert reasoning and all(c["choices"][0]["delta"]["content"] == "" for c in reasoning)
    assert chunks.index(reasoning[-1]) < min(
        i for i, c in enumerate(chunks[:-1]) if c["choices"][0]["delta"]["content"]
    )
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


async def test_no_reasoning_when_disabled_or_minimal() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        for extra in ({"thinking": "disabled"}, {"reasoning_effort": "minimal"}):
            done = await c.chat.completions.create(
                model="seed-1.8", messages=[{"role": "user", "content": "hi"}], **extra
            )  # type: ignore[arg-type]
            assert done.choices[0].message.reasoning_content is None
            assert done.usage is not None and done.usage.reasoning_tokens == 0
        thought = await c.chat.completions.create(
            model="seed-1.8", messages=[{"role": "user", "content": "hi"}]
        )
        assert thought.usage is not None and thought.usage.reasoning_tokens > 0


async def test_max_tokens_length_and_tool_calls() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        done = await c.chat.completions.create(
            model="seed-1.8", messages=[{"role": "user", "content": "explain rivers"}], max_tokens=3
        )
        assert done.choices[0].finish_reason == "length"
        assert len((done.content or "").split()) == 3
        tools = [
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": "Find facts about rivers and lakes",
                    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
                },
            }
        ]
        tc = await c.chat.completions.create(
            model="seed-1.8", messages=[{"role": "user", "content": "find rivers"}], tools=tools
        )
        assert tc.choices[0].finish_reason == "tool_calls"
        assert tc.choices[0].message.tool_calls is not None
        assert tc.choices[0].message.tool_calls[0].function.arguments == '{"q": "find rivers"}'


async def test_labels_are_deterministic_and_logprobs_given() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        msgs = [
            {"role": "system", "content": "Labels: billing, shipping, login"},
            {"role": "user", "content": "ticket 42"},
        ]
        answers = {
            (
                await c.chat.completions.create(
                    model="seed-1.8",
                    messages=msgs,
                    thinking="disabled",
                    logprobs=True,
                    top_logprobs=2,
                )
            ).content
            for _ in range(3)
        }
        assert len(answers) == 1
        assert answers <= {"billing", "shipping", "login"}
        done = await c.chat.completions.create(
            model="seed-1.8", messages=msgs, logprobs=True, top_logprobs=2, thinking="disabled"
        )
        lp = done.choices[0].logprobs
        assert lp is not None and lp.content is not None
        assert lp.content[0].token == done.content
        assert -0.6 < lp.content[0].logprob < 0
        assert len(lp.content[0].top_logprobs) == 2


async def test_auth_and_validation_errors_in_both_dialects() -> None:
    async with FakeSeedServer(api_key="secret") as server:
        status, headers, raw = await post(
            server.url,
            {"model": "seed-1.8", "messages": CLASSIFY},
            {"Authorization": "Bearer nope"},
        )
        assert status == 401
        assert msgspec.json.decode(raw)["error"]["code"] == "AuthenticationError"
        assert headers["x-error-code"] == "AuthN_MissOrInvalidAuthorizationHeader"
        status, _, _ = await post(server.url, {"model": "seed-1.8", "messages": CLASSIFY}, {})
        assert status == 401
    async with FakeSeedServer() as server:
        status, _, raw = await post(
            server.url, {"model": "seed-1.8", "messages": CLASSIFY, "temperature": 5}
        )
        assert status == 400
        assert "temperature" in msgspec.json.decode(raw)["error"]["message"]
    async with (
        FakeSeedServer(dialect="aiml") as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        status, _, raw = await post(
            server.url,
            {"model": "seed-1.8", "messages": CLASSIFY, "thinking": {"type": "disabled"}},
        )
        body = msgspec.json.decode(raw)
        assert status == 400
        assert body["message"].startswith("Body validation error!")
        assert body["statusCode"] == 400
        with pytest.raises(BadRequestError) as info:
            await c.chat.completions.create(
                model="seed-1.8", messages=CLASSIFY, extra_body={"bogus": 1}
            )
        assert info.value.request_id is not None
        assert info.value.request_id != body["requestId"]  # each answer has its own id
        assert info.value.message.startswith("Body validation error!")


@pytest.mark.parametrize(
    "kind", [k for k in FAULT_KINDS if k not in ("stall", "slow_first_byte", "bad_answer")]
)
async def test_each_fault_kind_as_the_client_sees_it(kind: str) -> None:
    expected: dict[str, type[Exception]] = {
        "rate_limit": RateLimitError,
        "quota": QuotaExceededError,
        "server_error": InternalServerError,
        "overloaded": InternalServerError,
        "reset": APIConnectionError,
        "truncate": StreamError,
        "malformed": StreamError,
        "error_event": InternalServerError,
        "interrupt": IncompleteStreamError,
    }
    plan = FaultPlan(script=[kind], truncate_after=1)
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t", max_retries=0) as c,
    ):
        with pytest.raises(expected[kind]):
            async with c.chat.completions.stream(model="seed-1.8", messages=CLASSIFY) as s:
                async for _ in s:
                    pass
        assert server.stats.faults == {kind: 1}
        assert server.stats.received == 1
        # The next request is clean.
        done = await c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
        assert done.content == "negative"


async def test_non_stream_faults_and_bad_answer() -> None:
    plan = FaultPlan(
        script=["truncate", "malformed", "bad_answer", "slow_first_byte", "stall"],
        slow_first_byte_seconds=0.01,
        stall_seconds=0.01,
    )
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t", max_retries=0) as c,
    ):
        with pytest.raises(APIConnectionError):
            await c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
        from seedclient import SeedError

        with pytest.raises(SeedError, match="malformed chat completion"):
            await c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
        bad = await c.chat.completions.create(
            model="seed-1.8", messages=CLASSIFY, thinking="disabled"
        )
        assert bad.content not in ("positive", "negative", "neutral")
        for _ in range(2):
            ok = await c.chat.completions.create(
                model="seed-1.8", messages=CLASSIFY, thinking="disabled"
            )
            assert ok.content == "negative"
    assert sum(server.stats.faults.values()) == 5


async def test_fault_draws_are_deterministic_under_a_seed() -> None:
    def run(seed: int) -> list[str | None]:
        plan = FaultPlan(rates={"overloaded": 0.2, "rate_limit": 0.1, "reset": 0.05}, seed=seed)
        return [plan.draw() for _ in range(500)]

    a, b, other = run(3), run(3), run(4)
    assert a == b
    assert a != other
    counts = {k: a.count(k) for k in ("overloaded", "rate_limit", "reset")}
    assert (
        60 < counts["overloaded"] < 140
        and 25 < counts["rate_limit"] < 80
        and 5 < counts["reset"] < 45
    )
    with pytest.raises(ValueError, match="unknown fault"):
        FaultPlan(rates={"gremlins": 0.1})
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        FaultPlan(rates={"reset": 2})


async def test_rpm_limiter_counts_exactly() -> None:
    async with FakeSeedServer(rpm_limit=5, rpm_window=60) as server:
        async with SeedClient(
            provider=server.provider, base_url=server.url, api_key="t", max_retries=0
        ) as c:
            results = await asyncio.gather(
                *(
                    c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
                    for _ in range(12)
                ),
                return_exceptions=True,
            )
        ok = [r for r in results if not isinstance(r, BaseException)]
        limited = [r for r in results if isinstance(r, RateLimitError)]
        assert (len(ok), len(limited)) == (5, 7)
        assert server.stats.rate_limited == 7
        assert server.stats.received == 12
        assert server.stats.answered == {200: 5, 429: 7}
        assert server.stats.max_in_window(60) == 5
        assert limited[0].code == "RateLimitExceeded.EndpointRPMExceeded"
        assert limited[0].retry_after is not None


async def test_images_and_models() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        r = await c.images.generate(
            model="seedream-4.5", prompt="a red fox", response_format="b64_json"
        )
        png = base64.b64decode(r.data[0].b64_json or "")
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        r2 = await c.images.generate(
            model="seedream-4.5",
            prompt="a red fox",
            sequential_image_generation="auto",
            sequential_image_generation_options={"max_images": 3},
        )
        assert len(r2.data) == 3
        assert r2.usage is not None and r2.usage.generated_images == 3
        async with aiohttp.ClientSession() as s:
            async with s.get(r2.data[0].url or "") as img:
                assert (await img.read()) == png
            async with s.get(server.url + "/models", headers=AUTH) as m:
                ids = [d["id"] for d in (await m.json())["data"]]
    assert "seed-1-6-flash-250715" in ids


async def test_fake_server_command_prints_url_and_stops_on_ctrl_c() -> None:
    proc = await spawn_cli("fake-server", "--port", "0", "--fault", "overloaded=0")
    assert proc.stdout is not None
    url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
    assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
    async with SeedClient(base_url=url, api_key="t") as c:
        done = await c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
    assert done.content == "negative"
    proc.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
    assert b"Traceback" not in err


async def test_total_deadline_cuts_a_slow_answer_and_own_cancel_stays_a_cancel() -> None:
    from seedclient import APITimeoutError, Timeout

    async with FakeSeedServer(ttft=3) as server:
        async with SeedClient(
            provider=server.provider, base_url=server.url, api_key="t", timeout=Timeout(total=0.3)
        ) as c:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(APITimeoutError, match=r"total deadline of 0.3s exceeded"):
                await c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
            assert loop.time() - started < 2
            # Many calls share one timer; each ends on time and the pool is clean after.
            results = await asyncio.gather(
                *(
                    c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
                    for _ in range(20)
                ),
                return_exceptions=True,
            )
            assert all(isinstance(r, APITimeoutError) for r in results)
            assert c.transport.connections_in_use == 0  # type: ignore[attr-defined]
            # A cancellation from the caller is not turned into a timeout.
            before = server.stats.received
            task = asyncio.create_task(
                c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
            )
            # cancelled while the server holds it, not before
            await wait_until(lambda: server.stats.received > before)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        async with SeedClient(
            provider=server.provider, base_url=server.url, api_key="t", timeout=Timeout(total=10)
        ) as c:
            done = await c.chat.completions.create(model="seed-1.8", messages=CLASSIFY)
            assert done.content == "negative"  # a deadline that does not pass changes nothing
