"""The logger tree: ``seedclient.retry`` and ``seedclient.bulk`` say at INFO what waits and
why, with the request id, never the key."""

from __future__ import annotations

import logging

import pytest

from seedclient import Classifier, SeedClient
from seedclient.testing import FakeClock, FakeSeedServer, FaultPlan

KEY = "sk-secret-key-for-the-log-test"


async def test_retries_and_pauses_are_logged_with_request_ids_never_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    plan = FaultPlan(script=["overloaded", None, "rate_limit"], retry_after=2)
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(
            provider=server.provider,
            base_url=server.url,
            api_key=KEY,
            clock=FakeClock(),
            default_query={"api-key": KEY},
        ) as client,
    ):
        with caplog.at_level(logging.INFO, logger="seedclient"):
            await client.chat.completions.create(
                model="seed-1.8", messages=[{"role": "user", "content": "hi"}]
            )
            await Classifier(client, labels=["positive", "negative"]).classify_all(["I love it"])
    retry = [r for r in caplog.records if r.name == "seedclient.retry"]
    pause = [r for r in caplog.records if r.name == "seedclient.bulk"]
    assert len(retry) == 1 and retry[0].levelno == logging.INFO
    assert "after 503" in retry[0].getMessage() and "(request id " in retry[0].getMessage()
    assert "request id None" not in retry[0].getMessage()
    assert len(pause) == 1 and "rate limited (request id" in pause[0].getMessage()
    assert "every request waits 2.00s" in pause[0].getMessage()
    assert KEY not in caplog.text
