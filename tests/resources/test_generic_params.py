"""On a generic OpenAI-compatible server the client is a plain OpenAI client.

Seed's rules (ranges, per-model rules, the did-you-mean check) are for Seed providers only;
what a generic server gets is OpenAI's parameter set as the user gave it, with nothing
Seed-only in it.
"""

from __future__ import annotations

from typing import Any

import pytest

from seedclient import ConfigurationError, Message, UnsupportedParameterWarning
from seedclient._config import PROVIDERS
from seedclient._resources.chat_params import chat_body

MSGS = [{"role": "user", "content": "hi"}]
GENERIC = PROVIDERS["openai-compatible"]
ARK = PROVIDERS["byteplus"]


def body(model: str = "smollm2", provider: Any = GENERIC, **params: Any) -> dict[str, Any]:
    return chat_body(provider, {"model": model, "messages": MSGS, **params}, stream=False)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("n", 3),
        ("logit_bias", {"50256": -100}),
        ("stop", ["a", "b", "c", "d", "e", "f"]),
        ("top_logprobs", 25),
        ("temperature", 2.5),
        ("max_completion_tokens", 500_000),
        ("reasoning_effort", "low"),
        ("service_tier", "flex"),
        ("tool_choice", "always"),
        ("response_format", {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}),
        ("metadata", {"job": "nightly"}),
        ("store", False),
        ("verbosity", "low"),
        ("prompt_cache_key", "k1"),
    ],
)
def test_standard_parameters_pass_through_unchanged(name: str, value: Any) -> None:
    assert body(**{name: value})[name] == value


def test_max_tokens_with_max_completion_tokens_is_the_servers_call() -> None:
    sent = body(max_tokens=10, max_completion_tokens=20, top_logprobs=2)
    assert (sent["max_tokens"], sent["max_completion_tokens"], sent["top_logprobs"]) == (10, 20, 2)


def test_types_are_still_checked() -> None:
    with pytest.raises(ConfigurationError, match="temperature must be a number"):
        body(temperature="hot")
    with pytest.raises(ConfigurationError, match="n must be an integer"):
        body(n=1.5)
    with pytest.raises(ConfigurationError, match="unknown parameter 'penalty'"):
        body(penalty=1)


def test_thinking_is_never_sent_to_a_generic_server() -> None:
    with pytest.warns(UnsupportedParameterWarning, match="openai-compatible does not accept"):
        sent = body(thinking="disabled")
    assert "thinking" not in sent


def test_reasoning_content_is_not_sent_back() -> None:
    turn = Message(content="4", reasoning_content="2+2 is 4")
    sent = chat_body(GENERIC, {"model": "m", "messages": [*MSGS, turn, *MSGS]}, stream=False)
    assert sent["messages"][1] == {"role": "assistant", "content": "4"}


def test_a_seed_model_id_on_a_gateway_gets_no_seed_rules() -> None:
    # seed-2.0-pro refuses thinking=disabled with a graded effort on Seed; a gateway decides
    # for itself, and the id is not turned into a "did you mean".
    sent = body("seed-2-0-pro-260328", reasoning_effort="high", max_completion_tokens=200_000)
    assert sent["max_completion_tokens"] == 200_000
    assert body("seed-1.6-flahs")["model"] == "seed-1.6-flahs"


def test_seed_providers_keep_seed_rules() -> None:
    with pytest.raises(ConfigurationError, match="top_logprobs must be in"):
        body("seed-1.6-flash", ARK, logprobs=True, top_logprobs=25)
    with pytest.raises(ConfigurationError, match=r"did you mean 'seed-1\.6-flash'"):
        body("seed-1.6-flahs", ARK)
    with pytest.warns(UnsupportedParameterWarning, match="byteplus does not accept 'metadata'"):
        assert "metadata" not in body("seed-1.6-flash", ARK, metadata={"a": "b"})
