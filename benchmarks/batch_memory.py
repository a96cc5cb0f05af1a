"""Peak RSS of the Classifier over N texts streamed from a generator (not a list).

    python benchmarks/batch_memory.py --url URL --items 1000000 --concurrency 500
    python benchmarks/batch_memory.py --url URL --items 100000 --concurrency 5000 \
        --endpoint batch --model ep-bi-bench     # Ark's Batch Chat on the fake server

Memory must stay flat in N: the runner holds a fixed pool and a bounded window, whatever
the input's length. Prints one JSON line with the peak RSS and the throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from collections.abc import Iterator


def texts(n: int) -> Iterator[str]:
    for i in range(n):
        yield f"Review {i}: the battery {'lasts' if i % 2 else 'died'} after {i % 97} days."


async def run(url: str, n: int, concurrency: int, endpoint: str, model: str) -> dict[str, object]:
    from seedclient import Classifier, SeedClient

    async with SeedClient(base_url=url, api_key="bench", max_connections=concurrency) as client:
        clf = Classifier(
            client,
            labels=["positive", "negative", "neutral"],
            concurrency=concurrency,
            endpoint=endpoint,  # type: ignore[arg-type]
            model=model,
        )
        started = time.perf_counter()
        done = 0
        async with clf.classify(texts(n)) as results:
            async for r in results:
                done += r.ok
        wall = time.perf_counter() - started
    return {
        "items": n,
        "labelled": done,
        "concurrency": concurrency,
        "endpoint": endpoint,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "items_per_s": n / wall,
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--endpoint", choices=("chat", "batch"), default="chat")
    parser.add_argument("--model", default="seed-1.6-flash")
    args = parser.parse_args()
    result = run(args.url, args.items, args.concurrency, args.endpoint, args.model)
    print(json.dumps(asyncio.run(result)))


if __name__ == "__main__":
    main()
