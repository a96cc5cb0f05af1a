"""A Seed server that sends no log-probabilities, answering out of order: the Classifier
stops asking for them once, and never sends top_logprobs without logprobs."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from aiohttp import web

from seedclient import Classifier, SeedClient


async def test_out_of_order_answers_without_logprobs_never_break_the_parameters() -> None:
    bodies: list[dict[str, Any]] = []

    async def handler(request: web.Request) -> web.Response:
        body = msgspec.json.decode(await request.read())
        bodies.append(body)
        if len(bodies) == 1:  # the first answers last
            await asyncio.sleep(0.3)
        answer = {
            "id": f"r{len(bodies)}",
            "object": "chat.completion",
            "created": 1,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "positive"},
                }
            ],
            "usage": {"prompt_tokens": 30, "completion_tokens": 1, "total_tokens": 31},
        }
        return web.json_response(answer)

    app = web.Application()
    app.router.add_post("/api/v3/chat/completions", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v3"
    try:
        async with SeedClient(provider="byteplus", base_url=url, api_key="k") as client:
            clf = Classifier(client, labels=["positive", "negative"], concurrency=2)
            results = await clf.classify_all([f"text {i}" for i in range(8)])
    finally:
        await runner.cleanup()
    assert [r.label for r in results] == ["positive"] * 8
    assert all(r.error is None and r.confidence is None for r in results)
    asked = [(b.get("logprobs"), b.get("top_logprobs")) for b in bodies]
    assert asked[0] == (True, None)
    assert (True, 1) in asked  # asked once more, with top_logprobs
    assert asked[-1] == (None, None)  # then no longer asked
    assert all(tl is None or lp is True for lp, tl in asked)
