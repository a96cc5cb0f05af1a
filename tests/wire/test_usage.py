"""Adding usages keeps what the bill depends on: cached and reasoning tokens."""

from __future__ import annotations

import msgspec

from seedclient import Usage


def test_usages_add_with_their_details() -> None:
    first = msgspec.convert(
        {
            "prompt_tokens": 100,
            "completion_tokens": 40,
            "total_tokens": 140,
            "prompt_tokens_details": {"cached_tokens": 64},
            "completion_tokens_details": {"reasoning_tokens": 30},
        },
        Usage,
    )
    second = Usage(prompt_tokens=10, completion_tokens=5, total_tokens=15)  # no details said
    both = first + second
    assert (both.prompt_tokens, both.completion_tokens, both.total_tokens) == (110, 45, 155)
    assert (both.cached_tokens, both.reasoning_tokens) == (64, 30)
    assert (second + first).model_dump() == both.model_dump()
    plain = second + second
    assert plain.prompt_tokens_details is None and plain.completion_tokens_details is None
    assert plain.model_dump() == {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}
