"""The retry policy: what is worth retrying and how long to wait. Pure: it never sleeps."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    BadRequestError,
    PermissionDeniedError,
    QuotaExceededError,
    SeedError,
)

__all__ = ["RetryPolicy"]

_RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, and the server's word where it gives one.

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        initial_delay: the backoff ceiling for the first retry, in seconds.
        max_delay: the largest backoff ceiling.
        max_retry_after: the longest ``Retry-After`` honoured; a longer one is not retried
            (the error surfaces at once, with ``retry_after`` set, instead of retrying early).
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def is_retryable(self, error: BaseException, headers: Mapping[str, str] | None = None) -> bool:
        """Whether ``error`` may clear on a new attempt.

        Connection errors and timeouts, 408, 409, 429 rate limits and 5xx are; quota codes,
        AI/ML's 403 for credits, a prompt longer than the context or a request validation
        failure (whatever their status) and other 4xx are not. ``x-should-retry`` overrides the
        status rules both ways.
        """
        if isinstance(error, (APIConnectionError, APIResponseValidationError)):
            return True
        if not isinstance(error, APIStatusError):
            return False
        if headers is not None:
            hint = headers.get("x-should-retry")
            if hint == "true":
                return True
            if hint == "false":
                return False
        # BadRequestError under a 5xx: a validation failure or a prompt too long (see
        # _wire.errors): the same request would fail the same way.
        if isinstance(error, (QuotaExceededError, PermissionDeniedError, BadRequestError)):
            return False
        status = error.status_code
        return status in _RETRY_STATUSES or status >= 500

    def backoff(self, retries_done: int, rand: Callable[[], float] = random.random) -> float:
        """Full-jitter delay before retry number ``retries_done + 1``: U(0, ceiling)."""
        ceiling = min(self.initial_delay * 2.0 ** min(retries_done, 60), self.max_delay)
        return ceiling * rand()

    def delay(
        self,
        error: SeedError,
        retries_done: int,
        remaining: float | None,
        rand: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now.

        Gives up when the retries are spent, when the server asks for a wait longer than
        ``max_retry_after``, or when the wait would not end before the deadline
        (``remaining`` seconds from now; None for no deadline).
        """
        if retries_done >= self.max_retries:
            return None
        wait: float
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            wait = retry_after
        else:
            wait = self.backoff(retries_done, rand)
        if remaining is not None and wait >= remaining:
            return None
        return wait
