"""A deterministic fake Seed model: what it answers to a chat request.

Same input, same output, always. In order: once the latest user turn has tool results, prose
that uses them; with tools (and ``tool_choice`` other than ``none``), calls of the tools whose
names and descriptions match the user's text, with arguments valid under their schemas; with
``response_format``, JSON (an instance of the schema for ``json_schema``); with a label set in
the prompt however it is phrased, one of the labels; else prose.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._labels import choose_label, digest, find_label_prompt
from ._schema import SchemaError, instance

__all__ = [
    "Answer",
    "SchemaError",
    "answer",
    "count_tokens",
    "embedding",
    "split_tokens",
    "text_of",
]

_TOKEN = re.compile(r"\s*\S+")
_WORDS = re.compile(r"[a-z']+")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "are",
        "but",
        "not",
        "you",
        "all",
        "any",
        "can",
        "has",
        "have",
        "had",
        "was",
        "were",
        "this",
        "that",
        "with",
        "from",
        "they",
        "them",
        "then",
        "than",
        "there",
        "their",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "would",
        "could",
        "should",
        "into",
        "more",
        "some",
        "such",
        "only",
        "also",
        "just",
        "over",
        "about",
        "your",
        "our",
        "its",
        "it's",
    ]
)
_SCHEMA_IN_PROMPT = re.compile(r"\{.*\}", re.DOTALL)
_EXTRACT = re.compile(r"\bextract\b(?:\s+the)?\s+(.+?)(?:\s+from\b|\s+as\b|[.:\n]|$)", re.I)


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


def text_of(content: Any) -> str:
    """The text of a message's content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return ""


def _prose(prompt: str) -> str:
    words = _WORDS.findall(prompt.lower())
    topic = " ".join(words[-6:]) or "your question"
    h = digest(prompt)
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
    return body.get("reasoning_effort") not in ("minimal", "none")


def _words(text: str) -> set[str]:
    return {w[:5] for w in _WORDS.findall(text.lower()) if len(w) > 2 and w not in _STOP}


# ---------------------------------------------------------------------------- tools


def _tool_functions(tools: Sequence[Any]) -> list[Mapping[str, Any]]:
    return [
        t["function"]
        for t in tools
        if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)
    ]


def _pick_tools(body: Mapping[str, Any], user: str) -> list[Mapping[str, Any]]:
    functions = _tool_functions(body.get("tools") or [])
    choice = body.get("tool_choice", "auto")
    if not functions or choice == "none":
        return []
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        return [f for f in functions if f.get("name") == name][:1]
    said = _words(user)
    scored = []
    for pos, fn in enumerate(functions):
        vocab = _words(str(fn.get("name", "")).replace("_", " ").replace("-", " "))
        vocab |= _words(str(fn.get("description", "")))
        scored.append((-len(said & vocab), pos, fn))
    scored.sort(key=lambda s: (s[0], s[1]))
    chosen = [fn for score, _, fn in scored if score < 0]
    if not chosen and choice == "required":
        chosen = [scored[0][2]]
    if body.get("parallel_tool_calls") is False:
        chosen = chosen[:1]
    return chosen[:3]


def _tool_calls(body: Mapping[str, Any], user: str, turn: int) -> list[dict[str, Any]]:
    calls = []
    for i, fn in enumerate(_pick_tools(body, user)):
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        args = instance(params, user, strict=bool(fn.get("strict")))
        name = str(fn.get("name", "tool"))
        calls.append(
            {
                "id": f"call_{digest(f'{user}|{name}|{turn}|{i}') % 10**16:016d}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
        )
    return calls


def _use_results(results: Sequence[Mapping[str, Any]], user: str) -> str:
    parts = []
    for r in results:
        text = " ".join(text_of(r.get("content")).split())
        parts.append(text[:160] + ("..." if len(text) > 160 else ""))
    topic = " ".join(_WORDS.findall(user.lower())[:8])
    return f"Based on the tool results ({'; '.join(parts)}), here is the answer to: {topic}."


# ---------------------------------------------------------------------------- JSON


def _schema_in(text: str) -> Mapping[str, Any] | None:
    m = _SCHEMA_IN_PROMPT.search(text)
    if m is None:
        return None
    try:
        found = json.loads(m.group())
    except ValueError:
        return None
    if isinstance(found, dict) and ("properties" in found or "$ref" in found):
        return found
    return None


def _json_object(prompt: str, text: str, labels: list[str] | None) -> dict[str, Any]:
    schema = _schema_in(prompt)
    if schema is not None:
        result: dict[str, Any] = instance(schema, text)
        return result
    if labels:
        return {"label": choose_label(labels, text)}
    m = _EXTRACT.search(prompt)
    if m:
        names = [n.strip() for n in re.split(r",|\band\b", m.group(1)) if n.strip()]
        keys = [re.sub(r"\W+", "_", n.lower()).strip("_") for n in names if len(n) < 40]
        props = {k: {"type": "integer" if "year" in k else "string"} for k in keys if k}
        if props:
            return dict(instance({"type": "object", "properties": props}, text))
    return {"answer": _prose(text)}


# ---------------------------------------------------------------------------- answer


def answer(body: Mapping[str, Any], *, thinking_default: bool = True) -> Answer:
    """The fake model's answer to a chat request body (raises SchemaError for a bad schema)."""
    messages = body.get("messages") or []
    roles = [m.get("role") for m in messages]
    last_user = max((i for i, r in enumerate(roles) if r == "user"), default=-1)
    users = [text_of(m.get("content")) for m in messages if m.get("role") == "user"]
    user = users[-1] if users else ""
    system = "\n".join(text_of(m.get("content")) for m in messages if m.get("role") == "system")
    prompt_tokens = sum(count_tokens(text_of(m.get("content"))) + 4 for m in messages)
    # The label set: in the system prompt (the text is then the first user turn; later
    # turns are corrections) or in the user's own message (the text is the rest of it).
    found = find_label_prompt(system)
    text = users[0] if users else ""
    if found is None and user:
        found = find_label_prompt(user)
        if found is not None:
            text = (user[: found.start] + " " + user[found.end :]).strip()
    labels = found.labels if found else None
    fmt = body.get("response_format") or {}
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    results = [m for m in messages[last_user + 1 :] if m.get("role") == "tool"]
    result: Answer
    calls = [] if results else _tool_calls(body, user, roles.count("assistant"))
    if results:
        result = Answer(content=split_tokens(_use_results(results, user)))
    elif calls:
        result = Answer(content=[], tool_calls=calls, finish_reason="tool_calls")
    elif kind == "json_schema":
        spec = fmt.get("json_schema") or {}
        value = instance(spec.get("schema") or {}, text or user, strict=bool(spec.get("strict")))
        result = Answer(content=split_tokens(json.dumps(value)))
    elif kind == "json_object" or (kind is None and _schema_in(system) is not None):
        # JSON mode, or a schema the system prompt asks to follow (as models do).
        value = _json_object(system + "\n" + user, text or user, labels)
        result = Answer(content=split_tokens(json.dumps(value)))
    elif labels:
        label = choose_label(labels, text)
        p = 0.55 + (digest(label + text) % 44) / 100.0  # 0.55 .. 0.98, stable
        rest = [lab for lab in labels if lab != label][:4]
        alts = [(lab, math.log((1 - p) / (len(rest) + 1))) for lab in rest]
        result = Answer(content=split_tokens(label), label_logprob=math.log(p), alternatives=alts)
    else:
        result = Answer(content=split_tokens(_prose(user)))
    if thinking_default and _thinks(body):
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


def embedding(key: str, dimensions: int) -> list[float]:
    """A unit vector for ``key``: the same input always gets the same one."""
    import hashlib
    import math
    import random

    rng = random.Random(hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest())
    vector = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [round(v / norm, 6) for v in vector]
