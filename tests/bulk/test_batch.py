"""BatchRunner against the fake server with faults: nothing lost, limits kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from seedclient import (
    BatchResult,
    BatchRunner,
    ConfigurationError,
    QuotaExceededError,
    SeedClient,
)
from seedclient.testing import FakeSeedServer, FaultPlan

from ..conftest import wait_until

SYSTEM = {"role": "system", "content": "Labels: positive, negative, neutral"}


def requests(n: int, *, ids: bool = True) -> Iterator[dict[str, Any]]:
    for i in range(n):
        req: dict[str, Any] = {
            "model": "seed-1.6-flash",
            "messages": [SYSTEM, {"role": "user", "content": f"review number {i}"}],
            "max_tokens": 4,
            "thinking": "disabled",
        }
        if ids:
            req["id"] = f"r{i}"
        yield req


async def collect(run: Any) -> list[BatchResult]:
    async with run as results:
        return [r async for r in results]


async def test_every_input_exactly_once_under_faults() -> None:
    plan = FaultPlan(
        rates={
            "rate_limit": 0.08,
            "overloaded": 0.05,
            "server_error": 0.03,
            "reset": 0.03,
            "truncate": 0.03,
            "malformed": 0.02,
        },
        seed=11,
        retry_after=0.01,
    )
    async with (
        FakeSeedServer(faults=plan, ttft=0.002) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, concurrency=20)
        results = await collect(runner.run(requests(400)))
    ids = [r.id for r in results]
    assert sorted(ids) == sorted(f"r{i}" for i in range(400))
    assert len(set(ids)) == 400
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    assert all(
        r.completion is not None and r.completion.content in ("positive", "negative", "neutral")
        for r in ok
    )
    assert all(r.completion is None and r.error is not None for r in failed)
    assert runner.stats.done == len(ok) and runner.stats.failed == len(failed)
    assert runner.stats.done > 350
    assert runner.stats.throttled == server.stats.faults["rate_limit"]
    assert sum(r.attempts for r in results) == server.stats.received
    assert max(r.attempts for r in results) >= 2
    assert server.stats.max_in_flight <= 20
    assert runner.stats.max_in_flight <= 20
    assert runner.stats.in_flight == 0


async def test_peak_in_flight_never_exceeds_concurrency() -> None:
    async with (
        FakeSeedServer(ttft=0.01) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, concurrency=7)
        results = await collect(runner.run(requests(120)))
    assert len(results) == 120
    assert server.stats.max_in_flight == 7  # reached, never exceeded
    assert runner.stats.max_in_flight == 7


async def test_rpm_limit_respected_at_the_server() -> None:
    async with (
        FakeSeedServer(rpm_limit=1000) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, concurrency=30, rpm=20, rate_window=1.0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        results = await collect(runner.run(requests(50)))
        elapsed = loop.time() - started
    assert all(r.ok for r in results)
    assert server.stats.max_in_window(1.0) <= 20
    assert elapsed >= 2.0  # 50 requests at 20 per second cannot finish sooner


async def test_tpm_pacing_corrects_estimates() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, concurrency=10, tpm=600, rate_window=1.0)
        results = await collect(runner.run(requests(12)))
    assert all(r.ok for r in results)
    used = runner.stats.prompt_tokens + runner.stats.completion_tokens
    assert used > 0
    assert runner._tpm is not None


async def test_adaptive_runner_under_429s_end_to_end() -> None:
    """Smoke: against a server at capacity the adaptive runner cuts its in-flight limit and
    still finishes every item. (That it sends far fewer requests into a full window than a
    fixed pool is shown on a fake clock, in bulk/test_adaptive_limit.py.)"""
    async with FakeSeedServer(rpm_limit=25, rpm_window=0.5, ttft=0.005) as server:
        async with SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client:
            runner = BatchRunner(client, concurrency=40, rate_limit_retries=200)
            results = await collect(runner.run(requests(100)))
    assert sum(r.ok for r in results) == 100
    assert server.stats.rate_limited > 0
    assert runner.limit.current < 40


async def test_ordered_mode_yields_input_order() -> None:
    async with (
        FakeSeedServer(tokens_per_second=2000) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, concurrency=16)

        def varied() -> Iterator[dict[str, Any]]:
            for i, req in enumerate(requests(200)):
                req["max_tokens"] = 1 + (i * 7) % 40  # different lengths finish out of order
                req["messages"] = [{"role": "user", "content": f"tell me about {i}"}]
                yield req

        results = await collect(runner.run(varied(), ordered=True))
    assert [r.index for r in results] == list(range(200))


async def test_async_iterable_input_and_no_ids() -> None:
    async def source() -> AsyncIterator[dict[str, Any]]:
        for req in requests(30, ids=False):
            await asyncio.sleep(0)
            yield req

    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        results = await collect(BatchRunner(client, concurrency=5).run(source()))
    assert sorted(r.index for r in results) == list(range(30))
    assert all(r.id is None for r in results)


async def test_checkpoint_and_resume_write_each_input_once(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, concurrency=4)
        async with runner.run(requests(100), checkpoint=path) as results:
            async for r in results:
                if r.index >= 30:
                    break  # a partial run, as after a crash
        first = path.read_text().splitlines()
        assert 30 <= len(first) < 100
        rerun = BatchRunner(client, concurrency=8)
        resumed = await collect(rerun.run(requests(100), checkpoint=path))
        assert rerun.stats.skipped == len(first)
        assert len(resumed) == 100 - len(first)
    rows = [msgspec.json.decode(line) for line in path.read_text().splitlines()]
    assert sorted(row["id"] for row in rows) == sorted(f"r{i}" for i in range(100))
    assert all(row["completion"]["choices"][0]["message"]["content"] for row in rows)


async def test_torn_last_line_is_repaired_on_resume(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_bytes(b'{"id": "r0", "index": 0}\n{"id": "r1", "ind')
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        results = await collect(BatchRunner(client).run(requests(3), checkpoint=path))
    assert sorted(r.id or "" for r in results) == ["r1", "r2"]
    rows = [msgspec.json.decode(line) for line in path.read_text().splitlines()]
    assert rows[0]["id"] == "r0"
    assert sorted(row["id"] for row in rows) == ["r0", "r1", "r2"]


async def test_quota_error_stops_cleanly_keeping_what_is_done(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    plan = FaultPlan(script=[None] * 10 + ["quota"])
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, concurrency=1)
        seen: list[BatchResult] = []
        with pytest.raises(QuotaExceededError):
            async with runner.run(requests(50), checkpoint=path) as results:
                async for r in results:
                    seen.append(r)
        assert len(seen) == 10
        assert server.stats.received == 11
        assert len(path.read_text().splitlines()) == 10
        rerun = await collect(BatchRunner(client).run(requests(50), checkpoint=path))
    assert len(rerun) == 40
    assert len(path.read_text().splitlines()) == 50


async def test_non_retryable_failure_is_a_result_not_an_abort() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        reqs = list(requests(5))
        reqs[2]["messages"] = [{"role": "user", "content": "x"}]
        reqs[2]["extra_body"] = {"temperature": 9}  # the server answers 400
        results = await collect(BatchRunner(client, concurrency=2).run(reqs))
    bad = [r for r in results if not r.ok]
    assert [r.id for r in bad] == ["r2"]
    assert bad[0].attempts == 1
    assert len(results) == 5


async def test_bad_arguments() -> None:
    async with SeedClient(base_url="http://127.0.0.1:9/v1", api_key="t") as client:
        with pytest.raises(ConfigurationError, match="concurrency"):
            BatchRunner(client, concurrency=0)
        with pytest.raises(ConfigurationError, match="rpm"):
            BatchRunner(client, rpm=0)
        with pytest.raises(ConfigurationError, match="not a dict"):
            await collect(BatchRunner(client).run(["just text"]))  # type: ignore[list-item]


async def test_break_without_context_manager_stops_workers() -> None:
    async with (
        FakeSeedServer(ttft=0.01) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, concurrency=4)
        async for _ in runner.run(requests(10_000)):
            break

        def workers_gone() -> bool:  # the cancelled pool unwinds (a woken worker may send)
            pools = [
                t
                for t in asyncio.all_tasks()
                if getattr(t.get_coro(), "__qualname__", "") == "_Pool.run"
            ]
            return runner.stats.in_flight == 0 and not pools

        await wait_until(workers_gone)
        received = server.stats.received
        await asyncio.sleep(0.1)  # a quiet period: a worker left running would send more
        assert server.stats.received == received < 100
