"""Token estimates before anything is sent, and the cost estimate of a classification run."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._prices import Price
from .checkpoint import checkpoint_id
from .idset import id_hash

__all__ = ["MESSAGE_TOKENS", "CostEstimate", "estimate_run", "estimate_tokens", "request_tokens"]

# Written by hand: a real tokenizer needs the model's vocabulary, which no provider ships.
# Byte-pair tokenizers cut text into about one token per short word, number or punctuation
# mark, and one per CJK character; a long word is several tokens.
_PIECE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|[^\W_]+|[^\w\s]|_+")
#: What a chat message costs beyond its text (role and separators), as OpenAI documents.
MESSAGE_TOKENS = 4


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is (an estimate: no tokenizer is shipped)."""
    return sum(1 + len(piece) // 10 for piece in _PIECE.findall(text))


def request_tokens(params: Mapping[str, Any]) -> tuple[int, int]:
    """A chat request's estimated prompt tokens, and its output cap."""
    prompt = 0
    for m in params.get("messages") or ():
        content = m.get("content") if isinstance(m, Mapping) else getattr(m, "content", None)
        prompt += MESSAGE_TOKENS + (estimate_tokens(content) if isinstance(content, str) else 70)
    out = params.get("max_completion_tokens") or params.get("max_tokens") or 256
    return prompt, int(out)


@dataclass(frozen=True)
class CostEstimate:
    """What a classification run would send and cost
    ([Classifier.estimate][seedclient.Classifier.estimate]).

    Attributes:
        items: the texts read.
        done: those skipped as already done (a resumed results file).
        empty: empty or whitespace-only texts (an error row each, nothing sent).
        distinct: the distinct texts left: one request each.
        prompt_tokens: the requests' estimated prompt tokens (instructions included).
        completion_tokens: the estimated answer tokens.
        cost_usd: their cost at ``price`` (None: no price known).
        price: the price used.
    """

    items: int
    done: int
    empty: int
    distinct: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    price: Price | None

    @property
    def total_tokens(self) -> int:
        """Prompt and completion tokens together."""
        return self.prompt_tokens + self.completion_tokens


def estimate_run(
    items: Iterable[tuple[int, str | None, str]],
    *,
    system: str,
    labels: Sequence[str],
    multi_label: bool,
    price: Price | None,
    batch: bool,
    done: Container[str] | None = None,
) -> CostEstimate:
    """Estimate a classification run over ``(index, id, text)`` items, sending nothing.

    One request per distinct non-empty text (the run sends a repeated text once; it
    remembers the last 20,000, so far-apart repeats in a huge file may cost more), each the
    system prompt and the text; an answer is one label (``multi_label``: one and a half).
    """
    read = skipped = empty = 0
    seen: set[int] = set()
    prompt = 0
    overhead = estimate_tokens(system) + 2 * MESSAGE_TOKENS
    for index, key, text in items:
        read += 1
        if done is not None and checkpoint_id(index, key) in done:
            skipped += 1
        elif not text.strip():
            empty += 1
        elif (h := id_hash(text)) not in seen:
            seen.add(h)
            prompt += overhead + estimate_tokens(text)
    per_label = sum(estimate_tokens(label) for label in labels) / len(labels)
    completion = round(len(seen) * per_label * (1.5 if multi_label else 1.0))
    return CostEstimate(
        items=read,
        done=skipped,
        empty=empty,
        distinct=len(seen),
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost_usd=None if price is None else price.cost(prompt, completion, batch=batch),
        price=price,
    )
