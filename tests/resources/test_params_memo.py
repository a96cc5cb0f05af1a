"""A repeated call's parameters are checked once: the memo must not change what is sent,
refused or warned."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from seedclient import ConfigurationError, SeedClient, UnsupportedParameterWarning
from seedclient._config import PROVIDERS
from seedclient._resources.chat_params import _MEMO_SIZE, chat_body
from seedclient.testing import FakeSeedServer

MSGS = [{"role": "user", "content": "hi"}]


def fresh(name: str = "byteplus") -> Any:
    """A provider of its own (a copy has an empty memo): no other test's calls in it."""
    import dataclasses

    return dataclasses.replace(PROVIDERS[name])


def body(provider: Any, stream: bool = False, **params: Any) -> dict[str, Any]:
    return chat_body(
        provider, {"model": "seed-1.6-flash", "messages": MSGS, **params}, stream=stream
    )


def test_a_repeated_call_sends_the_same_body_with_its_own_messages() -> None:
    ark = fresh()
    first = body(ark, max_tokens=5, thinking="disabled", temperature=0.2)
    other = [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}]
    again = chat_body(
        ark,
        {
            "model": "seed-1.6-flash",
            "messages": other,
            "max_tokens": 5,
            "thinking": "disabled",
            "temperature": 0.2,
        },
        stream=False,
    )
    assert first == {
        "model": "seed-1-6-flash-250715",
        "messages": MSGS,
        "max_tokens": 5,
        "thinking": {"type": "disabled"},
        "temperature": 0.2,
    }
    assert again == {**first, "messages": other}
    assert list(again) == list(first)  # the same key order on the wire
    assert len(ark.memo) == 1


def test_streamed_and_whole_bodies_are_told_apart() -> None:
    ark = fresh()
    whole = body(ark, max_tokens=5)
    streamed = body(ark, stream=True, max_tokens=5)
    assert "stream" not in body(ark, max_tokens=5) and whole == body(ark, max_tokens=5)
    assert streamed["stream"] is True and streamed["stream_options"] == {"include_usage": True}
    assert body(ark, stream=True, max_tokens=5) == streamed


@pytest.mark.parametrize(
    ("good", "bad", "message"),
    [
        (1, True, "max_tokens must be an integer"),  # equal to 1, but not an integer here
        (1, 1.0, "max_tokens must be an integer"),  # equal to 1, but a float
    ],
)
def test_an_equal_value_of_another_type_is_still_checked(good: Any, bad: Any, message: str) -> None:
    ark = fresh()
    body(ark, max_tokens=good)
    with pytest.raises(ConfigurationError, match=message):
        body(ark, max_tokens=bad)


def test_bad_messages_are_refused_on_a_memoised_call() -> None:
    ark = fresh()
    body(ark, max_tokens=5)
    with pytest.raises(ConfigurationError, match="each with a 'role'"):
        chat_body(
            ark,
            {"model": "seed-1.6-flash", "messages": [{"content": "no role"}], "max_tokens": 5},
            stream=False,
        )
    with pytest.raises(ConfigurationError, match="non-empty list of messages"):
        chat_body(ark, {"model": "seed-1.6-flash", "messages": [], "max_tokens": 5}, stream=False)


def test_a_refused_parameter_set_is_refused_every_time() -> None:
    ark = fresh()
    for _ in range(3):
        with pytest.raises(ConfigurationError, match="temperature must be in"):
            body(ark, temperature=3.0)
    assert not ark.memo


def test_unhashable_values_take_the_full_check_and_are_not_kept() -> None:
    ark = fresh()
    schema = {"type": "json_object"}
    assert body(ark, response_format=schema)["response_format"] == schema
    assert body(ark, stop=["a", "b"])["stop"] == ["a", "b"]
    assert not ark.memo


def test_call_options_do_not_cost_the_memo_or_reach_the_body() -> None:
    ark = fresh()
    plain = body(ark, max_tokens=5, temperature=0.5)
    opts = {"timeout": 2.5, "extra_headers": {"X-Trace": "t"}, "max_retries": 1}
    for _ in range(2):
        assert body(ark, max_tokens=5, temperature=0.5, **opts) == plain
    assert body(ark, max_tokens=5, temperature=0.5, **{**opts, "timeout": 9.0}) == plain
    # Keyed once without options and once with them (the timeout's value is not keyed).
    assert len(ark.memo) == 2
    with pytest.raises(ConfigurationError, match="max_tokens must be an integer"):
        body(ark, max_tokens=5.0, temperature=0.5, **opts)  # equal to 5, but a float


def test_the_memo_stays_bounded() -> None:
    ark = fresh()
    for i in range(_MEMO_SIZE * 3):
        assert body(ark, max_tokens=i + 1, temperature=0.5)["max_tokens"] == i + 1
    assert 0 < len(ark.memo) <= _MEMO_SIZE


async def test_a_dropped_parameter_warns_on_every_call() -> None:
    async with (
        FakeSeedServer(dialect="openai") as server,
        SeedClient(base_url=server.url, api_key="t") as client,
    ):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            for _ in range(3):
                await client.chat.completions.create(
                    model="smollm2", messages=MSGS, thinking="disabled", max_tokens=5
                )
    dropped = [w for w in seen if issubclass(w.category, UnsupportedParameterWarning)]
    assert len(dropped) == 3
    assert all("does not accept 'thinking'" in str(w.message) for w in dropped)
    assert all(w.filename == __file__ for w in dropped)  # pointed at the user's line
