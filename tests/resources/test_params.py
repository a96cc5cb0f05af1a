"""Parameter checks and the body each provider gets."""

from __future__ import annotations

from typing import Any

import pytest

from seedclient import (
    ChatMessage,
    ConfigurationError,
    ImageURL,
    ImageURLPart,
    TextPart,
    UnsupportedParameterWarning,
)
from seedclient._config import PROVIDERS
from seedclient._resources.chat_params import chat_body
from seedclient._wire.base import encode_body

MSGS = [{"role": "user", "content": "hi"}]
ARK = PROVIDERS["byteplus"]
AIML = PROVIDERS["aimlapi"]


def body(provider: Any = ARK, stream: bool = False, **params: Any) -> dict[str, Any]:
    return chat_body(
        provider, {"model": "seed-1.6-flash", "messages": MSGS, **params}, stream=stream
    )


def test_minimal_body_resolves_alias() -> None:
    assert body() == {"model": "seed-1-6-flash-250715", "messages": MSGS}


def test_every_parameter_in_wire_form() -> None:
    b = body(
        max_tokens=5,
        temperature=0,
        top_p=0.9,
        frequency_penalty=-1.5,
        presence_penalty=2,
        stop=["\n", "END"],
        tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
        tool_choice="auto",
        parallel_tool_calls=False,
        response_format={"type": "json_object"},
        logprobs=True,
        top_logprobs=3,
        reasoning_effort="minimal",
        thinking="disabled",
        service_tier="auto",
        user="u-1",
    )
    assert b["thinking"] == {"type": "disabled"}
    assert b["stop"] == ["\n", "END"]
    assert b["max_tokens"] == 5 and b["temperature"] == 0 and b["top_logprobs"] == 3
    assert "stream" not in b


def test_thinking_accepts_the_wire_dict() -> None:
    assert body(thinking={"type": "auto"})["thinking"] == {"type": "auto"}


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("temperature", 2.5, "temperature must be in [0, 2]"),
        ("temperature", -0.1, "temperature must be in [0, 2]"),
        ("top_p", 1.5, "top_p must be in [0, 1]"),
        ("frequency_penalty", 3, "frequency_penalty must be in [-2, 2]"),
        ("presence_penalty", -2.5, "presence_penalty must be in [-2, 2]"),
        ("max_tokens", 0, "max_tokens must be in [1, inf]"),
        ("max_tokens", 5.5, "max_tokens must be an integer"),
        ("max_tokens", True, "max_tokens must be an integer"),
        ("max_completion_tokens", -1, "max_completion_tokens must be in [0, 131072]"),
        ("top_logprobs", 21, "top_logprobs must be in [0, 20]"),
        ("temperature", "hot", "temperature must be a number"),
        (
            "reasoning_effort",
            "extreme",
            "reasoning_effort must be one of high, low, max, medium, minimal, none, xhigh",
        ),
        ("thinking", "off", "thinking must be one of auto, disabled, enabled"),
        ("service_tier", "scale", "service_tier must be one of auto, default"),
        ("stop", ["a", "b", "c", "d", "e"], "stop must be a string or a list of at most 4"),
        ("logprobs", "yes", "logprobs must be True or False"),
        ("tool_choice", "always", "tool_choice must be"),
        ("response_format", {"type": "xml"}, "response_format must be"),
        ("n", 0, "n must be in [1, inf]"),
        ("logit_bias", {"1234": 150}, "logit_bias must be a dict of token id -> bias"),
        ("penalty", 1, "unknown parameter 'penalty'"),
    ],
)
def test_out_of_range_names_parameter_and_range(name: str, value: Any, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        body(**{name: value})
    assert fragment in str(info.value)


def test_messages_and_model_checked() -> None:
    with pytest.raises(ConfigurationError, match="messages"):
        chat_body(ARK, {"model": "m", "messages": []}, stream=False)
    with pytest.raises(ConfigurationError, match="messages"):
        chat_body(ARK, {"model": "m", "messages": "hi"}, stream=False)
    with pytest.raises(ConfigurationError, match="role"):
        chat_body(ARK, {"model": "m", "messages": [{"content": "x"}]}, stream=False)
    with pytest.raises(ConfigurationError, match="model"):
        chat_body(ARK, {"model": "", "messages": MSGS}, stream=False)


def test_mutually_exclusive_token_caps() -> None:
    with pytest.raises(ConfigurationError, match="mutually exclusive"):
        body(max_tokens=5, max_completion_tokens=5)


def test_top_logprobs_needs_logprobs() -> None:
    with pytest.raises(ConfigurationError, match="logprobs=True"):
        body(top_logprobs=2)


def test_aiml_rejects_ark_only_fields_with_a_warning() -> None:
    with pytest.warns(UnsupportedParameterWarning, match="aimlapi does not accept 'thinking'"):
        b = body(AIML, thinking="disabled", max_tokens=3)
    assert "thinking" not in b
    assert b["max_tokens"] == 3
    assert b["model"] == "bytedance-seed/seed-1.6-flash"


def test_aiml_top_p_raised_to_minimum() -> None:
    with pytest.warns(UnsupportedParameterWarning, match="top_p >= 0.01"):
        b = body(AIML, top_p=0.0)
    assert b["top_p"] == 0.01
    assert body(AIML, top_p=0.5)["top_p"] == 0.5


def test_aiml_seed_minimum_and_ark_seed_dropped() -> None:
    with pytest.raises(ConfigurationError, match="seed must be an integer >= 1"):
        body(AIML, seed=0)
    assert body(AIML, seed=7)["seed"] == 7
    with pytest.warns(UnsupportedParameterWarning, match="byteplus does not accept 'seed'"):
        assert "seed" not in body(ARK, seed=7)


def test_extra_body_sends_anything_and_wins() -> None:
    b = body(AIML, extra_body={"thinking": {"type": "disabled"}, "prediction": {"x": 1}})
    assert b["thinking"] == {"type": "disabled"}
    assert b["prediction"] == {"x": 1}


def test_stream_turns_on_usage_unless_given() -> None:
    assert body(stream=True)["stream_options"] == {"include_usage": True}
    assert body(stream=True)["stream"] is True
    assert body(stream=True, stream_options={"include_usage": False})["stream_options"] == {
        "include_usage": False
    }


def test_struct_messages_and_content_parts_encode() -> None:
    msgs = [
        ChatMessage(role="system", content="Be brief."),
        ChatMessage(
            role="user",
            content=[
                TextPart(text="What is this?"),
                ImageURLPart(image_url=ImageURL(url="https://x/y.png", detail="low")),
            ],
        ),
        {"role": "user", "content": "plain dict"},
    ]
    raw = encode_body(chat_body(ARK, {"model": "seed-1.8", "messages": msgs}, stream=False))
    assert raw == (
        b'{"model":"seed-1-8-251228","messages":[{"role":"system","content":"Be brief."},'
        b'{"role":"user","content":[{"type":"text","text":"What is this?"},'
        b'{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}}]},'
        b'{"role":"user","content":"plain dict"}]}'
    )


def test_unencodable_body() -> None:
    with pytest.raises(ConfigurationError, match="cannot be encoded"):
        encode_body({"model": "m", "messages": [{"role": "user", "content": object()}]})
