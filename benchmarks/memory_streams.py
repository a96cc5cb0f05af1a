"""Peak RSS with N concurrent open streams (one process, one recipe); prints one JSON line.

    python benchmarks/memory_streams.py RECIPE --url URL --streams 10000

The server must pace its chunks slowly enough that every stream is still open when the
last one has received its first chunk. RSS growth is measured from just before the streams
are opened to the moment all of them are open and have delivered a chunk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
from typing import Any

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from client_recipes import HEADERS, MESSAGES, MODEL, STREAM_BODY


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def floor(url: str, n: int) -> dict[str, Any]:
    import aiohttp
    import msgspec

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        opened = 0
        all_open = asyncio.Event()
        release = asyncio.Event()

        async def one() -> None:
            nonlocal opened
            data = msgspec.json.encode(STREAM_BODY)
            async with session.post(url + "/chat/completions", data=data, headers=HEADERS) as resp:
                async for line in resp.content:
                    if line.startswith(b"data: "):
                        msgspec.json.decode(line[6:])
                        break
                opened += 1
                if opened == n:
                    all_open.set()
                await release.wait()

        return await _measure(n, one, all_open, release)


async def seedclient(url: str, n: int) -> dict[str, Any]:
    from seedclient import SeedClient

    async with SeedClient(base_url=url, api_key="bench", max_connections=n + 10) as client:
        opened = 0
        all_open = asyncio.Event()
        release = asyncio.Event()

        async def one() -> None:
            nonlocal opened
            async with client.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
                async for _ in stream:
                    break
                opened += 1
                if opened == n:
                    all_open.set()
                await release.wait()

        return await _measure(n, one, all_open, release)


async def _measure(
    n: int, one: Any, all_open: asyncio.Event, release: asyncio.Event
) -> dict[str, Any]:
    base = _rss_kb()
    tasks = [asyncio.create_task(one()) for _ in range(n)]
    await asyncio.wait_for(all_open.wait(), 300)
    peak = _rss_kb()
    release.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"streams": n, "rss_growth_kb": peak - base, "kb_per_stream": (peak - base) / n}


RECIPES = {"floor": floor, "seedclient": seedclient}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("recipe", choices=sorted(RECIPES))
    parser.add_argument("--url", required=True)
    parser.add_argument("--streams", type=int, default=10_000)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    result = asyncio.run(RECIPES[args.recipe](args.url, args.streams))
    result["recipe"] = args.recipe
    print(json.dumps(result))


if __name__ == "__main__":
    main()
