"""A deterministic fake Seed model: labels for classification prompts, canned prose otherwise.

Same input, same output, always: labels come from a small sentiment lexicon when the labels
look like sentiment, else from a stable hash of the text.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Answer", "answer", "count_tokens", "find_labels", "split_tokens"]

_TOKEN = re.compile(r"\s*\S+")
_WORDS = re.compile(r"[a-z']+")
_LABELS_LINE = re.compile(
    r"^\s*(?:allowed\s+|valid\s+|possible\s+)?(?:labels|categories|classes)\s*:\s*(.+)$",
    re.IGNORECASE | re.MULTILINE,
)

POSITIVE = frozenset(
    [
        "good",
        "great",
        "excellent",
        "amazing",
        "love",
        "loved",
        "loves",
        "awesome",
        "fantastic",
        "perfect",
        "wonderful",
        "happy",
        "best",
        "recommend",
        "recommended",
        "nice",
        "pleased",
        "superb",
        "brilliant",
        "works",
        "fast",
        "easy",
        "comfortable",
        "beautiful",
        "delighted",
        "impressive",
        "reliable",
        "solid",
        "sturdy",
        "worth",
        "enjoy",
        "enjoyed",
        "glad",
        "favourite",
        "favorite",
        "fine",
    ]
)
NEGATIVE = frozenset(
    [
        "bad",
        "terrible",
        "awful",
        "hate",
        "hated",
        "worst",
        "poor",
        "broken",
        "broke",
        "disappointing",
        "disappointed",
        "refund",
        "useless",
        "slow",
        "waste",
        "cheap",
        "flimsy",
        "returned",
        "return",
        "defective",
        "crap",
        "horrible",
        "annoying",
        "fails",
        "failed",
        "failure",
        "stopped",
        "never",
        "problem",
        "problems",
        "issue",
        "issues",
        "not",
        "unhappy",
        "rude",
        "late",
        "missing",
        "wrong",
        "sucks",
    ]
)


@dataclass
class Answer:
    """What the fake model says to one request."""

    content: list[str]  # answer tokens, each with its leading space
    reasoning: list[str] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    label_logprob: float | None = None  # for a classification answer
    alternatives: list[tuple[str, float]] = field(default_factory=list)


def split_tokens(text: str) -> list[str]:
    """Split text into token-like pieces (a word with its leading whitespace)."""
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    """A plausible token count: about one per word or punctuation run."""
    return max(1, len(_TOKEN.findall(text)) + text.count(",") + text.count("."))


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return ""


def find_labels(system: str) -> list[str]:
    """The labels a classification system prompt allows (a ``Labels: a, b, c`` line)."""
    m = _LABELS_LINE.search(system)
    if not m:
        return []
    return [lab.strip().strip("\"'`") for lab in m.group(1).split(",") if lab.strip()]


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def choose_label(labels: Sequence[str], text: str) -> str:
    """The label for ``text``: sentiment lexicon for sentiment labels, stable hash otherwise."""
    lowered = {lab.lower(): lab for lab in labels}
    if "positive" in lowered and "negative" in lowered:
        words = _WORDS.findall(text.lower())
        score = sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)
        if score > 0:
            return lowered["positive"]
        if score < 0:
            return lowered["negative"]
        if "neutral" in lowered:
            return lowered["neutral"]
    return labels[_digest(text) % len(labels)]


def _prose(prompt: str) -> str:
    words = _WORDS.findall(prompt.lower())
    topic = " ".join(words[-6:]) or "your question"
    h = _digest(prompt)
    openers = ("Here is a short answer.", "Good question.", "Let me explain briefly.")
    return (
        f"{openers[h % 3]} You asked about {topic}. The key idea is to break the problem "
        "into small steps, check each one, and keep what works. In practice that means "
        "starting simple, measuring the result, and only then adding detail where it pays off."
    )


def _thinks(body: Mapping[str, Any]) -> bool:
    thinking = body.get("thinking")
    if isinstance(thinking, Mapping) and thinking.get("type") == "disabled":
        return False
    return body.get("reasoning_effort") != "minimal"


def answer(body: Mapping[str, Any], *, thinking_default: bool = True) -> Answer:
    """The fake model's answer to a chat request body."""
    messages = body.get("messages") or []
    system = "\n".join(_text_of(m.get("content")) for m in messages if m.get("role") == "system")
    users = [_text_of(m.get("content")) for m in messages if m.get("role") == "user"]
    user = users[-1] if users else ""
    prompt_tokens = sum(count_tokens(_text_of(m.get("content"))) + 4 for m in messages)
    thinks = thinking_default and _thinks(body)
    labels = find_labels(system)
    tools = body.get("tools") or []
    result: Answer
    if labels:
        # The text to label is the first user turn; later turns are corrections.
        user = users[0] if users else ""
        label = choose_label(labels, user)
        p = 0.55 + (_digest(label + user) % 44) / 100.0  # 0.55 .. 0.98, stable
        rest = [lab for lab in labels if lab != label][:4]
        alts = [(lab, math.log((1 - p) / (len(rest) + 1))) for lab in rest]
        result = Answer(content=[label], label_logprob=math.log(p), alternatives=alts)
    elif tools and body.get("tool_choice") != "none":
        fn = tools[0].get("function", {}) if isinstance(tools[0], Mapping) else {}
        props = (fn.get("parameters") or {}).get("properties") or {}
        words = _WORDS.findall(user.lower()) or ["value"]
        args = dict.fromkeys(props, words[-1])
        result = Answer(
            content=[],
            tool_calls=[
                {
                    "id": f"call_{_digest(user) % 10**12:012d}",
                    "type": "function",
                    "function": {"name": fn.get("name", "tool"), "arguments": json.dumps(args)},
                }
            ],
            finish_reason="tool_calls",
        )
    else:
        result = Answer(content=split_tokens(_prose(user)))
    if thinks:
        result.reasoning = split_tokens(
            f"The user wrote: {' '.join(user.split()[:12])}. "
            "I should answer directly and keep it short."
        )
    result.prompt_tokens = prompt_tokens
    _apply_caps(result, body)
    return result


def _apply_caps(result: Answer, body: Mapping[str, Any]) -> None:
    # max_tokens caps the answer only (Ark: reasoning is not counted);
    # max_completion_tokens caps reasoning and answer together.
    cap = body.get("max_completion_tokens")
    if isinstance(cap, int):
        if len(result.reasoning) >= cap:
            result.reasoning = result.reasoning[:cap]
            result.content = []
            result.tool_calls = []
            result.finish_reason = "length"
            return
        cap -= len(result.reasoning)
    else:
        cap = body.get("max_tokens")
    if isinstance(cap, int) and len(result.content) > cap:
        result.content = result.content[:cap]
        result.finish_reason = "length"
