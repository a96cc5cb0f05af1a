"""The code users copy: message round trips, the named tool_choice, openai conveniences,
structured output into types, and the tool runner (against the fake server)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import textwrap
from typing import Any, Literal, TypedDict

import msgspec
import pytest
from aioresponses import aioresponses
from yarl import URL

from seedclient import (
    ChatCompletion,
    ConfigurationError,
    Message,
    SeedClient,
    StructuredOutputError,
    ToolCall,
)
from seedclient._wire.chat import Function
from seedclient.testing import FakeSeedServer, FaultPlan

from ..conftest import ARK_COMPLETION, SECRET

URLS = {
    "byteplus": "https://ark.ap-southeast.bytepluses.com/api/v3/chat/completions",
    "volcengine": "https://ark.cn-beijing.volces.com/api/v3/chat/completions",
    "aimlapi": "https://api.aimlapi.com/v1/chat/completions",
    "aisa": "https://api.aisa.one/v1/chat/completions",
}


class OpenAIStyleFunction:
    def __init__(self, name: str, arguments: str) -> None:
        self.name, self.arguments = name, arguments


class OpenAIStyleCall:
    def __init__(self) -> None:
        self.id, self.type = "call_1", "function"
        self.function = OpenAIStyleFunction("send_alert", '{"severity": "high"}')


class OpenAIStyleMessage:
    """What openai-python's ChatCompletionMessage looks like to code that reads attributes."""

    role = "assistant"
    content = None
    refusal = None
    tool_calls = [OpenAIStyleCall()]  # noqa: RUF012 - a stand-in


def _ours() -> Message:
    call = ToolCall(
        id="call_1", function=Function(name="send_alert", arguments='{"severity": "high"}')
    )
    return Message(content="", reasoning_content="I should alert.", tool_calls=[call])


@pytest.mark.parametrize("provider", sorted(URLS))
@pytest.mark.parametrize("returned", [_ours, OpenAIStyleMessage], ids=["seedclient", "openai"])
async def test_returned_messages_round_trip(provider: str, returned: Any) -> None:
    messages: list[Any] = [
        {"role": "user", "content": "alert the team"},
        returned(),
        {"role": "tool", "tool_call_id": "call_1", "content": "sent"},
    ]
    with aioresponses() as m:
        m.post(URLS[provider], payload=ARK_COMPLETION)
        async with SeedClient(provider=provider, api_key=SECRET) as client:
            await client.chat.completions.create(model="seed-1.8", messages=messages)
        (call,) = m.requests[("POST", URL(URLS[provider]))]
    sent = msgspec.json.decode(call.kwargs["data"])["messages"]
    assert sent[0] == messages[0] and sent[2] == messages[2]
    expected: dict[str, Any] = {
        "role": "assistant",
        # As the object had it, but null beside tool calls goes as "": OpenAI, Ark, vLLM
        # and llama.cpp all take "", and llama.cpp's server refuses null (500).
        "content": returned().content or "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "send_alert", "arguments": '{"severity": "high"}'},
            }
        ],
    }
    # Ark's thinking models expect their reasoning back; the gateways' specs have no field.
    if returned is _ours and provider in ("byteplus", "volcengine"):
        expected["reasoning_content"] = "I should alert."
    assert sent[1] == expected


async def test_named_tool_choice_is_sent_and_a_bad_one_refused() -> None:
    named = {"type": "function", "function": {"name": "send_alert"}}
    with aioresponses() as m:
        m.post(URLS["byteplus"], payload=ARK_COMPLETION)
        async with SeedClient(api_key=SECRET) as client:
            await client.chat.completions.create(
                model="seed-1.8", messages=[{"role": "user", "content": "x"}], tool_choice=named
            )
            with pytest.raises(ConfigurationError, match="tool_choice"):
                await client.chat.completions.create(
                    model="seed-1.8",
                    messages=[{"role": "user", "content": "x"}],
                    tool_choice={"type": "function"},  # type: ignore[typeddict-item]
                )
        (call,) = m.requests[("POST", URL(URLS["byteplus"]))]
    assert msgspec.json.decode(call.kwargs["data"])["tool_choice"] == named


async def test_close_and_model_dump() -> None:
    async with FakeSeedServer() as server:
        client = SeedClient(provider=server.provider, base_url=server.url, api_key="t")
        done = await client.chat.completions.create(
            model="seed-1.8", messages=[{"role": "user", "content": "hi"}]
        )
        await client.close()
        await client.close()  # idempotent, like aclose
    dumped = done.model_dump()
    assert dumped["object"] == "chat.completion" and "request_id" not in dumped
    assert dumped["choices"][0]["message"]["content"] == done.content
    assert json.loads(done.model_dump_json()) == dumped
    assert isinstance(ChatCompletion().model_dump(), dict)


async def test_model_dump_equals_the_raw_body() -> None:
    import aiohttp

    def without_nulls(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: without_nulls(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [without_nulls(x) for x in v]
        return v

    bodies = [
        {"model": "seed-1.8", "messages": [{"role": "user", "content": "hi"}]},
        {
            "model": "seed-1.8",
            "messages": [{"role": "user", "content": "Classify as: yes or no."}],
            "logprobs": True,
            "top_logprobs": 2,
        },
    ]
    async with FakeSeedServer() as server, aiohttp.ClientSession() as s:
        for body in bodies:
            headers = {"Authorization": "Bearer t"}
            async with s.post(server.url + "/chat/completions", json=body, headers=headers) as r:
                raw = await r.read()
            decoded = msgspec.json.decode(raw, type=ChatCompletion)
            assert decoded.model_dump() == without_nulls(msgspec.json.decode(raw))


def test_a_client_kept_across_two_event_loops() -> None:
    script = textwrap.dedent(
        """
        import asyncio, threading, time
        from seedclient import SeedClient
        from seedclient.testing import FakeSeedServer

        url, stop = [], threading.Event()
        async def serve():
            async with FakeSeedServer() as s:
                url.append(s.url)
                while not stop.is_set():
                    await asyncio.sleep(0.01)
        threading.Thread(target=lambda: asyncio.run(serve()), daemon=True).start()
        while not url:
            time.sleep(0.01)
        client = SeedClient(base_url=url[0], api_key="t")
        async def once():
            done = await client.chat.completions.create(
                model="seed-1.8", messages=[{"role": "user", "content": "hi"}])
            return done.choices[0].finish_reason
        print(asyncio.run(once()), asyncio.run(once()))
        asyncio.run(client.aclose())
        stop.set()
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["stop", "stop"]
    assert "Event loop is closed" not in out.stderr


class Review(msgspec.Struct):
    sentiment: Literal["positive", "negative", "neutral"]
    summary: str
    stars: int


@dataclasses.dataclass
class City:
    name: str
    population: int


class Point(TypedDict):
    x: int
    y: int


REVIEW = [{"role": "user", "content": "The Paris trip was great, 5 stars"}]


#: A dialect that serves each model (seed-2.0-code is not on BytePlus).
_SERVING: dict[str, Any] = {"seed-1.8": "ark", "seed-2.0-code": "aiml"}


@pytest.mark.parametrize("model", ["seed-1.8", "seed-2.0-code"])  # json_schema; schema in prompt
@pytest.mark.parametrize("tp", [Review, City, Point])
async def test_parse_into_types(tp: Any, model: str) -> None:
    async with (
        FakeSeedServer(dialect=_SERVING[model]) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        done = await c.chat.completions.parse(model=model, messages=REVIEW, response_format=tp)
    parsed = done.choices[0].message.parsed
    assert parsed == msgspec.json.decode(done.content or "", type=tp)
    if tp is Review:
        assert parsed.sentiment == "positive" and parsed.stars == 5
    if tp is City:
        assert parsed.name == "Paris"


@pytest.mark.parametrize("model", ["seed-1.8", "seed-2.0-code"])  # json_schema; schema in prompt
async def test_parse_asks_again_then_raises(model: str) -> None:
    # The model first answers JSON of the wrong shape: parse() asks again and validates.
    plan = FaultPlan(script=["bad_answer"])
    async with FakeSeedServer(faults=plan, dialect=_SERVING[model]) as server:
        async with SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c:
            done = await c.chat.completions.parse(
                model=model, messages=REVIEW, response_format=Review
            )
        assert server.stats.received == 2
    parsed = done.choices[0].message.parsed
    assert parsed.sentiment == "positive" and parsed.stars == 5
    # Wrong twice: StructuredOutputError with the last answer and both validation errors.
    plan = FaultPlan(script=["bad_answer", "bad_answer"])
    async with FakeSeedServer(faults=plan, dialect=_SERVING[model]) as server:
        async with SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c:
            with pytest.raises(StructuredOutputError, match="after 2 attempts") as info:
                await c.chat.completions.parse(model=model, messages=REVIEW, response_format=Review)
        assert server.stats.received == 2
    assert info.value.content == '{"note": "not what was asked"}'
    assert len(info.value.errors) == 2


async def test_streamed_parse() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        async with c.chat.completions.stream(
            model="seed-1.8",
            messages=REVIEW,
            response_format=Review,  # type: ignore[typeddict-item]
        ) as stream:
            text = "".join([t async for t in stream.text()])
    assert stream.completion.choices[0].message.parsed == msgspec.json.decode(text, type=Review)


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """Get the current weather for a city.

    Args:
        city: the city's name.
        unit: the temperature unit.
    """
    return {"city": city, "temp": 21, "unit": unit}


async def lookup_population(city: str) -> int:
    """Look up the population of a city."""
    await asyncio.sleep(0)
    return 2_100_000


def broken_weather(city: str) -> str:
    """Get the weather for a city, but fail."""
    raise RuntimeError("weather service down")


async def test_run_tools_with_sync_and_async_functions() -> None:
    msgs = [{"role": "user", "content": "What is the weather and the population in Paris?"}]
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        run = await c.chat.completions.run_tools(
            model="seed-1.8", messages=msgs, tools=[get_weather, lookup_population]
        )
        assert run.finished and run.tool_calls == 2 and run.tool_errors == 0
        assert "2100000" in (run.content or "") and '"temp":21' in (run.content or "")
        assert [m["role"] if isinstance(m, dict) else m.role for m in run.messages] == [
            "user",
            "assistant",
            "tool",
            "tool",
            "assistant",
        ]
        assert len(run.usage) == 2 and run.total_tokens == sum(u.total_tokens for u in run.usage)
        # The transcript continues the conversation as it is.
        more = [*run.messages, {"role": "user", "content": "thanks"}]
        again = await c.chat.completions.create(model="seed-1.8", messages=more)
        assert again.choices[0].finish_reason == "stop"


def test_tool_schema_from_the_signature() -> None:
    from seedclient import Tool

    schema = Tool(get_weather).schema()
    fn = schema["function"]
    assert (
        fn["name"] == "get_weather" and fn["description"] == "Get the current weather for a city."
    )
    props = fn["parameters"]["properties"]
    assert props["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert props["city"]["description"] == "the city's name."
    assert fn["parameters"]["required"] == ["city"]


async def test_run_tools_reports_failures_to_the_model_and_stops_at_max_turns() -> None:
    msgs = [{"role": "user", "content": "What is the weather in Paris?"}]
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        run = await c.chat.completions.run_tools(
            model="seed-1.8", messages=msgs, tools=[broken_weather]
        )
        assert run.finished and run.tool_errors == 1
        tool_turn = run.messages[2]
        assert "weather service down" in tool_turn["content"]
        stopped = await c.chat.completions.run_tools(
            model="seed-1.8", messages=msgs, tools=[get_weather], max_turns=1
        )
        assert not stopped.finished and stopped.completion.choices[0].finish_reason == "tool_calls"
        with pytest.raises(ConfigurationError, match="max_turns"):
            await c.chat.completions.run_tools(
                model="seed-1.8", messages=msgs, tools=[get_weather], max_turns=0
            )


async def test_bad_arguments_go_back_to_the_model() -> None:
    from seedclient import Tool

    result, ok = await Tool(get_weather).call('{"city": 5}')
    assert not ok and "Expected `str`" in result
    result, ok = await Tool(get_weather).call('{"city": "Oslo", "unit": "kelvin"}')
    assert not ok and "Invalid enum value 'kelvin'" in result


async def test_stream_tools_yields_events() -> None:
    msgs = [{"role": "user", "content": "What is the weather in Paris?"}]
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        events = [
            e
            async for e in c.chat.completions.stream_tools(
                model="seed-1.8", messages=msgs, tools=[get_weather], thinking="disabled"
            )
        ]
    kinds = [e.kind for e in events if e.kind != "content"]
    assert kinds == ["tool_call", "tool_result", "done"]
    assert "".join(e.text or "" for e in events if e.kind == "content") == events[-1].run.content  # type: ignore[union-attr]


async def test_parse_into_a_pydantic_model() -> None:
    import pydantic  # openai, in the test extra, depends on it; seedclient does not

    class Trip(pydantic.BaseModel):
        city: str
        stars: int

    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        done = await c.chat.completions.parse(
            model="seed-1.8", messages=REVIEW, response_format=Trip
        )
    parsed = done.choices[0].message.parsed
    assert isinstance(parsed, Trip) and parsed.city == "Paris" and parsed.stars == 5
