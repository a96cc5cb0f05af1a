"""One client recipe, one process: R requests at concurrency C; prints one JSON line.

    python benchmarks/client_recipes.py RECIPE --url URL --requests R --concurrency C

Recipes (``--list``): the floor (raw aiohttp + msgspec + asyncio.Semaphore), seedclient's
``create`` / ``stream`` / ``Classifier``, and the peers (openai's AsyncOpenAI with its default
and, where installed, aiohttp transport; httpx + httpx-sse). A warm-up of min(C, 200)
requests opens the connections first; CPU (getrusage, user + system) is measured over the
R requests only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

MESSAGES = [
    {"role": "system", "content": "Classify the review.\nLabels: positive, negative, neutral"},
    {"role": "user", "content": "Great phone, the battery lasts two days. Would buy again."},
]
MODEL = "seed-1-6-flash-250715"
BODY = {"model": MODEL, "messages": MESSAGES, "max_tokens": 5, "thinking": {"type": "disabled"}}
STREAM_BODY = {
    "model": MODEL,
    "messages": MESSAGES,
    "stream": True,
    "stream_options": {"include_usage": True},
}
HEADERS = {"Authorization": "Bearer bench", "Content-Type": "application/json"}

# A recipe: setup(url) -> (one_call, close); one_call() -> (chunks, seconds to first chunk)
Call = Callable[[], Awaitable[tuple[int, float]]]
Recipe = Callable[[str], Awaitable[tuple[Call, Callable[[], Awaitable[None]]]]]


async def floor_nonstream(url: str) -> tuple[Call, Any]:
    import aiohttp
    import msgspec

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    target = url + "/chat/completions"

    async def call() -> tuple[int, float]:
        data = msgspec.json.encode(BODY)
        async with session.post(target, data=data, headers=HEADERS) as resp:
            body = await resp.read()
        msgspec.json.decode(body)
        return 1, 0.0

    return call, session.close


async def floor_stream(url: str) -> tuple[Call, Any]:
    import aiohttp
    import msgspec

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    target = url + "/chat/completions"

    async def call() -> tuple[int, float]:
        started = time.perf_counter()
        first = 0.0
        n = 0
        data = msgspec.json.encode(STREAM_BODY)
        async with session.post(target, data=data, headers=HEADERS) as resp:
            async for line in resp.content:
                if line.startswith(b"data: "):
                    payload = line[6:].rstrip()
                    if payload == b"[DONE]":
                        break
                    msgspec.json.decode(payload)
                    if not n:
                        first = time.perf_counter() - started
                    n += 1
        return n, first

    return call, session.close


async def aiohttp_read_stream(url: str) -> tuple[Call, Any]:
    """Not a client: aiohttp's own reads of the stream and nothing else (no line splitting,
    no JSON), the least any client on aiohttp spends per chunk. Chunks are counted by their
    blank lines, one C call a read."""
    import aiohttp
    import msgspec

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    target = url + "/chat/completions"

    async def call() -> tuple[int, float]:
        n = 0
        data = msgspec.json.encode(STREAM_BODY)
        async with session.post(target, data=data, headers=HEADERS) as resp:
            read = resp.content.readany
            while piece := await read():
                n += piece.count(b"\n\n")
        return n - 1, 0.0  # [DONE] is not a chunk (counted as the floor counts)

    return call, session.close


def _observed() -> dict[str, Any]:
    """``SEEDCLIENT_BENCH_TELEMETRY``: ``hooks`` (a hook that does nothing) or ``otel``
    (OpenTelemetry's SDK, spans and metrics kept in memory); unset: neither."""
    kind = os.environ.get("SEEDCLIENT_BENCH_TELEMETRY", "")
    if kind == "hooks":
        return {"hooks": [lambda event: None]}
    if kind == "otel":
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        from seedclient.telemetry import Telemetry

        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
        meters = MeterProvider(metric_readers=[InMemoryMetricReader()])
        return {"telemetry": Telemetry(tracer_provider=tracer_provider, meter_provider=meters)}
    return {}


async def seedclient_create(url: str) -> tuple[Call, Any]:
    from seedclient import SeedClient

    client = SeedClient(provider="byteplus", base_url=url, api_key="bench", **_observed())

    async def call() -> tuple[int, float]:
        await client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=5, thinking="disabled"
        )
        return 1, 0.0

    return call, client.aclose


async def seedclient_stream(url: str) -> tuple[Call, Any]:
    from seedclient import SeedClient

    client = SeedClient(provider="byteplus", base_url=url, api_key="bench", **_observed())

    async def call() -> tuple[int, float]:
        started = time.perf_counter()
        first = 0.0
        n = 0
        async with client.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
            async for _ in stream:
                if not n:
                    first = time.perf_counter() - started
                n += 1
        return n, first

    return call, client.aclose


def _openai(url: str, backend: str) -> Any:
    import openai

    if backend == "aiohttp":
        return openai.AsyncOpenAI(
            base_url=url, api_key="bench", http_client=openai.DefaultAioHttpClient()
        )
    return openai.AsyncOpenAI(base_url=url, api_key="bench")


async def _openai_create(url: str, backend: str) -> tuple[Call, Any]:
    client = _openai(url, backend)

    async def call() -> tuple[int, float]:
        await client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            max_tokens=5,
            extra_body={"thinking": {"type": "disabled"}},
        )
        return 1, 0.0

    return call, client.close


async def _openai_stream(url: str, backend: str) -> tuple[Call, Any]:
    client = _openai(url, backend)

    async def call() -> tuple[int, float]:
        started = time.perf_counter()
        first = 0.0
        n = 0
        stream = await client.chat.completions.create(
            model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        async for _ in stream:
            if not n:
                first = time.perf_counter() - started
            n += 1
        return n, first

    return call, client.close


async def openai_create(url: str) -> tuple[Call, Any]:
    return await _openai_create(url, "default")


async def openai_aiohttp_create(url: str) -> tuple[Call, Any]:
    return await _openai_create(url, "aiohttp")


async def openai_stream(url: str) -> tuple[Call, Any]:
    return await _openai_stream(url, "default")


async def openai_aiohttp_stream(url: str) -> tuple[Call, Any]:
    return await _openai_stream(url, "aiohttp")


async def httpx_sse_stream(url: str) -> tuple[Call, Any]:
    import httpx
    from httpx_sse import aconnect_sse

    client = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000), timeout=60
    )
    target = url + "/chat/completions"

    async def call() -> tuple[int, float]:
        started = time.perf_counter()
        first = 0.0
        n = 0
        async with aconnect_sse(client, "POST", target, json=STREAM_BODY, headers=HEADERS) as es:
            async for sse in es.aiter_sse():
                if sse.data == "[DONE]":
                    break
                json.loads(sse.data)
                if not n:
                    first = time.perf_counter() - started
                n += 1
        return n, first

    return call, client.aclose


RECIPES: dict[str, Recipe] = {
    "floor": floor_nonstream,
    "seedclient": seedclient_create,
    "openai": openai_create,
    "openai-aiohttp": openai_aiohttp_create,
    "floor-stream": floor_stream,
    "aiohttp-read-stream": aiohttp_read_stream,
    "seedclient-stream": seedclient_stream,
    "openai-stream": openai_stream,
    "openai-aiohttp-stream": openai_aiohttp_stream,
    "httpx-sse-stream": httpx_sse_stream,
}


async def drive_classifier(url: str, requests: int, concurrency: int) -> dict[str, Any]:
    """seedclient's Classifier over R distinct texts: its own pool, pacing and retries."""
    from seedclient import Classifier, SeedClient

    texts = [f"Review {i}: great phone, the battery lasts two days." for i in range(requests)]
    async with SeedClient(provider="byteplus", base_url=url, api_key="bench") as client:
        warm = Classifier(
            client, labels=["positive", "negative", "neutral"], concurrency=concurrency
        )
        await warm.classify_all([f"warm-up {i}" for i in range(min(concurrency, 200))])
        clf = Classifier(client, labels=["positive", "negative", "neutral"], runner=warm.runner)
        cpu0, sys0, wall0 = _cpu(), _sys(), time.perf_counter()
        labelled = 0
        async with clf.classify(texts) as results:
            async for r in results:
                labelled += r.label == "positive"
        cpu, wall = _cpu() - cpu0, time.perf_counter() - wall0
        system = _sys() - sys0
    if labelled != requests:
        raise SystemExit(f"only {labelled} of {requests} texts were labelled")
    return {
        "requests": requests,
        "concurrency": concurrency,
        "chunks": requests,
        "cpu_s": cpu,
        "sys_s": system,
        "wall_s": wall,
        "cpu_us_per_request": cpu / requests * 1e6,
        "cpu_us_per_chunk": None,
        "rps": requests / wall,
        "p50_ms": None,
        "p99_ms": None,
        "ttfc_p50_ms": None,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def available(name: str) -> bool:
    """Whether a recipe can run with what is installed."""
    try:
        if name.startswith("openai"):
            import openai

            if "aiohttp" in name:
                return hasattr(openai, "DefaultAioHttpClient") and _has("aiohttp")
        if name.startswith("httpx"):
            return _has("httpx") and _has("httpx_sse")
    except ImportError:
        return False
    return True


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _sys() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


async def drive(recipe: Recipe, url: str, requests: int, concurrency: int) -> dict[str, Any]:
    call, close = await recipe(url)
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    firsts: list[float] = []
    chunks = 0

    async def one() -> None:
        nonlocal chunks
        async with sem:
            t = time.perf_counter()
            n, first = await call()
            latencies.append(time.perf_counter() - t)
            chunks += n
            if first:
                firsts.append(first)

    try:
        await asyncio.gather(*(one() for _ in range(min(concurrency, 200))))
        latencies.clear()
        firsts.clear()
        chunks = 0
        cpu0, sys0, wall0 = _cpu(), _sys(), time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        cpu, wall = _cpu() - cpu0, time.perf_counter() - wall0
        system = _sys() - sys0
    finally:
        await close()
    latencies.sort()
    return {
        "requests": requests,
        "concurrency": concurrency,
        "chunks": chunks,
        "cpu_s": cpu,
        "sys_s": system,
        "wall_s": wall,
        "cpu_us_per_request": cpu / requests * 1e6,
        "cpu_us_per_chunk": cpu / chunks * 1e6 if chunks else None,
        "rps": requests / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "ttfc_p50_ms": statistics.median(firsts) * 1000 if firsts else None,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("recipe", choices=sorted([*RECIPES, "seedclient-classifier"]))
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.recipe == "seedclient-classifier":
        result = asyncio.run(drive_classifier(args.url, args.requests, args.concurrency))
    else:
        result = asyncio.run(drive(RECIPES[args.recipe], args.url, args.requests, args.concurrency))
    result["recipe"] = args.recipe
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
