"""Classifying 5,000 texts on the fake Ark server with and without ``cache_prefix``: the
labels (they must be the same), tokens, cached tokens and cost (seed-1.8 on BytePlus).

    python benchmarks/cache_prefix.py [--texts 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import random

from seedclient import Classifier, SeedClient
from seedclient.testing import FakeSeedServer

LABELS = ["positive", "negative", "neutral"]
INSTRUCTIONS = (
    "Classify the sentiment of a product review from an online shop. A review that praises "
    "the product is positive; one that reports a fault, a return or disappointment is "
    "negative; a review that only describes the product or its delivery is neutral."
)
WORDS = {
    "positive": ["great", "love it", "works well", "excellent value"],
    "negative": ["broke", "awful", "returned it", "disappointing"],
    "neutral": ["it is a box", "arrived on Tuesday", "the colour is grey", "weighs a kilo"],
}


def texts(n: int) -> list[str]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        kind = LABELS[i % 3]
        out.append(f"Review {i}: the kettle, {rng.choice(WORDS[kind])}.")
    return out


async def run(n: int) -> None:
    items = texts(n)
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client,
    ):
        results = {}
        for cached in (False, True):
            clf = Classifier(
                client,
                labels=LABELS,
                model="seed-1.8",
                instructions=INSTRUCTIONS,
                cache_prefix=cached,
                concurrency=64,
            )
            rows = await clf.classify_all(items)
            results[cached] = ([r.label for r in rows], clf.runner.stats)
    (plain, a), (prefixed, b) = results[False], results[True]
    same = sum(x == y for x, y in zip(plain, prefixed, strict=True))
    assert a.cost_usd is not None and b.cost_usd is not None
    print(f"texts: {n}; the same label: {same}/{n}")
    for name, s in (("chat", a), ("cache_prefix", b)):
        print(
            f"{name}: prompt {s.prompt_tokens:,} (cached {s.cached_tokens:,}), "
            f"completion {s.completion_tokens:,}, cost ${s.cost_usd:.6f}"
        )
    print(f"cost with the prefix cached: {b.cost_usd / a.cost_usd:.3f}x the chat run's")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=5000)
    asyncio.run(run(parser.parse_args().texts))


if __name__ == "__main__":
    main()
