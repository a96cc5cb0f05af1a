"""Learning a rate limit the client was not told (on a fake clock), and the headers it reads."""

from __future__ import annotations

import anyio
import pytest

from seedclient import SeedClient
from seedclient._bulk.pacing import AdaptiveLimit
from seedclient._wire.headers import parse_reset
from seedclient.testing import FakeClock, FakeSeedServer


async def test_a_sliding_window_learnt_from_429s(clock: FakeClock) -> None:
    limit = AdaptiveLimit(64, clock=clock)
    for i in range(100):  # a burst the server admits: 100 in its 2 s window
        clock.now = 1000.0 + i * 0.001
        limit.on_success()
    clock.now = 1000.2
    for _ in range(40):  # then every request in flight is refused, slot free in 1.8 s
        limit.on_throttle(retry_after=1.8)
    assert limit.window == pytest.approx(2.0, abs=0.01)
    for _ in range(30):  # successes still in flight land before the window frees
        limit.on_success()
    clock.now = 1002.0
    with anyio.fail_after(1):
        await limit.pace()
    assert limit.rate == pytest.approx(0.98 * 130 / 2.0, rel=0.01)


async def test_steady_state_follows_the_limit(clock: FakeClock) -> None:
    limit = AdaptiveLimit(64, clock=clock)
    limit.on_success()
    limit.exhausted(1.0, limit=100)  # headers: 100 per window, window frees in 1 s
    assert limit.window == pytest.approx(1.0)
    start = limit.rate
    assert start == pytest.approx(98.0)
    for _ in range(2):
        clock.now += 1.01
        limit.on_success()  # quiet windows: the pace holds...
        assert limit.rate == pytest.approx(start)
    clock.now += 1.01
    limit.on_success()  # ...and goes 1% up after the third
    assert limit.rate == pytest.approx(start * 1.01)
    limit.on_throttle(retry_after=0.01)  # a stray 429 (no congestion)...
    clock.now += 1.01
    limit.on_success()  # ...in the window: 2% down
    assert limit.rate == pytest.approx(start * 1.01 * 0.98)


def test_stray_429s_are_not_a_limit(clock: FakeClock) -> None:
    limit = AdaptiveLimit(64, clock=clock)
    for i in range(1000):
        clock.now += 0.001
        if i % 12 == 0:
            limit.on_throttle(retry_after=0.01)  # 8%, spread out: not congestion
        else:
            limit.on_success()
    assert limit.rate is None and limit.window is None and limit.current == 64


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("2.5", 2.5), ("6m0s", 360.0), ("1s", 1.0), ("20ms", 0.02), ("1h2m3s", 3723.0), ("x", None)],
)
def test_reset_header_forms(raw: str, seconds: float | None) -> None:
    assert parse_reset(raw) == seconds


async def test_aisa_headers_reach_the_completion() -> None:
    async with (
        FakeSeedServer(dialect="aisa", rpm_limit=10, rpm_window=60) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        done = await client.chat.completions.create(
            model="seed-1.8", messages=[{"role": "user", "content": "hi"}]
        )
    assert done.rate_limit is not None
    assert done.rate_limit.limit == 10 and done.rate_limit.remaining == 9
    assert done.rate_limit.reset is not None and 59 < done.rate_limit.reset <= 60.5
    assert "rate_limit" not in done.model_dump()
