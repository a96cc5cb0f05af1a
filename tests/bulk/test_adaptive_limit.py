"""AIMD and rate learning against a server at capacity, on a fake clock: the adaptive limit
sends far fewer requests into a full window than a fixed pool does."""

from __future__ import annotations

import collections

import pytest

from seedclient._bulk.pacing import AdaptiveLimit
from seedclient.testing import FakeClock

WINDOW = 0.5  # the server admits LIMIT requests in any WINDOW seconds
LIMIT = 25
LATENCY = 0.01
TICK = 0.005


def simulate(adaptive: bool, items: int = 100, workers: int = 40) -> tuple[int, int]:
    """Run ``items`` requests through a pool of ``workers`` under an AdaptiveLimit against a
    sliding-window server, in virtual time. Returns (429s answered, final in-flight limit).

    Each tick the pool starts requests while fewer than ``limit.current`` are in flight (and,
    once a rate is learnt, no faster than it); each answer comes LATENCY later. A 429 says
    when the window frees a slot (Retry-After) and the request waits that long.
    """
    clock = FakeClock(start=0.0)
    limit = AdaptiveLimit(workers, adaptive=adaptive, clock=clock)
    admitted: collections.deque[float] = collections.deque()
    waiting = collections.deque([0.0] * items)  # when each pending request may go again
    in_flight: list[tuple[float, bool, float]] = []  # (answer time, admitted, retry after)
    next_slot = 0.0  # the learnt pace's next free slot
    refused = done = 0
    while done < items:
        now = clock.now
        for answer in [a for a in in_flight if a[0] <= now]:
            in_flight.remove(answer)
            if answer[1]:
                done += 1
                limit.on_success()
            else:
                refused += 1
                limit.on_throttle(retry_after=answer[2])
                waiting.append(now + answer[2])
        while waiting and waiting[0] <= now and len(in_flight) < limit.current:
            if limit.rate is not None:
                if next_slot > now:
                    break
                next_slot = max(next_slot, now) + 1.0 / limit.rate
            waiting.popleft()
            while admitted and now - admitted[0] >= WINDOW:
                admitted.popleft()
            if len(admitted) < LIMIT:
                admitted.append(now)
                in_flight.append((now + LATENCY, True, 0.0))
            else:
                in_flight.append((now + LATENCY, False, admitted[0] + WINDOW - now))
        waiting = collections.deque(sorted(waiting))
        clock.advance(TICK)
        assert clock.now < 120, "the simulation did not finish"
    return refused, limit.current


def test_adaptive_limit_lowers_429s_versus_a_fixed_pool() -> None:
    adaptive_429, adaptive_limit = simulate(adaptive=True)
    fixed_429, fixed_limit = simulate(adaptive=False)
    assert fixed_limit == 40  # a fixed pool never moves
    assert adaptive_limit < 40  # AIMD cut the requests in flight
    assert adaptive_429 * 2 < fixed_429, (adaptive_429, fixed_429)


def test_the_rate_learnt_is_the_servers() -> None:
    clock = FakeClock(start=0.0)
    limit = AdaptiveLimit(40, clock=clock)
    for _ in range(LIMIT):  # a burst fills the window
        limit.on_success()
    clock.advance(0.1)
    for _ in range(10):  # then everything in flight is refused until the window frees
        limit.on_throttle(retry_after=WINDOW - 0.1)
    assert limit.window == pytest.approx(WINDOW, abs=0.01)
    assert limit.rate == pytest.approx(0.98 * LIMIT / WINDOW, rel=0.05)


async def test_the_learnt_rate_counts_the_window_as_of_its_end() -> None:
    """Regression: the successes of the window are counted as of the moment the server's
    window freed, not when the next request comes to pace. Counted late, the window held only
    what the provisional pace had let through (one request), and the pool kept itself at
    2 requests a second against a server admitting 50."""
    clock = FakeClock(start=0.0)
    limit = AdaptiveLimit(40, clock=clock)
    clock.advance(0.004)
    limit.on_success()  # the first answer of a burst of 40
    clock.advance(0.096)
    for _ in range(10):  # the window is full: refused until it frees in 0.4 s
        limit.on_throttle(retry_after=0.4)
    provisional = limit.rate  # from the one answer in so far
    for _ in range(39):  # the burst's other answers land, in the same window
        limit.on_success()
    clock.advance(1.5)  # the pool comes back late, held by the provisional pace
    limit.on_success()
    await limit.pace()
    assert provisional is not None and limit.rate is not None
    assert limit.window == pytest.approx(0.5, abs=0.01)
    assert limit.rate == pytest.approx(0.98 * 40 / limit.window, rel=0.05)
    assert limit.rate > 10 * provisional
