"""Ark's Batch Chat: the endpoint, its model ids, its queue, and the CLI flag."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from seedclient import BatchRunner, Classifier, ConfigurationError, SeedClient
from seedclient._config import BATCH_TIMEOUT
from seedclient.testing import FakeSeedServer

from ..cli.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
EP = "ep-bi-20251201-abcde"


def requests(n: int) -> list[dict[str, object]]:
    return [
        {"id": f"r{i}", "model": EP, "messages": [{"role": "user", "content": f"hello {i}"}]}
        for i in range(n)
    ]


async def test_batch_runner_uses_the_batch_endpoint_and_its_queue() -> None:
    async with (
        FakeSeedServer(batch_delay=0.2) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        runner = BatchRunner(client, endpoint="batch")
        assert runner.concurrency == 2000 and runner._send.timeout == BATCH_TIMEOUT
        results = [r async for r in runner.run(requests(50))]
        # The first request goes alone (a probe); then all the others are queued at once.
        assert server.stats.max_in_flight == 49
    assert sorted(r.id or "" for r in results) == sorted(f"r{i}" for i in range(50))
    assert all(r.ok for r in results)


async def test_batch_chat_needs_an_ep_bi_endpoint() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        with pytest.raises(ConfigurationError, match="ep-bi-"):
            await c.chat.completions.create_batch(
                model="seed-1.8", messages=[{"role": "user", "content": "hi"}]
            )
        runner = BatchRunner(c, endpoint="batch")
        bad = [{"model": "seed-1.8", "messages": [{"role": "user", "content": "hi"}]}]
        with pytest.raises(ConfigurationError, match="ep-bi-"):
            async with runner.run(bad) as results:
                _ = [r async for r in results]
        assert server.stats.received == 0
        # The fake refuses what production refuses on that path too.
        import aiohttp

        async with aiohttp.ClientSession() as s:
            body = {"model": "seed-1.8", "messages": [{"role": "user", "content": "hi"}]}
            async with s.post(
                server.url + "/batch/chat/completions",
                json=body,
                headers={"Authorization": "Bearer t"},
            ) as r:
                assert r.status == 404
            async with s.post(
                server.url + "/batch/chat/completions",
                json={**body, "model": EP, "stream": True},
                headers={"Authorization": "Bearer t"},
            ) as r:
                assert r.status == 400


async def test_classifier_on_batch_chat() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        clf = Classifier(c, labels=["positive", "negative"], model=EP, endpoint="batch")
        out = await clf.classify_all(["great", "awful"])
    assert [r.label for r in out] == ["positive", "negative"]


async def test_cli_batch_endpoint() -> None:
    r = await run_cli(
        "classify",
        str(ROOT / "examples" / "reviews.csv"),
        "--labels",
        "positive,negative,neutral",
        "--fake",
        "--batch-endpoint",
        "--model",
        EP,
        "--no-progress",
    )
    assert r.code == 0, r.err
    rows = [msgspec.json.decode(line) for line in r.out.splitlines()]
    assert len(rows) == 300 and all(row["error"] is None for row in rows)
