"""Ark's Responses API from the wire: a recorded stream accumulated, the fake twin's
answers, errors, incomplete answers, stored responses, conversations and caching."""

from __future__ import annotations

import json
import time
from typing import Any, Literal

import msgspec
import pytest
from aiohttp import web

from seedclient import (
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    NotFoundError,
    SeedClient,
    StructuredOutputError,
)
from seedclient.testing import FakeSeedServer, FaultPlan

from ..conftest import web_server


def sse(events: list[dict[str, Any]]) -> bytes:
    out = b""
    for n, event in enumerate(events):
        data = json.dumps({**event, "sequence_number": n})
        out += f"event: {event['type']}\ndata: {data}\n\n".encode()
    return out


# A stream in the field's documented shape: reasoning (two spellings), an unknown event, text
# with a null delta, a function call's arguments in pieces, and a completed event that
# carries no output (the client rebuilds it from what came).
RECORDED = [
    {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}},
    {"type": "response.in_progress", "response": {"id": "resp_1", "status": "in_progress"}},
    {"type": "response.output_item.added", "output_index": 0,
     "item": {"type": "reasoning", "id": "rs_1", "summary": []}},
    {"type": "response.reasoning_text.delta", "output_index": 0, "delta": "Think"},
    {"type": "response.reasoning_raw_text.delta", "output_index": 0, "delta": "ing."},
    {"type": "response.some_future_event", "output_index": 0, "whatever": [1, 2]},
    {"type": "response.output_item.added", "output_index": 1,
     "item": {"type": "message", "id": "msg_1", "role": "assistant", "content": []}},
    {"type": "response.output_text.delta", "output_index": 1, "item_id": "msg_1", "delta": "Hel"},
    {"type": "response.output_text.delta", "output_index": 1, "item_id": "msg_1", "delta": None},
    {"type": "response.output_text.delta", "output_index": 1, "item_id": "msg_1", "delta": "lo"},
    {"type": "response.output_item.added", "output_index": 2,
     "item": {"type": "function_call", "id": "fc_1", "name": "weather", "call_id": "c1"}},
    {"type": "response.function_call_arguments.delta", "output_index": 2, "delta": '{"city":'},
    {"type": "response.function_call_arguments.delta", "output_index": 2, "delta": '"Oslo"}'},
    {"type": "response.completed", "response": {
        "id": "resp_1", "status": "completed", "model": "seed-1-8-251228",
        "usage": {"input_tokens": 9, "output_tokens": 5, "total_tokens": 14,
                  "input_tokens_details": {"cached_tokens": 4},
                  "output_tokens_details": {"reasoning_tokens": 2}}}},
]  # fmt: skip


async def test_a_recorded_stream_accumulates_every_kind_of_piece() -> None:
    async def answer(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(sse(RECORDED) + b"data: [DONE]\n\n")
        return resp

    async with (
        web_server("/responses", answer) as url,
        SeedClient(provider="byteplus", base_url=url, api_key="k", allow_http=True) as client,
    ):
        async with client.responses.stream(model="seed-1.8", input="hi") as stream:
            kinds = [event.type async for event in stream]
        done = stream.response
    assert "response.some_future_event" in kinds  # unknown types pass through
    assert done.id == "resp_1" and done.status == "completed"
    assert done.reasoning_text == "Thinking."
    assert done.output_text == "Hello"
    (call,) = done.function_calls
    assert (call.name, call.call_id, call.arguments) == ("weather", "c1", '{"city":"Oslo"}')
    assert done.usage is not None
    assert (done.usage.cached_tokens, done.usage.reasoning_tokens) == (4, 2)
    assert stream.time_to_first_token is not None


@pytest.fixture
async def ark() -> Any:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        yield server, client


async def test_a_stream_adds_up_to_what_create_returns(ark: Any) -> None:
    _, client = ark
    made = await client.responses.create(model="seed-1.8", input="Tell me about rivers")
    async with client.responses.stream(model="seed-1.8", input="Tell me about rivers") as stream:
        events = [e async for e in stream]
    streamed = stream.response
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert streamed.output_text == made.output_text and made.output_text
    assert streamed.reasoning_text == made.reasoning_text and made.reasoning_text
    assert streamed.usage == made.usage
    assert [i.type for i in streamed.output] == [i.type for i in made.output]


async def test_an_error_event_raises_and_incomplete_returns() -> None:
    async with (
        FakeSeedServer(faults=FaultPlan(rates={"error_event": 1.0})) as server,
        SeedClient(
            provider=server.provider, base_url=server.url, api_key="k", max_retries=0
        ) as client,
    ):
        with pytest.raises(InternalServerError, match="The service encountered an error"):
            async with client.responses.stream(model="seed-1.8", input="hi") as stream:
                async for _ in stream:
                    pass
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        short = await client.responses.create(
            model="seed-1.8", input="Tell me about rivers", max_output_tokens=20
        )
        assert short.status == "incomplete"
        assert short.incomplete_details == {"reason": "max_output_tokens"}
        stream = await client.responses.create(
            model="seed-1.8", input="Tell me about rivers", max_output_tokens=20, stream=True
        )
        async with stream:
            final = await stream.final()
        assert final.status == "incomplete" and final.output_text == short.output_text


async def test_a_conversation_chains_caches_and_is_stored(ark: Any) -> None:
    _, client = ark
    first = await client.responses.create(
        model="seed-1.8", input="Which rivers are long?", caching={"type": "enabled"}
    )
    second = await client.responses.create(
        model="seed-1.8",
        input="And the longest?",
        previous_response_id=first.id,
        caching={"type": "enabled"},
    )
    assert second.previous_response_id == first.id
    assert first.usage is not None and second.usage is not None
    # The stored context (the first turn, its answer included) is read from the cache.
    assert (
        second.usage.cached_tokens == first.usage.input_tokens + len(first.output_text.split())
        or second.usage.cached_tokens > first.usage.input_tokens
    )
    assert second.usage.input_tokens > first.usage.input_tokens  # the history was carried
    assert (await client.responses.retrieve(first.id)).output_text == first.output_text
    items = await client.responses.input_items.list(second.id)
    assert items.data == [{"role": "user", "content": "And the longest?"}]
    assert (await client.responses.delete(first.id)).deleted is True
    with pytest.raises(NotFoundError):
        await client.responses.retrieve(first.id)
    with pytest.raises(BadRequestError) as gone:
        await client.responses.create(model="seed-1.8", input="more", previous_response_id=first.id)
    assert gone.value.code == "InvalidParameter.PreviousResponseNotFound"


async def test_what_ark_refuses_is_refused_before_sending_or_by_the_twin(ark: Any) -> None:
    server, client = ark
    before = server.stats.received
    with pytest.raises(ConfigurationError, match="instructions cannot go with caching"):
        await client.responses.create(
            model="seed-1.8", input="hi", instructions="Be brief", caching={"type": "enabled"}
        )
    with pytest.raises(ConfigurationError, match="tools are flat"):
        await client.responses.create(
            model="seed-1.8",
            input="hi",
            tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
        )
    with pytest.raises(ConfigurationError, match="expire_at"):
        await client.responses.create(
            model="seed-1.8", input="hi", expire_at=int(time.time()) + 8 * 24 * 3600
        )
    with pytest.raises(ConfigurationError, match=r"reasoning\.effort 'max'"):
        await client.responses.create(model="seed-1.8", input="hi", reasoning={"effort": "max"})
    assert server.stats.received == before  # nothing was sent
    # What only the server can judge: replayed items without their status.
    replay = [
        {"type": "message", "role": "user", "content": "hi"},
        {"type": "reasoning", "id": "rs_1", "summary": []},
    ]
    with pytest.raises(BadRequestError) as missing:
        await client.responses.create(model="seed-1.8", input=replay)
    assert missing.value.code == "MissingParameter"
    # The twin refuses instructions with caching too (sent raw, past the client's check).
    with pytest.raises(BadRequestError, match="instructions"):
        await client.responses.create(
            model="seed-1.8",
            input="hi",
            extra_body={"instructions": "x", "caching": {"type": "enabled"}},
        )


async def test_hooks_and_telemetry_see_responses_as_chat_calls() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from seedclient.telemetry import Telemetry

    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    events: list[Any] = []
    async with (
        FakeSeedServer() as server,
        SeedClient(
            provider=server.provider,
            base_url=server.url,
            api_key="k",
            hooks=[events.append],
            telemetry=Telemetry(tracer_provider=provider),
        ) as client,
    ):
        async with client.responses.stream(model="seed-1.8", input="hi") as stream:
            done = await stream.final()
    assert [type(e).__name__ for e in events] == [
        "RequestSent",
        "ResponseReceived",
        "FirstToken",
        "CallFinished",
    ]
    (span,) = spans.get_finished_spans()
    attrs = dict(span.attributes or {})
    assert span.name == "chat seed-1.8" and attrs["gen_ai.response.id"] == done.id
    assert done.usage is not None and attrs["gen_ai.usage.input_tokens"] == done.usage.input_tokens


def test_the_sync_facade_has_responses_too(fake_in_thread: FakeSeedServer) -> None:
    from seedclient import SyncSeedClient

    server = fake_in_thread
    with SyncSeedClient(provider=server.provider, base_url=server.url, api_key="k") as client:
        made = client.responses.create(model="seed-1.8", input="Tell me about rivers")
        with client.responses.stream(model="seed-1.8", input="Tell me about rivers") as stream:
            text = "".join(stream.text())
        assert text == made.output_text == stream.response.output_text
        assert client.responses.retrieve(made.id).id == made.id
        assert client.responses.input_items.list(made.id).data
        assert client.responses.delete(made.id).deleted


class Review(msgspec.Struct):
    sentiment: Literal["positive", "negative", "neutral"]
    stars: int


async def test_parse_asks_through_text_format_and_validates(ark: Any) -> None:
    server, client = ark
    done = await client.responses.parse(
        model="seed-1.8", input="Great trip, 5 stars", response_format=Review
    )
    assert done.parsed == Review(sentiment="positive", stars=5)
    with pytest.raises(StructuredOutputError) as cut:
        await client.responses.parse(
            model="seed-1.8", input="Great trip", response_format=Review, max_output_tokens=16
        )
    assert cut.value.finish_reason == "length" and len(cut.value.errors) == 1
    assert server.stats.received == 2  # a cut answer is not asked again


async def test_a_conversation_of_five_turns_is_cached_and_survives_a_lost_chain(ark: Any) -> None:
    _, client = ark
    async with client.responses.conversation(model="seed-1.8", delete_on_close=True) as talk:
        answers = [await talk.send(f"Question number {n} about rivers") for n in range(3)]
        # Someone deletes the last stored turn (or it expired): the next turn replays.
        await client.responses.delete(answers[-1].id)
        answers.append(await talk.send("Question number 3 about rivers"))
        answers.append(await talk.send("Question number 4 about rivers"))
        assert talk.replayed == 1
        assert len(talk.history) == 10
        stored = list(talk.stored)
    previous = [a.previous_response_id for a in answers]
    assert previous == [None, answers[0].id, answers[1].id, None, answers[3].id]
    assert all(a.usage is not None for a in answers)
    cached = [a.usage.cached_tokens for a in answers if a.usage is not None]
    assert cached[0] == 0 and cached[3] == 0  # the first turn, and the replayed one
    assert all(c > 0 for c in (cached[1], cached[2], cached[4]))
    assert answers[3].usage is not None and answers[4].usage is not None
    # The replayed turn carried the whole history as input: more input than a chained one.
    assert answers[3].usage.input_tokens > answers[3].usage.cached_tokens
    for response_id in stored:  # deleted on close
        with pytest.raises(NotFoundError):
            await client.responses.retrieve(response_id)


async def test_a_built_in_tool_brings_its_beta_header() -> None:
    seen: list[Any] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        body = {"id": "resp_1", "status": "completed", "output": []}
        return web.json_response(body)

    async with (
        web_server("/responses", answer) as url,
        SeedClient(provider="volcengine", base_url=url, api_key="k", allow_http=True) as client,
    ):
        await client.responses.create(
            model="seed-1.8", input="news today?", tools=[{"type": "web_search"}]
        )
        await client.responses.create(model="seed-1.8", input="hi")
    assert seen[0]["ark-beta-web-search"] == "true"
    assert "ark-beta-web-search" not in seen[1]


def get_weather(city: str) -> dict[str, Any]:
    """The current weather in a city."""
    return {"city": city, "temp": 21}


async def test_the_tool_runner_works_on_responses(ark: Any) -> None:
    _, client = ark
    run = await client.responses.run_tools(
        model="seed-1.8", input="What is the weather in Paris?", tools=[get_weather]
    )
    assert run.finished and run.tool_calls == 1 and run.tool_errors == 0
    assert len(run.responses) == 2
    first, last = run.responses
    (call,) = first.function_calls
    assert call.name == "get_weather" and json.loads(call.arguments or "{}") == {"city": "Paris"}
    assert last.previous_response_id == first.id
    assert "21" in run.output_text


async def test_a_conversation_caches_unless_the_listing_says_the_model_cannot(ark: Any) -> None:
    import dataclasses

    from seedclient._catalog import from_listing

    _, client = ark
    assert client.responses.conversation(model="seed-1.8").caching is True
    pinned = "seed-1-8-251228"
    provider = client.requester.provider
    without = from_listing(pinned, {"cache": {"prefix_cache": False, "session_cache": False}}, {})
    client.requester.provider = dataclasses.replace(provider, specs={pinned: without})
    assert client.responses.conversation(model="seed-1.8").caching is False
    async with client.responses.stream(model="seed-1.8", input="Tell me about rivers") as s:
        kinds = {kind async for kind, _ in s.events()}
    assert kinds == {"reasoning", "content"}
