"""Every public feature against a generic OpenAI-compatible server.

The server is the fake's ``openai`` dialect: it answers 400 to any field OpenAI does not
know (``thinking``, ``reasoning_content`` in a message) and to values outside OpenAI's
ranges, so a feature that works here sent nothing Seed-only.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import msgspec
import pytest

from seedclient import (
    BadRequestError,
    BatchRunner,
    Classifier,
    IncompleteStreamError,
    SeedClient,
    StructuredOutputError,
)
from seedclient.testing import FakeSeedServer, FaultPlan

MSGS = [{"role": "user", "content": "The Paris trip was great, 5 stars"}]


class Review(msgspec.Struct):
    sentiment: Literal["positive", "negative", "neutral"]
    stars: int


def get_weather(city: str) -> dict[str, Any]:
    """The weather in a city."""
    return {"city": city, "temp": 21}


@asynccontextmanager
async def generic(**server: Any) -> AsyncIterator[tuple[FakeSeedServer, SeedClient]]:
    """A strict OpenAI-spec server and a client given only its base URL, as users do."""
    async with (
        FakeSeedServer(dialect="openai", **server) as fake,
        SeedClient(base_url=fake.url, api_key="sk-local") as client,
    ):
        assert client.provider == "openai-compatible"
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing dropped with a warning either
            yield fake, client


async def test_every_feature_sends_only_openai_fields() -> None:
    async with generic() as (server, c):
        done = await c.chat.completions.create(model="local-model", messages=MSGS)
        assert done.content
        async with c.chat.completions.stream(model="local-model", messages=MSGS) as s:
            text = "".join([t async for t in s.text()])
        assert text == s.completion.content
        parsed = await c.chat.completions.parse(
            model="local-model", messages=MSGS, response_format=Review
        )
        assert parsed.choices[0].message.parsed.stars == 5
        run = await c.chat.completions.run_tools(
            model="local-model",
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
            tools=[get_weather],
        )
        assert run.finished and run.tool_calls == 1 and len(run.usage) == 2
        events = [
            e.kind
            async for e in c.chat.completions.stream_tools(
                model="local-model",
                messages=[{"role": "user", "content": "What is the weather in Paris?"}],
                tools=[get_weather],
            )
        ]
        assert events.count("tool_call") == 1 and events[-1] == "done"
        clf = Classifier(c, labels=["positive", "negative", "neutral"], model="local-model")
        rows = await clf.classify_all(["I love it", "It broke after a day"])
        assert [r.label for r in rows] == ["positive", "negative"]
        assert all(r.confidence is not None and 0 < r.confidence <= 1 for r in rows)
        runner = BatchRunner(c, concurrency=4)
        async with runner.run(
            {"id": str(i), "model": "local-model", "messages": MSGS} for i in range(6)
        ) as results:
            assert sorted([r.id async for r in results if r.ok]) == [str(i) for i in range(6)]
        vectors = await c.embeddings.create(model="local-embed", input=["a", "b"])
        assert len(vectors.data) == 2
    assert set(server.stats.answered) == {200}


@pytest.mark.parametrize(
    ("name", "value"),
    [("stop", ["a", "b", "c", "d", "e"]), ("temperature", 2.5), ("n", 200)],
)
async def test_out_of_openai_range_is_the_servers_400_sent_once(name: str, value: Any) -> None:
    # The client does not judge a generic server's ranges; the server's word comes back whole.
    async with generic() as (server, c):
        with pytest.raises(BadRequestError) as info:
            await c.chat.completions.create(model="m", messages=MSGS, **{name: value})
    assert name in info.value.message and info.value.param == name
    assert server.stats.received == 1


async def test_standard_parameters_go_through() -> None:
    async with generic() as (_, c):
        done = await c.chat.completions.create(
            model="m",
            messages=MSGS,
            n=3,
            logit_bias={"50256": -100},
            stop=["\n\n", "###"],
            logprobs=True,
            top_logprobs=20,
            max_completion_tokens=64,
            service_tier="flex",
            reasoning_effort="low",
            metadata={"job": "nightly"},
        )
    assert [c.index for c in done.choices] == [0, 1, 2]
    assert done.choices[0].logprobs is not None


async def test_parse_falls_back_once_then_remembers() -> None:
    # A server that takes json_object only and answers json_schema with a 500 (llama.cpp).
    async with generic(response_formats={"text", "json_object"}) as (server, c):
        first = await c.chat.completions.parse(model="m", messages=MSGS, response_format=Review)
        assert first.choices[0].message.parsed == Review("positive", 5)
        assert server.stats.answered == {500: 1, 200: 1}  # the refused form is not retried
        again = await c.chat.completions.parse(model="m", messages=MSGS, response_format=Review)
        assert again.choices[0].message.parsed == Review("positive", 5)
        assert server.stats.answered == {500: 1, 200: 2}  # remembered: no failed request
        # Another model is found out on its own; a form asked for is sent as asked.
        await c.chat.completions.parse(
            model="m2", messages=MSGS, response_format=Review, structured_output="prompt"
        )
        assert server.stats.answered == {500: 1, 200: 3}
        with pytest.raises(Exception, match="response_format"):
            await c.with_options(max_retries=0).chat.completions.parse(
                model="m3", messages=MSGS, response_format=Review, structured_output="json_schema"
            )


async def test_parse_reports_a_truncated_answer_as_such() -> None:
    async with generic() as (server, c):
        with pytest.raises(StructuredOutputError) as info:
            await c.chat.completions.parse(
                model="m", messages=MSGS, response_format=Review, max_tokens=3
            )
    assert info.value.finish_reason == "length"
    assert "cut at the token limit" in str(info.value)
    assert server.stats.received == 1  # not "repaired" by asking again


async def test_a_stream_ended_before_its_finish_is_incomplete() -> None:
    plan = FaultPlan(script=["interrupt"], truncate_after=2)
    async with generic(faults=plan) as (server, c):
        seen: list[str] = []
        with pytest.raises(IncompleteStreamError, match="no finish_reason") as info:
            async with c.chat.completions.stream(model="m", messages=MSGS) as s:
                async for text in s.text():
                    seen.append(text)
        assert info.value.chunks == 2
        assert s.completion.content == "".join(seen)  # what came is kept
        assert s.completion.choices[0].finish_reason is None
        assert server.stats.received == 1


async def test_a_plain_model_list_makes_no_rules_on_a_generic_server() -> None:
    # AIsa lists ids with no capability matrix: a Seed provider keeps the catalogue's rules
    # for them; a generic client makes none up from a bare list.
    async with FakeSeedServer(dialect="aisa") as server:
        async with SeedClient(base_url=server.url, api_key="k") as generic_client:
            page = await generic_client.models.list(refresh_rules=True)
            assert page.data and generic_client.requester.provider.specs == {}
        async with SeedClient(provider="aisa", base_url=server.url, api_key="k") as seed:
            await seed.models.list(refresh_rules=True)
            assert set(seed.requester.provider.specs) == {m.id for m in page.data}
