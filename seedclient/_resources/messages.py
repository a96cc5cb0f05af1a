"""Chat messages as sent: checked, and converted where a message is not yet a request dict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from .._errors import ConfigurationError
from .._wire.chat import ChatMessage

__all__ = ["check_messages"]


def _bad(allowed: str, value: Any) -> ConfigurationError:
    return ConfigurationError(f"messages must be {allowed}, got {value!r}")


def _call_dict(call: Any) -> dict[str, Any]:
    if isinstance(call, Mapping):
        return dict(call)
    fn = getattr(call, "function", None)
    return {
        "id": getattr(call, "id", None),
        "type": getattr(call, "type", None) or "function",
        "function": {
            "name": getattr(fn, "name", None),
            "arguments": getattr(fn, "arguments", None) or "",
        },
    }


def _message_dict(m: Any, keep_reasoning: bool) -> dict[str, Any]:
    """A response message (ours, openai-python's, any object with ``role``) as a request dict."""
    out: dict[str, Any] = {"role": m.role}
    calls = getattr(m, "tool_calls", None)
    content = getattr(m, "content", None)
    # "" rather than null beside tool calls: every server tested takes "", some refuse null.
    out["content"] = "" if content is None else content
    if calls:
        out["tool_calls"] = [_call_dict(c) for c in calls]
    for name in ("name", "tool_call_id"):
        value = getattr(m, name, None)
        if isinstance(value, str):
            out[name] = value
    reasoning = getattr(m, "reasoning_content", None)
    if keep_reasoning and isinstance(reasoning, str) and reasoning:
        out["reasoning_content"] = reasoning
    return out


def check_messages(messages: Any, keep_reasoning: bool) -> Any:
    """Check ``messages``; return them as sent (converted only where a message needs it)."""
    if type(messages) is list and messages:
        # The usual case in one tight loop: request dicts with a role, nothing to take out.
        for m in messages:
            if (
                type(m) is not dict
                or "role" not in m
                or (not keep_reasoning and "reasoning_content" in m)
            ):
                break
        else:
            return messages
    return _converted(messages, keep_reasoning)


def _converted(messages: Any, keep_reasoning: bool) -> Any:
    """``check_messages`` for any other input: each message checked, converted if need be."""
    # Exact-type checks first: isinstance against an ABC costs far more on the hot path.
    kind = type(messages)
    if (
        kind is not list
        and kind is not tuple
        and (isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence))
    ):
        raise _bad("a non-empty list of messages", messages)
    if not messages:
        raise _bad("a non-empty list of messages", messages)
    converted: list[Any] | None = None
    for i, m in enumerate(messages):
        sent = m
        if type(m) is dict:
            if "role" not in m:
                raise _bad("a list of messages, each with a 'role'", m)
            if not keep_reasoning and "reasoning_content" in m:
                sent = {k: v for k, v in m.items() if k != "reasoning_content"}
        elif isinstance(m, ChatMessage):
            if not keep_reasoning and m.reasoning_content is not None:
                sent = msgspec.structs.replace(m, reasoning_content=None)
        elif isinstance(m, Mapping):
            if "role" not in m:
                raise _bad("a list of messages, each with a 'role'", m)
            sent = {k: v for k, v in m.items() if keep_reasoning or k != "reasoning_content"}
        elif isinstance(getattr(m, "role", None), str):
            sent = _message_dict(m, keep_reasoning)
        else:
            raise _bad(
                "a list of dicts, ChatMessage or response messages (with a 'role')",
                m,
            )
        if sent is not m and converted is None:
            converted = list(messages[:i])
        if converted is not None:
            converted.append(sent)
    return messages if converted is None else converted
