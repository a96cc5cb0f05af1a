"""ServerStats: what the fake server received and answered, for tests to assert exactly."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

__all__ = ["MAX_LOGGED", "ServerStats"]

#: The most arrivals and distinct user texts kept.
MAX_LOGGED = 100_000


@dataclass
class ServerStats:
    """What the server received and answered, for tests to assert exact numbers.

    Attributes:
        received: model requests received: chat, Batch Chat, responses, embeddings and
            images (every attempt, including rejected ones).
        answered: HTTP status -> how many responses with it.
        faults: fault kind -> how many times it was injected.
        rate_limited: requests refused by the RPM limiter.
        in_flight: model requests being handled now; ``max_in_flight`` the peak.
        streams_completed: streams sent through to ``[DONE]``.
        arrivals: monotonic times of accepted chat requests (the last 100,000).
        user_texts: last user message -> how many requests carried it (first 100,000 texts).
        last_messages: the ``messages`` of the latest accepted chat request (a chat
            session's history, say).
    """

    received: int = 0
    answered: collections.Counter[int] = field(default_factory=collections.Counter)
    faults: collections.Counter[str] = field(default_factory=collections.Counter)
    rate_limited: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    streams_completed: int = 0
    arrivals: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=MAX_LOGGED)
    )
    user_texts: collections.Counter[str] = field(default_factory=collections.Counter)
    last_messages: list[dict[str, object]] = field(default_factory=list)

    def __repr__(self) -> str:
        answered = dict(sorted(self.answered.items()))
        return (
            f"ServerStats(received={self.received}, answered={answered}, "
            f"faults={dict(self.faults)}, rate_limited={self.rate_limited}, "
            f"max_in_flight={self.max_in_flight}, streams_completed={self.streams_completed}, "
            f"arrivals={len(self.arrivals)}, distinct_user_texts={len(self.user_texts)})"
        )

    def max_in_window(self, window: float) -> int:
        """The most accepted requests that fell in any ``window`` seconds."""
        times = list(self.arrivals)
        best = lo = 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best
