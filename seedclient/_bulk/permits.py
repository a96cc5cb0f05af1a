"""PermitLedger: the cross-process rate budget's logic, with no Ray in it."""

from __future__ import annotations

import collections
from typing import Any

from .._clock import SYSTEM_CLOCK, Clock
from .._errors import SeedError
from .pacing import AdaptiveLimit, jitter_margin

__all__ = ["STATS", "SUMMED", "TOKENS", "PermitLedger"]

TOKENS = ("prompt_tokens", "completion_tokens", "total_tokens")
#: What the summary sums: rows and errors counted per batch, the rest from the runner's stats.
SUMMED = ("rows", "errors", "skipped", "retried", "throttled", *TOKENS)
STATS = ("retried", "throttled", "prompt_tokens", "completion_tokens")


class PermitLedger:
    """A cluster's rate budget: permit blocks, shared pauses, a learnt pace, summed reports.

    ``seedclient.ray`` runs one as a Ray actor (whose methods run one at a time); nothing in
    it needs Ray, so it is tested in the normal suite.

    Permits are handed out in blocks that expire ``ttl`` seconds after they are asked for,
    unused ones given back. A block counts from the moment it is issued for ``window +
    ttl + margin`` seconds, so however late in its life a permit is used, no window of the
    server's can hold more than the limit. The margin (``.pacing.jitter_margin``, at
    least ``ttl``) covers the time from a permit to the server's clock.
    """

    def __init__(
        self, rpm: int | None, tpm: int | None, window: float, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._clock = clock
        self.rpm, self.tpm, self.window = rpm, tpm, window
        # Short-lived blocks: a pause after a 429 reaches every actor within ttl seconds.
        self.ttl = min(max(window / 40, 0.05), 0.5)
        self.margin = max(self.ttl, jitter_margin(window))
        self.span = window + self.ttl + self.margin  # the issue window
        self.blocks: collections.deque[list[Any]] = collections.deque()  # [t, id, n, tokens]
        self.used = self.tokens = 0
        self.next_id = 0
        self.resume_at = 0.0
        self.stopped: SeedError | None = None
        self.learn = AdaptiveLimit(
            1 << 30, clock=clock
        )  # the rate learning of one process, fed by all
        self.tat = 0.0  # the learnt pace's next free slot
        self.totals: dict[str, Any] = dict.fromkeys(SUMMED, 0)
        self.totals["cost_usd"] = None
        self.takers: set[int] = set()  # the processes that took permits

    def _expire(self, now: float) -> None:
        blocks = self.blocks
        while blocks and now - blocks[0][0] >= self.span:
            _, _, n, tokens = blocks.popleft()
            self.used -= n
            self.tokens -= tokens

    def _wait_for_room(self, now: float) -> float:
        return self.blocks[0][0] + self.span - now if self.blocks else 0.05

    def take(
        self, want: int, tokens_each: int, report: dict[str, Any] | None, taker: int = 0
    ) -> tuple[Any, ...]:
        """Up to ``want`` permits: ``(block id, granted, ttl, wait, stop error)``."""
        self.takers.add(taker)
        if report:
            self.report(report)
        if self.stopped is not None:
            return -1, 0, 0.0, 0.0, self.stopped
        now = self._clock.monotonic()
        if now < self.resume_at:
            return -1, 0, 0.0, self.resume_at - now, None
        self._expire(now)
        granted = want
        if self.rpm is not None:
            granted = min(granted, self.rpm - self.used)
        if self.tpm is not None:
            fit = (self.tpm - self.tokens) // max(tokens_each, 1)
            if fit <= 0 and not self.tokens:
                fit = 1  # one request larger than the whole budget goes alone in its window
            granted = min(granted, fit)
        rate = self.learn.rate
        if rate is not None:  # a learnt pace: no more than `rate` a second, spread evenly
            self.tat = max(self.tat, now)
            granted = min(granted, int((now + self.ttl - self.tat) * rate))
        if granted <= 0:
            wait = self._wait_for_room(now) if rate is None else 1.0 / rate
            return -1, 0, 0.0, max(min(wait, self.ttl), 0.005), None
        if rate is not None:
            self.tat += granted / rate
        self.next_id += 1
        self.blocks.append([now, self.next_id, granted, granted * tokens_each])
        self.used += granted
        self.tokens += granted * tokens_each
        return self.next_id, granted, self.ttl, 0.0, None

    def report(self, report: dict[str, Any]) -> None:
        """What one actor saw since its last report: unused permits, 429s, successes..."""
        for block_id, unused in report.get("unused", ()):
            for block in self.blocks:
                if block[1] == block_id:
                    take_back = min(unused, block[2])
                    block[2] -= take_back
                    self.used -= take_back
                    break
        if self.blocks and report.get("token_delta"):
            self.blocks[-1][3] += report["token_delta"]
            self.tokens += report["token_delta"]
        for _ in range(report.get("successes", 0)):
            self.learn.on_success()
        for retry_after in report.get("throttles", ()):
            self.learn.on_throttle(retry_after)
            if retry_after is not None:
                self.resume_at = max(self.resume_at, self._clock.monotonic() + retry_after)
        for reset, limit in report.get("exhausted", ()):
            self.learn.exhausted(reset, limit)
            self.resume_at = max(self.resume_at, self._clock.monotonic() + reset)
        if report.get("fatal") is not None and self.stopped is None:
            self.stopped = report["fatal"]
        for key, value in report.get("totals", {}).items():
            if key == "cost_usd":
                if value is not None:
                    self.totals[key] = (self.totals[key] or 0.0) + value
            else:
                self.totals[key] += value

    def summary(self) -> dict[str, Any]:
        """The summed totals, the stop error (as text), the learnt rate and the actors."""
        out = dict(self.totals)
        out["stopped"] = None if self.stopped is None else repr(self.stopped)
        out["learnt_rate"] = self.learn.rate
        out["actors"] = len(self.takers)
        return out
