"""Rate learning: a Classifier against a sliding-window limit it is not told, and one it is.

The fake server admits ``LIMIT`` requests per ``WINDOW`` seconds (sliding) and answers 429
with ``Retry-After`` past it. Three runs of ``ITEMS`` texts each:

- learnt, no headers (Ark-like): the client sees only 429s and their Retry-After;
- learnt, with ``x-ratelimit-*`` headers on every answer (AIsa-like);
- told: ``rpm=LIMIT`` over ``rate_window=WINDOW``.

Reported: the steady-state rate (successes after the first window, per second) as a
fraction of the limit's rate, and the share of requests answered 429 (overall and in the
steady state).

    python benchmarks/rate_learning.py [--quick]
"""

from __future__ import annotations

import asyncio
import sys
import time

from seedclient import BatchRunner, Classifier, SeedClient
from seedclient.testing import FakeSeedServer

QUICK = "--quick" in sys.argv
LIMIT, WINDOW, ITEMS = (100, 2.0, 600) if QUICK else (500, 10.0, 6000)
LABELS = ["positive", "negative", "neutral"]


async def one(name: str, *, headers: bool, told: bool) -> dict[str, float]:
    server = FakeSeedServer(
        dialect="aisa" if headers else "ark", rpm_limit=LIMIT, rpm_window=WINDOW, ttft=0.02
    )
    async with server, SeedClient(base_url=server.url, api_key="t") as client:
        runner = (
            BatchRunner(client, concurrency=64, rpm=LIMIT, rate_window=WINDOW)
            if told
            else BatchRunner(client, concurrency=64)
        )
        clf = Classifier(client, labels=LABELS, runner=runner)
        texts = [
            f"review {i}: {'great' if i % 3 == 0 else 'bad' if i % 3 == 1 else 'a'} item"
            for i in range(ITEMS)
        ]
        start = time.monotonic()
        failed = 0
        at_window: list[int] = []

        async def mark() -> None:  # the refusals of the first window (the learning)
            await asyncio.sleep(WINDOW)
            at_window.append(server.stats.rate_limited)
            at_window.append(server.stats.received)

        marker = asyncio.create_task(mark())
        async with clf.classify(texts) as results:
            async for r in results:
                failed += not r.ok
        end = time.monotonic()
        await marker
        stats = server.stats
        arrivals = list(stats.arrivals)
        steady = [t for t in arrivals if t >= start + WINDOW]
        steady_rate = len(steady) / (end - (start + WINDOW))
        # 429s in the steady state: the limiter's refusals after the first window.
        refused_total = stats.rate_limited
        received = stats.received
    return {
        "name": name,
        "rate_fraction": steady_rate / (LIMIT / WINDOW),
        "share_429": refused_total / received,
        "steady_429": (refused_total - at_window[0]) / max(received - at_window[1], 1),
        "received": received,
        "refused": refused_total,
        "failed": failed,
        "seconds": end - start,
        "max_in_window": stats.max_in_window(WINDOW),
    }


async def main() -> None:
    rows = [
        await one("learnt, no headers", headers=False, told=False),
        await one("learnt, x-ratelimit headers", headers=True, told=False),
        await one(f"told rpm={LIMIT}/{WINDOW:g}s", headers=False, told=True),
    ]
    print(
        f"date {time.strftime('%Y-%m-%d')} · python {sys.version.split()[0]} · limit {LIMIT} per {WINDOW:g} s (sliding) · {ITEMS} items · C=64"
    )
    print(
        "| run | steady rate / limit | answered 429, all | answered 429, after the first window | requests | failed items | max in any window | wall s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['name']} | {r['rate_fraction']:.3f} | {r['share_429']:.2%} ({r['refused']:.0f}) | {r['steady_429']:.2%} | "
            f"{r['received']:.0f} | {r['failed']:.0f} | {r['max_in_window']:.0f} | {r['seconds']:.1f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
