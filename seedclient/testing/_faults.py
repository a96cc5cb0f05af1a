"""Fault plans: which requests the fake server answers badly, deterministic under a seed."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["FAULT_KINDS", "FaultPlan"]

#: Every fault the fake server can inject.
FAULT_KINDS = (
    "rate_limit",  # 429 RateLimitExceeded.EndpointRPMExceeded with Retry-After
    "quota",  # 429 QuotaExceeded (not retryable)
    "server_error",  # 500 InternalServiceError
    "overloaded",  # 503 ServerOverloaded
    "reset",  # connection dropped before any response
    "truncate",  # body cut mid-way (a stream without [DONE])
    "malformed",  # a chunk (or body) that is not JSON
    "error_event",  # data: {"error": ...} in the middle of a stream
    "stall",  # silence but for keep-alive comments, then the rest
    "slow_first_byte",  # a delay before the response headers
    "bad_answer",  # prose instead of one of the allowed labels; JSON of the wrong shape
    "interrupt",  # a stream ended at [DONE] with no finish_reason (llama.cpp's server, when
    # another request arrives)
)


@dataclass
class FaultPlan:
    """Which faults to inject, how often, and how.

    Args:
        rates: fault kind -> probability per request (the kinds are tried in
            ``FAULT_KINDS`` order; at most one fault per request).
        script: faults for the first requests, in order (``None`` for a clean one);
            applied before ``rates``.
        seed: the seed of the random draws: the same plan and seed give the same fault for
            the n-th request.
        retry_after: seconds sent in ``Retry-After`` (and ``retry-after-ms``) with rate limits.
        stall_seconds: how long a stall lasts; keep-alive comments every ``keepalive_every``.
        slow_first_byte_seconds: the delay of a slow first byte.
        truncate_after: chunks sent before a truncated stream is cut (or a malformed chunk
            or an error event is sent, or an interrupted one ends).
        by_text: user text -> the fault every request whose last user message is that text
            gets, every time (a permanent failure of one row); drawn before the others.
    """

    rates: dict[str, float] = field(default_factory=dict)
    script: Sequence[str | None] = ()
    seed: int = 0
    retry_after: float = 0.05
    stall_seconds: float = 1.0
    keepalive_every: float = 0.05
    slow_first_byte_seconds: float = 0.5
    truncate_after: int = 2
    by_text: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = set(self.rates) | {k for k in self.script if k} | set(self.by_text.values())
        unknown = kinds - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kind(s) {sorted(unknown)}; known: {FAULT_KINDS}")
        for kind, rate in self.rates.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"rate of {kind!r} must be in [0, 1], got {rate}")
        self._rng = random.Random(self.seed)
        self._n = 0

    def draw(self, text: str | None = None) -> str | None:
        """The fault for the next request, whose last user message is ``text`` (None:
        answer it properly)."""
        if text is not None and text in self.by_text:
            return self.by_text[text]
        n = self._n
        self._n += 1
        if n < len(self.script):
            return self.script[n]
        if not self.rates:
            return None
        roll = self._rng.random()
        for kind in FAULT_KINDS:
            rate = self.rates.get(kind, 0.0)
            if roll < rate:
                return kind
            roll -= rate
        return None
