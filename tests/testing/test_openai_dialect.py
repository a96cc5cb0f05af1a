"""The fake's ``openai`` dialect refuses what a strict OpenAI-spec server refuses (on the
wire, with aiohttp): the test server that "nothing Seed-only reaches a generic server"
stands on must be able to say no."""

from __future__ import annotations

from typing import Any

import pytest

from seedclient.testing import FakeSeedServer

from .test_fake_twin import chat, post

TOOL_TURN = {
    "role": "assistant",
    "content": None,
    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            chat("m", thinking={"type": "disabled"}),
            "Unrecognized request argument supplied: thinking",
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": "hi", "reasoning_content": "x"}],
            },
            "Additional properties are not allowed ('reasoning_content' was unexpected)",
        ),
        (chat("m", temperature=2.5), "Invalid 'temperature': 2.5 is out of range [0, 2]"),
        (chat("m", logprobs=True, top_logprobs=21), "'top_logprobs': 21 is out of range"),
        (chat("m", top_logprobs=2), "'top_logprobs' requires 'logprobs' to be true"),
        (chat("m", stop=["a", "b", "c", "d", "e"]), "Expected at most 4 items"),
        (chat("m", n=0), "Invalid 'n'"),
        (chat("m", reasoning_effort="max"), "reasoning_effort"),
        (
            chat("m", response_format={"type": "json_schema", "json_schema": {"name": "x"}}),
            "response_format.json_schema",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": None}]},
            "expected a string, got null",
        ),
    ],
)
async def test_refusals_are_openais(body: dict[str, Any], message: str) -> None:
    async with FakeSeedServer(dialect="openai") as server:
        status, answer = await post(server.url, "/chat/completions", body)
    assert status == 400
    assert message in answer["error"]["message"]
    assert answer["error"]["type"] == "invalid_request_error"
    assert server.stats.answered == {400: 1}


async def test_what_it_serves() -> None:
    async with FakeSeedServer(dialect="openai") as server:
        # Any model id; n choices; a tool turn with content null is OpenAI's own form.
        status, body = await post(server.url, "/chat/completions", chat("my-local-model", n=3))
        assert status == 200 and body["model"] == "my-local-model"
        assert [c["index"] for c in body["choices"]] == [0, 1, 2]
        assert "reasoning_content" not in body["choices"][0]["message"]  # no Seed fields
        turns = [
            {"role": "user", "content": "hi"},
            TOOL_TURN,
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
        ]
        status, _ = await post(server.url, "/chat/completions", {"model": "m", "messages": turns})
        assert status == 200
        status, models = await post(server.url, "/chat/completions", chat("m", logprobs=True))
        assert models["choices"][0]["logprobs"]["content"]


async def test_a_refused_response_format_is_a_500_naming_it() -> None:
    # As llama-cpp-python's server answers a json_schema response_format.
    async with FakeSeedServer(dialect="openai", response_formats={"text", "json_object"}) as server:
        fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
        status, body = await post(server.url, "/chat/completions", chat("m", response_format=fmt))
        assert status == 500
        assert "response_format" in body["error"]["message"]
        status, _ = await post(
            server.url, "/chat/completions", chat("m", response_format={"type": "json_object"})
        )
        assert status == 200
