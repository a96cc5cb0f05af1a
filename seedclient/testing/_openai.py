"""What a strict OpenAI-spec server refuses (the ``openai`` dialect), as OpenAI's API does.

Unknown request fields are a 400 ("Unrecognized request argument supplied: ..."), so is an
unknown field in a message (``reasoning_content``); numbers are held to OpenAI's ranges;
any model id is served. It is the test for "nothing Seed-only reaches a generic server".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ._rules import Rejection

__all__ = ["check_openai_chat"]

_KEYS = frozenset(
    {
        "model",
        "messages",
        "audio",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "metadata",
        "modalities",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)
#: The fields a message of each role may have.
_MESSAGE_KEYS: Mapping[str, frozenset[str]] = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "tool_calls", "refusal", "audio"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
}
_RANGES: tuple[tuple[str, float, float], ...] = (
    ("temperature", 0, 2),
    ("top_p", 0, 1),
    ("frequency_penalty", -2, 2),
    ("presence_penalty", -2, 2),
    ("n", 1, 128),
    ("top_logprobs", 0, 20),
    ("max_tokens", 1, math.inf),
    ("max_completion_tokens", 1, math.inf),
)
_EFFORTS = frozenset({"none", "minimal", "low", "medium", "high", "xhigh"})
_TIERS = frozenset({"auto", "default", "flex", "scale", "priority"})


def _bad(message: str, param: str | None = None) -> Rejection:
    return Rejection(400, param or "invalid_request_error", message)


def _check_message(i: int, m: Any) -> Rejection | None:
    if not isinstance(m, dict) or m.get("role") not in _MESSAGE_KEYS:
        return _bad(f"Invalid value for 'messages[{i}].role'.", f"messages[{i}].role")
    role = m["role"]
    extra = sorted(set(m) - _MESSAGE_KEYS[role])
    if extra:
        return _bad(
            f"Additional properties are not allowed ({extra[0]!r} was unexpected) - 'messages.{i}'",
            f"messages[{i}]",
        )
    content = m.get("content")
    if content is None and not (role == "assistant" and m.get("tool_calls")):
        return _bad(
            "Invalid value for 'content': expected a string, got null.", f"messages[{i}].content"
        )
    if content is not None and not isinstance(content, (str, list)):
        return _bad(f"Invalid type for 'messages[{i}].content'.", f"messages[{i}].content")
    return None


def _check_values(body: Mapping[str, Any]) -> Rejection | None:
    for name, low, high in _RANGES:
        v = body.get(name)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return _bad(f"Invalid type for '{name}': expected a number.", name)
        if not low <= v <= high:
            return _bad(f"Invalid '{name}': {v} is out of range [{low:g}, {high:g}].", name)
    if "top_logprobs" in body and body.get("logprobs") is not True:
        return _bad("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs")
    stop = body.get("stop")
    if isinstance(stop, list) and len(stop) > 4:
        return _bad("Invalid 'stop': array too long. Expected at most 4 items.", "stop")
    bias = body.get("logit_bias")
    if isinstance(bias, dict) and any(
        not isinstance(v, (int, float)) or not -100 <= v <= 100 for v in bias.values()
    ):
        return _bad("Invalid 'logit_bias': values must be in [-100, 100].", "logit_bias")
    if body.get("reasoning_effort", "low") not in _EFFORTS:
        return _bad("Invalid value for 'reasoning_effort'.", "reasoning_effort")
    if body.get("service_tier", "auto") not in _TIERS:
        return _bad("Invalid value for 'service_tier'.", "service_tier")
    fmt = body.get("response_format")
    if fmt is not None:
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if kind not in ("text", "json_object", "json_schema"):
            return _bad("Invalid value for 'response_format.type'.", "response_format.type")
        schema = fmt.get("json_schema")
        if kind == "json_schema" and not (
            isinstance(schema, dict)
            and schema.get("name")
            and isinstance(schema.get("schema"), dict)
        ):
            return _bad(
                "Missing required parameter: 'response_format.json_schema'.",
                "response_format.json_schema",
            )
    return None


def check_openai_chat(body: Any, extra: frozenset[str] = frozenset()) -> Rejection | None:
    """Why a strict OpenAI-spec server would refuse this chat body, or None (``extra``: the
    fields it takes beyond OpenAI's, as llama.cpp's server takes ``grammar``)."""
    if not isinstance(body, dict):
        return _bad("The request body must be a JSON object.")
    unknown = sorted(set(body) - _KEYS - extra)
    if unknown:
        return _bad(f"Unrecognized request argument supplied: {unknown[0]}")
    if not isinstance(body.get("model"), str) or not body["model"]:
        return _bad("you must provide a model parameter", "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _bad("[] is too short - 'messages'", "messages")
    for i, m in enumerate(messages):
        problem = _check_message(i, m)
        if problem is not None:
            return problem
    return _check_values(body)
