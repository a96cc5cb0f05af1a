"""What a bulk run costs: the catalogue's prices, the provider's own figure, a cost limit."""

from __future__ import annotations

from typing import Any

import pytest

from seedclient import (
    BatchResult,
    BatchRunner,
    Classifier,
    ConfigurationError,
    CostLimitError,
    Price,
    SeedClient,
)
from seedclient._prices import PRICES, price_of
from seedclient.testing import FakeSeedServer

LABELS = ["positive", "negative", "neutral"]


def test_a_price_bills_cached_input_long_prompts_and_batch_apart() -> None:
    seed18 = price_of("byteplus", "seed-1-8-251228")
    assert seed18 is PRICES[("seed-1.8", "byteplus")]
    assert seed18.source and seed18.as_of
    # 600 fresh input tokens at $0.25/M, 400 cached at $0.05/M, 100 output at $2/M.
    assert seed18.cost(1000, 100, cached=400, reasoning=30) == pytest.approx(370e-6)
    # A prompt over 128K is billed at $0.5/M in and $4/M out.
    assert seed18.cost(200_000, 1000) == pytest.approx(200_000 * 0.5e-6 + 1000 * 4e-6)
    assert seed18.cost(1000, 100, batch=True) == pytest.approx(seed18.cost(1000, 100) / 2)
    # Reasoning priced apart only where a price says so.
    apart = Price(input=1.0, output=2.0, reasoning=3.0)
    assert apart.cost(0, 100, reasoning=40) == pytest.approx((60 * 2 + 40 * 3) / 1e6)
    assert price_of("byteplus", "seed-1.6-flash") is None  # no source for it: not guessed
    assert price_of("byteplus", "some-unknown-model") is None


def requests(n: int, model: str = "seed-1.8") -> list[dict[str, Any]]:
    return [
        {
            "model": model,
            "messages": [{"role": "user", "content": f"review number {i}, quite long " * 12}],
            "max_tokens": 4,
        }
        for i in range(n)
    ]


def billed(results: list[BatchResult], price: Price) -> float:
    """The cost of the answers as the server reported their usage, priced by hand."""
    total = 0.0
    for r in results:
        assert r.completion is not None and r.completion.usage is not None
        u = r.completion.usage
        fresh = u.prompt_tokens - u.cached_tokens
        total += fresh * price.input + u.cached_tokens * (price.cached_input or price.input)
        total += u.completion_tokens * price.output
    return total / 1e6


async def test_the_run_prices_each_answer_by_its_model_and_provider() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        runner = BatchRunner(client, concurrency=4)
        async with runner.run(requests(20)) as run:
            results = [r async for r in run]
        stats = runner.stats
        assert stats.answers == 20 and stats.unpriced == 0
        assert stats.cached_tokens > 0  # the fake caches half of a long prompt, as Ark does
        assert stats.cost_usd == pytest.approx(billed(results, PRICES[("seed-1.8", "byteplus")]))

        # A model with no known price: tokens counted, cost unknown (not zero).
        unknown = BatchRunner(client, concurrency=4)
        async with unknown.run(requests(3, model="seed-1.6-flash")) as run:
            assert len([r async for r in run]) == 3
        assert unknown.stats.cost_usd is None and unknown.stats.unpriced == 3
        assert unknown.stats.prompt_tokens > 0

        # A price given for the run prices every answer.
        mine = Price(input=1.0, output=10.0)
        given = BatchRunner(client, concurrency=4, price=mine)
        async with given.run(requests(3, model="seed-1.6-flash")) as run:
            done = [r async for r in run]
        assert given.stats.cost_usd == pytest.approx(billed(done, mine))


async def test_the_providers_own_cost_wins_over_the_table() -> None:
    async with (
        FakeSeedServer(dialect="aiml") as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        runner = BatchRunner(client, concurrency=4, price=Price(input=100.0, output=100.0))
        async with runner.run(requests(5)) as run:
            results = [r async for r in run]
        spent = 0.0
        for r in results:
            assert r.completion is not None and r.completion.meta is not None
            assert r.completion.meta.usage is not None
            spent += r.completion.meta.usage.usd_spent or 0.0
        assert spent > 0
        assert runner.stats.cost_usd == pytest.approx(spent)


async def test_max_cost_stops_before_the_cost_passes_it_and_keeps_what_is_done() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        one = Price(input=1000.0, output=1000.0)  # about 3 cents an answer
        clf = Classifier(client, labels=LABELS, model="seed-1.8", price=one, max_cost=0.5)
        texts = [f"text number {i} is rather good" for i in range(200)]
        done = []
        with pytest.raises(CostLimitError) as stopped:
            async with clf.classify(texts) as run:
                async for r in run:
                    done.append(r)
        stats = clf.runner.stats
        assert stats.cost_usd is not None and 0.4 < stats.cost_usd <= 0.5
        assert stopped.value.limit == 0.5 and stopped.value.spent <= 0.5
        assert "max_cost $0.5" in str(stopped.value)
        # Every answer the server gave is a row: nothing paid for is lost.
        assert len(done) == server.stats.answered[200] == stats.answers
        assert len(done) < len(texts)

        # No price anywhere: refused after the first answer, with what to do.
        blind = Classifier(client, labels=LABELS, model="seed-1.6-flash", max_cost=1.0)
        with pytest.raises(ConfigurationError, match="max_cost needs a price"):
            await blind.classify_all(texts[:5])
        with pytest.raises(ConfigurationError, match="max_cost must be a positive"):
            BatchRunner(client, max_cost=0)
