"""The catalogue's per-model rules, checked before anything is sent; the body per family."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from aioresponses import aioresponses
from yarl import URL

from seedclient import PROVIDERS, Classifier, ConfigurationError, SeedClient
from seedclient._catalog import FAMILIES
from seedclient._config import resolve_model
from seedclient._resources.chat_params import chat_body

from ..conftest import ARK_COMPLETION, SECRET

MSGS = [{"role": "user", "content": "hi"}]
ARK = PROVIDERS["byteplus"]


@pytest.mark.parametrize(
    ("provider", "alias"),
    [(p, name) for p, prov in PROVIDERS.items() for name in prov.aliases],
)
def test_every_alias_resolves_to_a_catalogue_id(provider: str, alias: str) -> None:
    pinned = resolve_model(PROVIDERS[provider], alias)
    spec = next(s for s in FAMILIES if alias in (s.family, *s.aliases))
    assert spec.ids[provider] == pinned


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"model": "seed-1.8", "thinking": "auto"}, "thinking='auto' is not accepted by seed-1.8"),
        ({"model": "seed-1.8", "reasoning_effort": "xhigh"}, "reasoning_effort='xhigh'"),
        (
            {"model": "seed-2.0-code", "reasoning_effort": "minimal", "_on": "volcengine"},
            "it takes high, low, medium",
        ),
        (
            {"model": "seed-2.0-pro", "thinking": "disabled", "reasoning_effort": "high"},
            "refuses thinking='disabled' with reasoning_effort='high'",
        ),
        (
            {
                "model": "seed-2.0-code",
                "response_format": {"type": "json_object"},
                "_on": "aimlapi",
            },
            "response_format type 'json_object' is not accepted by seed-2.0-code",
        ),
        ({"model": "seed-1.8", "max_completion_tokens": 100_000}, "cap of 65536"),
        ({"model": "seed-1.6flash"}, "did you mean 'seed-1.6-flash'?"),
        ({"model": "seed-1-8-25122"}, "did you mean 'seed-1-8-251228'?"),
    ],
)
def test_rules_refused_before_sending(params: dict[str, Any], needle: str) -> None:
    provider = PROVIDERS[params.pop("_on", "byteplus")]
    with pytest.raises(ConfigurationError) as info:
        chat_body(provider, {"messages": MSGS, **params}, stream=False)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    "params",
    [
        {"model": "seed-1.6-flash", "thinking": "auto"},
        {"model": "seed-2.0-pro", "reasoning_effort": "max"},
        {"model": "seed-2.0-mini", "thinking": "disabled", "reasoning_effort": "minimal"},
        {"model": "seed-1.8", "max_completion_tokens": 65_536},
        {"model": "ep-20250101-abc", "thinking": "auto"},  # an endpoint: the server decides
        {"model": "my-brand-new-model"},  # far from every known id: passes through
        {"model": "seed-1.6flash", "extra_body": {"model": "seed-1.6flash"}},  # the escape hatch
    ],
)
def test_rules_accepted(params: dict[str, Any]) -> None:
    chat_body(ARK, {"messages": MSGS, **params}, stream=False)


def test_generic_base_url_passes_unknown_ids() -> None:
    chat_body(
        PROVIDERS["openai-compatible"], {"messages": MSGS, "model": "seed-1.6flash"}, stream=False
    )


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("seed-1.6-flash", {"thinking": {"type": "disabled"}}),
        ("seed-1.8", {"thinking": {"type": "disabled"}}),
        ("seed-2.0-mini", {"reasoning_effort": "minimal"}),
        ("seed-2.0-pro", {"reasoning_effort": "minimal"}),
    ],
)
async def test_the_classifier_switches_reasoning_off_the_cheapest_way(
    model: str, expected: dict[str, Any]
) -> None:
    url = "https://ark.ap-southeast.bytepluses.com/api/v3/chat/completions"
    with aioresponses() as m:
        m.post(
            url,
            payload={
                **ARK_COMPLETION,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "a"},
                        "finish_reason": "stop",
                    }
                ],
            },
        )
        async with SeedClient(api_key=SECRET) as client:
            clf = Classifier(client, labels=["a", "b"], model=model)
            await clf.classify_all(["text"])
        (call,) = m.requests[("POST", URL(url))]
    body = msgspec.json.decode(call.kwargs["data"])
    assert {k: body[k] for k in expected} == expected
    assert ("thinking" in body) != ("reasoning_effort" in body)


async def test_models_list_reads_the_capability_matrix() -> None:
    from seedclient.testing import FakeSeedServer

    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        page = await c.models.list()
    by_id = {m.id: m for m in page.data}
    flash = by_id["seed-1-6-flash-250715"]
    assert flash.token_limits is not None and flash.token_limits["max_output_token_length"] > 0
    assert flash.features is not None and flash.features["structured_outputs"]["json_schema"]
    code = by_id["doubao-seed-2-0-code-preview-260215"]
    assert code.features is not None and not code.features["structured_outputs"]["json_object"]


async def test_refreshed_rules_from_models_win_over_the_catalogue() -> None:
    """The provider's own /models says flash now caps output at 1,000 tokens and has no
    json_schema, and lists an id the catalogue does not know yet (one edit from a known one)."""
    listing = {
        "object": "list",
        "data": [
            {
                "id": "seed-1-6-flash-250715",
                "features": {"structured_outputs": {"json_object": True, "json_schema": False}},
                "token_limits": {"context_window": 262144, "max_output_token_length": 1000},
            },
            {"id": "seed-1-6-flash-250716", "token_limits": {"max_output_token_length": 4096}},
        ],
    }
    messages = [{"role": "user", "content": "hi"}]
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    base = "https://ark.ap-southeast.bytepluses.com/api/v3"
    with aioresponses() as m:
        m.get(base + "/models", payload=listing)
        async with SeedClient(api_key=SECRET) as client:
            # Before: the catalogue's rules (a typo check refuses the new id).
            with pytest.raises(ConfigurationError, match="did you mean"):
                await client.chat.completions.create(
                    model="seed-1-6-flash-250716", messages=messages
                )
            await client.models.list(refresh_rules=True)
            with pytest.raises(ConfigurationError, match="cap of 1000"):
                await client.chat.completions.create(
                    model="seed-1.6-flash", messages=messages, max_completion_tokens=2000
                )
            with pytest.raises(ConfigurationError, match="json_schema"):
                await client.chat.completions.create(
                    model="seed-1.6-flash", messages=messages, response_format=schema
                )
            m.post(base + "/chat/completions", payload=ARK_COMPLETION)
            done = await client.chat.completions.create(
                model="seed-1-6-flash-250716", messages=messages, max_completion_tokens=4000
            )
            assert done.choices[0].finish_reason == "tool_calls"  # the canned answer, sent
            with pytest.raises(ConfigurationError, match="cap of 4096"):
                await client.chat.completions.create(
                    model="seed-1-6-flash-250716", messages=messages, max_completion_tokens=5000
                )


@pytest.mark.parametrize(
    ("provider", "params", "needle"),
    [
        ("aisa", {"size": "1024x1024"}, "at least 3686400 pixels on seedream-4.5"),
        ("byteplus", {"size": "banana"}, "use 2K or 4K"),
        ("byteplus", {"size": "1K"}, "not one of seedream-4.5's sizes"),
        ("byteplus", {"n": 4, "size": "2K"}, "sequential_image_generation"),
    ],
)
async def test_seedream_requests_refused_before_sending(
    provider: str, params: dict[str, Any], needle: str
) -> None:
    with aioresponses():  # nothing may be sent: an unmatched request would fail loudly
        async with SeedClient(provider=provider, api_key=SECRET) as c:
            with pytest.raises(ConfigurationError, match=needle):
                await c.images.generate(model="seedream-4.5", prompt="a bottle", **params)


async def test_seedream_sizes_on_the_fake() -> None:
    from seedclient.testing import FakeSeedServer

    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        for size, made in (("2K", "2048x2048"), ("4K", "4096x4096"), ("3000x2000", "3000x2000")):
            done = await c.images.generate(
                model="seedream-4-5-251128", prompt="a bottle", size=size
            )
            assert [d.size for d in done.data] == [made]
