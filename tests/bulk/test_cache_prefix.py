"""Classifier(cache_prefix=True): the instructions and labels stored once as a cached
Responses prefix on Ark, each text continuing it; the same labels, a lower bill."""

from __future__ import annotations

import pytest

from seedclient import Classifier, SeedClient
from seedclient.testing import FakeSeedServer

LABELS = ["positive", "negative", "neutral"]
KINDS = ("great, works well", "broke, awful", "it is a box")
TEXTS = [f"Review {i}: {KINDS[i % 3]}" for i in range(30)]


async def test_the_same_labels_for_less_with_the_prefix_cached() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        plain = Classifier(client, labels=LABELS, model="seed-1.8")
        by_chat = await plain.classify_all(TEXTS)
        before = server.stats.received
        cached = Classifier(client, labels=LABELS, model="seed-1.8", cache_prefix=True)
        by_prefix = await cached.classify_all(TEXTS)
        sent = server.stats.received - before
    assert [r.label for r in by_prefix] == [r.label for r in by_chat]
    assert all(r.error is None for r in by_prefix)
    assert cached.prefix is not None and cached.prefix.made == 1
    assert sent == len(TEXTS) + 1  # each text once, and the prefix once
    s, p = plain.runner.stats, cached.runner.stats
    assert s.cached_tokens == 0 or s.cached_tokens < p.cached_tokens
    assert p.cached_tokens > 0
    assert p.cost_usd is not None and s.cost_usd is not None
    assert p.cost_usd < s.cost_usd  # the prefix billed at the cached price


async def test_elsewhere_it_classifies_by_chat(caplog: pytest.LogCaptureFixture) -> None:
    async with (
        FakeSeedServer(dialect="aisa") as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        with caplog.at_level("INFO", logger="seedclient.bulk"):
            clf = Classifier(client, labels=LABELS, model="seed-1.8", cache_prefix=True)
        rows = await clf.classify_all(TEXTS[:3])
    assert clf.prefix is None and "cache_prefix needs Ark's Responses API" in caplog.text
    assert [r.label for r in rows] == ["positive", "negative", "neutral"]
