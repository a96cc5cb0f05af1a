"""How to test your own code against seedclient's embedded fake Seed server.

Run it with ``python -m pytest examples/test_with_fake_server.py``; no key, no network.
Your code takes a ``SeedClient``; in tests you point that client at a ``FakeSeedServer``
and assert on both what your code returned and what the server saw.
"""

from __future__ import annotations

import pytest

from seedclient import RateLimitError, SeedClient
from seedclient.testing import FakeSeedServer, FaultPlan


# --- your application code ------------------------------------------------------------
async def triage(client: SeedClient, ticket: str) -> str:
    """Route a support ticket to a team (the code under test)."""
    done = await client.chat.completions.create(
        model="seed-1.6-flash",
        messages=[
            {"role": "system", "content": "Route the ticket.\nLabels: billing, shipping, other"},
            {"role": "user", "content": ticket},
        ],
        thinking="disabled",
        max_tokens=3,
        temperature=0,
    )
    return (done.content or "other").strip()


# --- its tests --------------------------------------------------------------------------
async def test_triage_answers_one_of_the_labels() -> None:
    async with FakeSeedServer() as server:
        async with SeedClient(
            provider=server.provider, base_url=server.url, api_key="test"
        ) as client:
            team = await triage(client, "I was charged twice this month")
    assert team in {"billing", "shipping", "other"}
    assert server.stats.received == 1


async def test_triage_survives_an_overloaded_provider() -> None:
    # The first two requests get 503 ServerOverloaded; the client retries them.
    plan = FaultPlan(script=["overloaded", "overloaded"])
    async with FakeSeedServer(faults=plan) as server:
        async with SeedClient(
            provider=server.provider, base_url=server.url, api_key="test", max_retries=2
        ) as client:
            team = await triage(client, "Where is my parcel?")
    assert team in {"billing", "shipping", "other"}
    assert server.stats.faults["overloaded"] == 2
    assert server.stats.answered == {503: 2, 200: 1}


async def test_triage_reports_rate_limits_when_retries_are_off() -> None:
    async with FakeSeedServer(faults=FaultPlan(script=["rate_limit"])) as server:
        async with SeedClient(
            provider=server.provider, base_url=server.url, api_key="test", max_retries=0
        ) as client:
            with pytest.raises(RateLimitError) as info:
                await triage(client, "Reset my password")
    assert info.value.code == "RateLimitExceeded.EndpointRPMExceeded"
