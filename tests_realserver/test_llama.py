"""seedclient against llama-cpp-python's server, as a user points it there: a base URL, any key.

What is asserted is what the client owes the user on any server: each feature works and
nothing that will not change is sent twice. What a 135M-parameter model answers is not
(it rarely follows instructions; constrained decoding makes its answers usable).
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal

import msgspec
import pytest

from seedclient import (
    APIConnectionError,
    BatchRunner,
    Classifier,
    ContextLengthError,
    SeedClient,
    StructuredOutputError,
)

from .conftest import Recording

MODEL = "smollm2"
ASK = [{"role": "user", "content": "Name the capital of France."}]


class City(msgspec.Struct):
    name: str
    country: str


class Review(msgspec.Struct):
    sentiment: Literal["positive", "negative", "neutral"]


def get_weather(city: str) -> dict[str, Any]:
    """The current weather in a city."""
    return {"city": city, "temp_c": 21}


def client(url: str, transport: Recording | None = None, **kw: Any) -> SeedClient:
    return SeedClient(base_url=url, api_key="sk-local", transport=transport, **kw)


async def test_create_stream_and_logprobs(llama: str) -> None:
    async with client(llama) as c:
        done = await c.chat.completions.create(model=MODEL, messages=ASK, max_tokens=8)
        assert done.content and done.usage is not None and done.usage.completion_tokens > 0
        async with c.chat.completions.stream(model=MODEL, messages=ASK, max_tokens=8) as s:
            text = "".join([t async for t in s.text()])
        assert text and text == s.completion.content
        assert s.completion.choices[0].finish_reason in ("stop", "length")
        assert s.usage is None or s.usage.completion_tokens > 0
        scored = await c.chat.completions.create(
            model=MODEL, messages=ASK, max_tokens=3, logprobs=True, top_logprobs=2
        )
        lp = scored.choices[0].logprobs
        assert lp is not None and lp.content and lp.content[0].top_logprobs


@pytest.mark.parametrize("tp", [City, Review])
async def test_parse_learns_the_form_once(llama: str, tp: type[Any]) -> None:
    async with Recording() as sent, client(llama, sent) as c:
        first = await c.chat.completions.parse(
            model=MODEL, messages=ASK, response_format=tp, max_tokens=60, temperature=0
        )
        assert isinstance(first.choices[0].message.parsed, tp)
        # json_schema is refused (a 500 naming response_format), once and not retried;
        # json_object with the schema attached (llama.cpp's grammar) is taken.
        assert sent.statuses == [500, 200]
        assert c.requester.learned[("structured_output", MODEL)] == "json_object_schema"
        again = await c.chat.completions.parse(
            model=MODEL, messages=ASK, response_format=tp, max_tokens=60, temperature=0
        )
        assert isinstance(again.choices[0].message.parsed, tp)
        assert sent.statuses == [500, 200, 200]  # no failed request after the first call


@pytest.mark.parametrize("mode", ["json_object", "prompt"])
async def test_parse_in_a_chosen_form_sends_that_form(llama: str, mode: Any) -> None:
    # A 135M model rarely writes the schema's JSON unconstrained: what is owed here is that
    # the request is accepted as sent, and that a wrong answer is asked again once.
    async with Recording() as sent, client(llama, sent) as c:
        with contextlib.suppress(StructuredOutputError):  # never a refused request
            await c.chat.completions.parse(
                model=MODEL,
                messages=ASK,
                response_format=City,
                structured_output=mode,
                max_tokens=40,
                temperature=0,
            )
    assert sent.statuses in ([200], [200, 200])


async def test_a_tool_run_round_trips(llama_tools: str) -> None:
    # Named, the tool is called every turn (llama.cpp forces it with a grammar; a 135M model
    # left to choose mostly answers in prose): each turn after the first sends the assistant
    # turn with its tool calls and the results back, which the server refused (500) while
    # that turn's content went as null.
    named = {"type": "function", "function": {"name": "get_weather"}}
    ask = [{"role": "user", "content": "What is the weather in Paris?"}]
    async with Recording() as sent, client(llama_tools, sent) as c:
        run = await c.chat.completions.run_tools(
            model=MODEL, messages=ask, tools=[get_weather], tool_choice=named, max_turns=2
        )
        events = [
            e.kind
            async for e in c.chat.completions.stream_tools(
                model=MODEL, messages=ask, tools=[get_weather], tool_choice=named, max_turns=2
            )
        ]
    roles = [m["role"] if isinstance(m, dict) else m.role for m in run.messages]
    assert roles == ["user", "assistant", "tool", "assistant", "tool"]
    assert run.tool_calls == 2 and run.tool_errors == 0 and len(run.usage) == 2
    assert events.count("tool_result") == 2 and events[-1] == "done"
    assert sent.statuses == [200] * 4


async def test_classifier_confidences_with_a_grammar(llama: str) -> None:
    # A local model is constrained through extra_body (llama.cpp's GBNF grammar); confidence
    # comes from the log-probabilities it sends once top_logprobs is asked.
    async with Recording() as sent, client(llama, sent) as c:
        clf = Classifier(
            c,
            labels=["positive", "negative"],
            model=MODEL,
            extra_body={"grammar": 'root ::= "positive" | "negative"'},
        )
        rows = await clf.classify_all(["I love it, great!", "Terrible, it broke", "Best ever"])
    assert all(r.error is None and r.label in ("positive", "negative") for r in rows)
    assert all(r.confidence is not None and 0 < r.confidence <= 1 for r in rows)
    assert set(sent.statuses) == {200} and len(sent.statuses) == 3


async def test_batch_runner(llama: str) -> None:
    async with client(llama) as c:
        runner = BatchRunner(c, concurrency=2)
        requests = (
            {"id": str(i), "model": MODEL, "messages": ASK, "max_tokens": 4} for i in range(6)
        )
        async with runner.run(requests) as results:
            got = [r async for r in results]
    assert sorted(r.id for r in got if r.ok) == [str(i) for i in range(6)]


async def test_errors_say_what_the_server_said(llama: str) -> None:
    long = [{"role": "user", "content": "word " * 3000}]
    async with Recording() as sent, client(llama, sent, max_retries=2) as c:
        with pytest.raises(ContextLengthError, match="context length"):
            await c.chat.completions.create(model=MODEL, messages=long, max_tokens=10)
        assert sent.statuses == [400]  # not retried
        # Streamed, the server answers 200 and ends the stream empty: said, not guessed at.
        with pytest.raises(APIConnectionError, match="without sending any event"):
            async with c.chat.completions.stream(model=MODEL, messages=long, max_tokens=10) as s:
                async for _ in s:
                    pass
