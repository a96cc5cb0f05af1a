"""The fake's answers as data, with no I/O: usage, costs, logprobs, completions, chunks.

The mirror of the client's accumulator: what these build, the client must read back whole.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import msgspec

from ._model import Answer, count_tokens

__all__ = ["chunk_frames", "completion_body", "logprobs_of", "meta_of", "usage_of"]

_encode = msgspec.json.encode


def usage_of(ans: Answer) -> dict[str, Any]:
    """The usage of an answer (half of a long prompt counted as cached, as Ark caches)."""
    completion = (
        len(ans.content)
        + len(ans.reasoning)
        + sum(count_tokens(t["function"]["arguments"]) for t in ans.tool_calls)
    )
    cached = (ans.prompt_tokens // 64) * 32 if ans.prompt_tokens >= 64 else 0
    return {
        "prompt_tokens": ans.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": ans.prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": len(ans.reasoning)},
    }


def meta_of(usage: Mapping[str, Any]) -> dict[str, Any]:
    """AI/ML API's ``meta``: the credits and dollars an answer cost."""
    credits = usage["prompt_tokens"] * 0.04 + usage["completion_tokens"] * 0.44
    return {"usage": {"credits_used": round(credits, 3), "usd_spent": round(credits / 2e6, 9)}}


def logprobs_of(body: Mapping[str, Any], ans: Answer, dialect: str) -> dict[str, Any] | None:
    """The logprobs asked for (``logprobs``, ``top_logprobs``); AI/ML API sends none."""
    if body.get("logprobs") is not True or dialect == "aiml":
        return None
    top_n = int(body.get("top_logprobs") or 0)
    content = []
    for i, tok in enumerate(ans.content):
        lp = ans.label_logprob if (i == 0 and ans.label_logprob is not None) else -0.05
        alts = [{"token": tok, "logprob": lp}] + [
            {"token": a, "logprob": alp} for a, alp in ans.alternatives
        ]
        content.append({"token": tok, "logprob": lp, "top_logprobs": alts[:top_n]})
    return {"content": content}


def completion_body(
    body: Mapping[str, Any], ans: Answer, rid: str, model: str, dialect: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """A whole chat completion and its headers."""
    message: dict[str, Any] = {"role": "assistant", "content": "".join(ans.content)}
    if ans.reasoning:
        message["reasoning_content"] = "".join(ans.reasoning)
    if ans.tool_calls:
        message["tool_calls"] = ans.tool_calls
    usage = usage_of(ans)
    out: dict[str, Any] = {
        "id": rid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "service_tier": "default",
        "choices": [
            {
                "index": i,
                "message": message,
                "finish_reason": ans.finish_reason,
                "logprobs": logprobs_of(body, ans, dialect),
            }
            # OpenAI answers n choices (this fake's model answers the same each time).
            for i in range(int(body.get("n") or 1) if dialect == "openai" else 1)
        ],
        "usage": usage,
    }
    headers = {"x-request-id": rid}
    if dialect == "aiml":
        out["meta"] = meta_of(usage)
        headers = {
            "x-inference-id": rid,
            "x-aimlapi-credits-used": str(out["meta"]["usage"]["credits_used"]),
        }
    return out, headers


def chunk_frames(
    body: Mapping[str, Any], ans: Answer, rid: str, model: str, dialect: str
) -> list[bytes]:
    """The SSE frames of a streamed answer: reasoning, content, tool calls in pieces, the
    finish, and the usage chunk when ``stream_options.include_usage`` asks for it."""
    created = int(time.time())
    head = f'{{"id":"{rid}","object":"chat.completion.chunk","created":{created},"model":'.encode()
    head += _encode(model) + b',"service_tier":"default","choices":['
    tail = b'],"usage":null}'

    def frame(choice: dict[str, Any]) -> bytes:
        return b"data: " + head + _encode(choice) + tail + b"\n\n"

    frames = []
    for piece in ans.reasoning:
        frames.append(
            frame(
                {
                    "delta": {"content": "", "reasoning_content": piece, "role": "assistant"},
                    "index": 0,
                }
            )
        )
    lp = logprobs_of(body, ans, dialect)
    for i, piece in enumerate(ans.content):
        choice: dict[str, Any] = {"delta": {"content": piece, "role": "assistant"}, "index": 0}
        if lp is not None:
            choice["logprobs"] = {"content": [lp["content"][i]]}
        frames.append(frame(choice))
    last: dict[str, Any] = {
        "delta": {"content": "", "role": "assistant"},
        "finish_reason": ans.finish_reason,
        "index": 0,
    }
    for i, call in enumerate(ans.tool_calls):
        # The call's head first, then its arguments in pieces, as a streaming model does.
        fn = call["function"]
        head_delta: dict[str, Any] = {"id": call["id"], "type": "function", "index": i}
        head_delta["function"] = {"name": fn["name"], "arguments": ""}
        frames.append(frame({"delta": {"tool_calls": [head_delta]}, "index": 0}))
        args = fn["arguments"]
        step = max(1, len(args) // 3 + 1)
        for at in range(0, len(args), step):
            fragment: dict[str, Any] = {
                "index": i,
                "function": {"arguments": args[at : at + step]},
            }
            frames.append(frame({"delta": {"tool_calls": [fragment]}, "index": 0}))
    frames.append(frame(last))
    opts = body.get("stream_options")
    if isinstance(opts, dict) and opts.get("include_usage"):
        usage = usage_of(ans)
        final: dict[str, Any] = {
            "id": rid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "service_tier": "default",
            "choices": [],
            "usage": usage,
        }
        if dialect == "aiml":
            final["meta"] = meta_of(usage)
        frames.append(b"data: " + _encode(final) + b"\n\n")
    return frames
