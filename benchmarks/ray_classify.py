"""seedclient.ray against Ray Data's own HttpRequestProcessorConfig, on one local cluster.

    python benchmarks/ray_classify.py [--rows 3600] [--limit 1200] [--window 10]

A FakeSeedServer (in a thread of this process) refuses with 429 past ``limit`` requests per
``window`` seconds. Both jobs classify the same rows with 3 actors on ``ray.init(num_cpus=4)``
(a quarter CPU per actor). Reported: rows/s, the share of the limit used (the mean count of
accepted requests in the full windows laid end to end from the first request, over
``limit``), the best sliding window's share, and the share of requests answered 429. Prints one JSON
object per job.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("RAY_AUTH_MODE", "disabled")

import ray
import ray.data

import seedclient.ray
from seedclient.testing import FakeSeedServer

HERE = Path(__file__).resolve().parent
LABELS = ["positive", "negative", "neutral"]
SYSTEM = "Classify the review.\nLabels: positive, negative, neutral\nAnswer with the label only."


def rows(n: int) -> list[dict[str, str]]:
    with open(HERE.parent / "examples" / "reviews.csv", newline="", encoding="utf-8") as f:
        base = [r["text"] for r in csv.DictReader(f)]
    # distinct texts (the Classifier sends a repeated text once)
    return [{"id": f"r{i}", "text": f"{base[i % len(base)]} (#{i})"} for i in range(n)]


class Server:
    def __init__(self, limit: int, window: float) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.fake = FakeSeedServer(rpm_limit=limit, rpm_window=window)
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(30)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result(30)


def measure(name: str, server: Server, limit: int, window: float, run: Any) -> dict[str, Any]:
    started = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - started
    stats = server.fake.stats
    arrivals = list(stats.arrivals)
    # The limit's windows laid end to end from the first request; only the full ones count.
    full = int((arrivals[-1] - arrivals[0]) // window) if arrivals else 0
    counts = [0] * full
    for t in arrivals:
        k = int((t - arrivals[0]) // window)
        if k < full:
            counts[k] += 1
    return {
        "job": name,
        "rows": len(out),
        "labelled": sum(1 for r in out if r.get("label") in LABELS),
        "seconds": round(seconds, 2),
        "rows_per_s": round(len(out) / seconds, 1),
        "limit_used_per_full_window": round(sum(counts) / full / limit, 3) if full else None,
        "full_windows": full,
        "best_window_share": round(stats.max_in_window(window) / limit, 3),
        "requests": stats.received,
        "share_429": round(stats.rate_limited / max(stats.received, 1), 4),
    }


def seedclient_job(url: str, items: list[dict[str, str]], limit: int, window: float) -> Any:
    budget = seedclient.ray.RateBudget(rpm=limit, window=window)
    return seedclient.ray.classify(
        ray.data.from_items(items),
        labels=LABELS,
        id_column="id",
        client_options={"base_url": url, "api_key": "bench"},
        budget=budget,
        num_actors=3,
        concurrency_per_actor=32,
        batch_size=400,
    ).take_all()


def ray_http_job(url: str, items: list[dict[str, str]], limit: int, window: float) -> Any:
    from ray.data.llm import HttpRequestProcessorConfig, build_processor

    config = HttpRequestProcessorConfig(
        url=url + "/chat/completions",
        headers={"Authorization": "Bearer bench"},
        qps=max(1, int(limit / window / 3)),  # its qps is per actor: the limit split three ways
        max_retries=3,
        concurrency=3,
        batch_size=64,
        http_request_stage={"num_cpus": 0.25},
    )
    processor = build_processor(
        config,
        preprocess=lambda row: {
            "payload": {
                "model": "seed-1.6-flash",
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": row["text"]},
                ],
                "max_tokens": 5,
                "thinking": {"type": "disabled"},
            }
        },
        postprocess=lambda row: {
            "label": row["http_response"]["choices"][0]["message"]["content"].strip()
        },
    )
    return processor(ray.data.from_items(items)).take_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3600)
    parser.add_argument("--limit", type=int, default=1200)
    parser.add_argument("--window", type=float, default=10.0)
    args = parser.parse_args()
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    items = rows(args.rows)
    jobs = [("seedclient.ray", seedclient_job)]
    try:
        from ray.data.llm import HttpRequestProcessorConfig  # noqa: F401

        jobs.append(("ray.data.llm HttpRequestProcessorConfig", ray_http_job))
    except ImportError as exc:
        print(json.dumps({"job": "ray.data.llm", "skipped": str(exc)}))
    for name, job in jobs:
        server = Server(args.limit, args.window)
        try:
            result = measure(
                name,
                server,
                args.limit,
                args.window,
                lambda job=job, server=server: job(server.fake.url, items, args.limit, args.window),
            )
        except Exception as exc:  # the peer's job fails whole on one bad row: report it
            result = {"job": name, "failed": f"{type(exc).__name__}: {str(exc)[:300]}"}
        finally:
            server.close()
        print(json.dumps(result), flush=True)
    print(json.dumps({"ray": ray.__version__, "seedclient": seedclient.__version__}))


if __name__ == "__main__":
    main()
