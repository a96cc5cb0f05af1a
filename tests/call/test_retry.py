"""The pure retry policy, as tables."""

from __future__ import annotations

import pytest

from seedclient import APIConnectionError, APITimeoutError, RetryPolicy
from seedclient._wire.errors import status_error

P = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8.0, max_retry_after=60.0)


def err(status: int, code: str | None = None, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    body = b'{"error": {"code": "%s", "message": "m"}}' % (code or "X").encode()
    return status_error(status, body, headers or {})


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (APIConnectionError("reset"), True),
        (APITimeoutError("slow"), True),
        (err(408), True),
        (err(409), True),
        (err(429, "RateLimitExceeded.EndpointTPMExceeded"), True),
        (err(429, "ServerOverloaded"), True),
        (err(429, "QuotaExceeded"), False),
        (err(429, "SetLimitExceeded"), False),
        (err(500), True),
        (err(503, "ServerOverloaded"), True),
        (err(400, "InvalidParameter"), False),
        (err(401), False),
        (err(403), False),
        (err(404), False),
        (ValueError("not ours"), False),
    ],
)
def test_is_retryable(error: BaseException, retryable: bool) -> None:
    assert P.is_retryable(error) is retryable


def test_x_should_retry_overrides_both_ways() -> None:
    assert P.is_retryable(err(400), {"x-should-retry": "true"}) is True
    assert P.is_retryable(err(503), {"x-should-retry": "false"}) is False


@pytest.mark.parametrize(
    ("done", "ceiling"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]
)
def test_full_jitter_ceiling(done: int, ceiling: float) -> None:
    assert P.backoff(done, rand=lambda: 1.0) == ceiling
    assert P.backoff(done, rand=lambda: 0.0) == 0.0
    assert P.backoff(done, rand=lambda: 0.5) == ceiling / 2


def test_delay_uses_retry_after_and_caps_it() -> None:
    assert P.delay(err(429, "RateLimitExceeded", {"retry-after": "7"}), 0, None) == 7.0
    assert P.delay(err(429, "RateLimitExceeded", {"retry-after": "61"}), 0, None) is None


def test_delay_gives_up_when_retries_spent_or_deadline_near() -> None:
    e = err(503)
    assert P.delay(e, 3, None) is None
    assert P.delay(e, 0, 100.0, rand=lambda: 1.0) == 0.5
    assert P.delay(e, 0, 0.4, rand=lambda: 1.0) is None
    assert P.delay(err(429, "R", {"retry-after": "5"}), 0, 4.0) is None
