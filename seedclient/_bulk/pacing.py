"""Rate pacing and adaptive concurrency for bulk work."""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from .._clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    from .._errors import SeedError

__all__ = ["AdaptiveLimit", "Pacer", "SharedBudget", "jitter_margin"]


class SharedBudget(Protocol):
    """A rate budget shared by several processes, as ``BatchRunner(budget=...)`` uses it.

    The runner calls ``acquire`` before each attempt and reports what happened; the
    budget decides who may send when, so that the sum over all processes stays within the
    account's limits. ``seedclient.ray`` implements it with a Ray actor.
    """

    async def acquire(self, tokens: int) -> None:
        """Wait for a permit for one request of about ``tokens`` tokens.

        Raises the [SeedError][seedclient.SeedError] that stopped the job when another
        process met a fatal error (authentication, quota).
        """

    def on_success(self, tokens_delta: int) -> None:
        """A request went through; it cost ``tokens_delta`` more tokens than estimated."""

    def on_throttle(self, retry_after: float | None) -> None:
        """A request was refused with 429 (``Retry-After`` seconds, if the server said)."""

    def on_exhausted(self, reset: float, limit: int | None) -> None:
        """The server's headers say its window is full and frees in ``reset`` seconds."""

    def on_fatal(self, error: SeedError) -> None:
        """An error no request can get past: every process should stop."""


def jitter_margin(window: float) -> float:
    """Seconds a limiter adds to the server's window for the time from a permit to the
    server's clock (event loop, network, the server's queue): 2% of the window, but at least
    0.1 s and at most 1 s (1 s on the providers' one-minute windows)."""
    return min(max(0.02 * window, 0.1), 1.0)


class Pacer:
    """Spaces out units (requests, tokens) so that at most ``limit`` go in any ``window``.

    A generic cell-rate algorithm with no burst: each unit reserves ``window / limit``
    seconds of a virtual schedule. A safety margin keeps the server's count within the
    limit despite up to that much network jitter (``jitter_margin``). Reservations
    are made without awaiting, so concurrent callers never race; each then sleeps until its
    slot. ``adjust`` corrects an estimate (e.g. tokens) once the true cost is known.
    """

    __slots__ = ("_clock", "_tat", "interval")

    def __init__(self, limit: float, window: float = 60.0, clock: Clock = SYSTEM_CLOCK) -> None:
        if limit <= 0 or window <= 0:
            raise ValueError("limit and window must be positive")
        self._clock = clock
        margin = jitter_margin(window)
        #: seconds one unit reserves; may be changed while in use (see AdaptiveLimit)
        self.interval = (window + margin) / limit
        self._tat = 0.0  # theoretical arrival time of the next free slot

    async def acquire(self, cost: float = 1.0) -> None:
        """Wait until ``cost`` units may go."""
        clock = self._clock
        now = clock.monotonic()
        start = self._tat if self._tat > now else now
        self._tat = start + cost * self.interval
        if start > now:
            await clock.sleep(start - now)

    def adjust(self, delta: float) -> None:
        """Add (or, when negative, give back) ``delta`` units to what was reserved."""
        self._tat += delta * self.interval


class AdaptiveLimit:
    """Learns the server's rate limit, and AIMD on the requests in flight.

    Starts unpaced at ``maximum`` in flight. **The rate** is learnt from congestion: at
    least five rate limits in the last second, which were at least ``threshold`` of its
    answers or asked to wait a second or more (a stray 429 among many successes is not
    congestion; overrunning a real limit refuses everything in flight for seconds). A 429's
    ``Retry-After`` (or a success whose ``x-ratelimit-remaining-requests`` is 0, with its
    reset time: ``exhausted``) says the
    server's window frees a slot in ``r`` seconds. The first such congestion gives the
    window's length, ``W = now + r - first success`` (all sent so far is still in it), and
    sets the pace to 98% of the successes of the last ``W`` seconds per second: the rate the
    server admits. Then, once per ``W``: 2% down if a request of that window was refused,
    1% up after three windows in a row without one, so the pace settles just under the
    limit and follows it if it moves. A congestion without ``Retry-After`` paces at 70% of
    the last second's successes.

    **Concurrency**: on congestion, at most once per ``cooldown``, the in-flight limit is cut
    by ``decrease``; it climbs back one slot per round of successes.
    With ``adaptive=False`` nothing moves.
    """

    def __init__(
        self,
        maximum: int,
        *,
        adaptive: bool = True,
        minimum: int = 1,
        decrease: float = 0.7,
        cooldown: float = 1.0,
        threshold: float = 0.2,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._clock = clock
        self.maximum = maximum
        self.minimum = min(minimum, maximum)
        self.adaptive = adaptive
        self._decrease = decrease
        self._cooldown = cooldown
        self._threshold = threshold
        self.limiter = anyio.CapacityLimiter(maximum)
        self._credit = 0.0
        self._last_cut = -1e18
        self._last_boost = -1e18
        self.rate: float | None = None  # requests per second; None: unpaced
        self._pacer: Pacer | None = None  # paces at `rate` once there is one
        # (time, throttled?) of the answers of the last second
        self._recent: collections.deque[tuple[float, bool]] = collections.deque()
        self._throttled = 0
        self._first = 0.0
        self._successes: collections.deque[list[Any]] = collections.deque()  # [start, count]
        self.window: float | None = None  # the server's window, learnt at the first exhaustion
        self._probe_at = 0.0
        self._last_exhausted = -1e18
        self._refused_since = 0  # 429s since the last steady-state adjustment
        self._quiet = 0  # windows in a row without a 429
        self._learn_at: float | None = None  # when to count the window's successes

    @property
    def current(self) -> int:
        """The in-flight limit now."""
        return int(self.limiter.total_tokens)

    async def pace(self) -> None:
        """Wait for this request's slot under the adaptive rate (no wait while unpaced)."""
        learn_at = self._learn_at
        if learn_at is not None and self._clock.monotonic() >= learn_at:
            self._learn_at = None
            assert self.window is not None
            # The successes of the window that ended when the server's window freed: counted
            # as of then, not now. Counted later, the window would hold only what the
            # provisional pace let through since, and the pace would keep itself that low.
            rate = self._success_rate(learn_at, self.window)
            if rate > 0:
                self._set_rate(max(0.5, 0.98 * rate))
        if self._pacer is not None:
            await self._pacer.acquire()

    def _set_rate(self, rate: float) -> None:
        self.rate = rate
        if self._pacer is None:
            self._pacer = Pacer(1.0, 1.0, self._clock)
        self._pacer.interval = 1.0 / rate  # exact: no safety margin on a learnt rate

    def _record(self, now: float, throttled: bool) -> None:
        if not self._first:
            self._first = now
        recent = self._recent
        recent.append((now, throttled))
        self._throttled += throttled
        while now - recent[0][0] > 1.0:
            self._throttled -= recent.popleft()[1]

    def _success_rate(self, now: float, span: float) -> float:
        """Successes per second over the last ``span`` seconds (from 50 ms buckets)."""
        buckets = self._successes
        keep = max(2 * span, 120.0)
        while buckets and now - buckets[0][0] > keep:
            buckets.popleft()
        count = 0
        for start, n in reversed(buckets):  # newest first: the span is short next to `keep`
            if start > now:
                continue  # after the moment asked about
            if now - start > span:
                break
            count += n
        return count / span

    def _count_success(self, now: float) -> None:
        # Counts per 50 ms, not a time per success: memory stays flat however long the run.
        buckets = self._successes
        if buckets and now - buckets[-1][0] < 0.05:
            buckets[-1][1] += 1
        else:
            buckets.append([now, 1])

    def exhausted(self, reset: float, limit: int | None = None) -> None:
        """The server's window is full and frees a slot in ``reset`` seconds: learn the rate.

        ``limit`` is the window's size when the server says it (``x-ratelimit-limit-*``).
        """
        if not self.adaptive:
            return
        now = self._clock.monotonic()
        if self.window is not None and now - self._last_exhausted < self.window:
            return  # learnt already in this window (the steady state adjusts, in pace())
        self._last_exhausted = now
        if self.window is None:
            first = self._successes[0][0] if self._successes else now
            self.window = max(now + reset - first, 0.25)
        self._probe_at = now + self.window
        if limit:
            self._set_rate(max(0.5, 0.98 * limit / self.window))
            return
        # Answers of requests still in flight are not in yet: count the successes once the
        # window frees (the pool waits until then anyway); until then, what is known.
        self._learn_at = now + max(reset, 0.0)
        rate = self._success_rate(now, self.window)
        if rate > 0:
            self._set_rate(max(0.5, 0.98 * rate))

    def on_success(self) -> None:
        """A request went through: creep back up."""
        if not self.adaptive:
            return
        now = self._clock.monotonic()
        self._record(now, False)
        self._count_success(now)
        if self.rate is not None and self.window is not None:
            if now >= self._probe_at:
                self._probe_at = now + self.window
                if self._refused_since:
                    self._quiet = 0
                    self._set_rate(self.rate * 0.98)
                else:
                    self._quiet += 1
                    if self._quiet >= 3:  # probe up only after three quiet windows
                        self._quiet = 0
                        self._set_rate(self.rate * 1.01)
                self._refused_since = 0
        elif (
            self.rate is not None
            and now - self._last_cut >= self._cooldown
            and now - self._last_boost >= self._cooldown / 2
        ):
            self._last_boost = now
            self._set_rate(self.rate * 1.1)
        current = self.current
        if current >= self.maximum:
            return
        self._credit += 1.0 / current
        if self._credit >= 1.0:
            self._credit = 0.0
            self.limiter.total_tokens = current + 1

    def on_throttle(self, retry_after: float | None = None) -> None:
        """The provider said slow down: learn the rate from ``retry_after``, cut on congestion."""
        if not self.adaptive:
            return
        now = self._clock.monotonic()
        self._record(now, True)
        self._refused_since += 1
        answers = len(self._recent)
        # Too few answers to tell congestion from a stray 429: the pool pause covers it. A
        # full window refuses everything in flight, with a Retry-After of seconds, even when
        # the burst before it makes the refusals a small share of the last second.
        long_wait = retry_after is not None and retry_after >= 1.0
        if self._throttled < 5 or (self._throttled < self._threshold * answers and not long_wait):
            return
        if now - self._last_cut < self._cooldown:
            return
        self._last_cut = now
        self._credit = 0.0
        self.limiter.total_tokens = max(self.minimum, int(self.current * self._decrease))
        if retry_after is not None:
            self.exhausted(retry_after)
            return
        succeeded = answers - self._throttled
        # Successes per second over the window, or over the run's life if it is younger.
        span = min(1.0, max(now - self._first, 0.25))
        base = succeeded / span if succeeded else (self.rate or float(self.current)) * 0.5
        if self.rate is not None:
            base = min(base, self.rate)
        self._set_rate(max(0.5, base * self._decrease))
