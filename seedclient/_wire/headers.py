"""Reading response headers: request ids, ``Retry-After``, rate-limit budgets."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .chat import RateLimit


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The server's request id: ``x-request-id`` (Ark, AIsa) or ``x-inference-id`` (AI/ML)."""
    return headers.get("x-request-id") or headers.get("x-inference-id")


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$")


def parse_reset(raw: str | None) -> float | None:
    """Seconds until a rate-limit budget resets: a Unix time, seconds, or ``6m0s``/``20ms``."""
    if not raw:
        return None
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        if raw.endswith("ms"):
            try:
                return max(float(raw[:-2]) / 1000.0, 0.0)
            except ValueError:
                return None
        m = _DURATION.match(raw)
        if m is None or not any(m.groups()):
            return None
        h, mins, secs = (float(g) if g else 0.0 for g in m.groups())
        return h * 3600 + mins * 60 + secs
    if value > 1e9:  # a Unix time (AIsa)
        import time

        return max(value - time.time(), 0.0)
    return max(value, 0.0) if value < float("inf") else None


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asks to wait: ``retry-after-ms`` first, then ``retry-after``.

    ``retry-after`` may be seconds (integer or decimal) or an HTTP date. Returns None when
    absent, unparseable, negative or not finite.
    """
    raw = headers.get("retry-after-ms")
    if raw is not None:
        try:
            ms = float(raw)
        except ValueError:
            ms = -1.0
        if 0 <= ms < float("inf"):
            return ms / 1000.0
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        import time
        from email.utils import parsedate_to_datetime  # rare path: keep import time low

        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - time.time()
        return max(seconds, 0.0)
    if 0 <= seconds < float("inf"):
        return seconds
    return None


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(float(raw)) if raw is not None else None
    except ValueError:
        return None


def rate_limit_of(headers: Mapping[str, str]) -> RateLimit | None:
    """What ``x-ratelimit-*-requests`` headers say (AIsa sends them), or None without them."""
    remaining = headers.get("x-ratelimit-remaining-requests")
    if remaining is None:
        return None
    return RateLimit(
        limit=_int_or_none(headers.get("x-ratelimit-limit-requests")),
        remaining=_int_or_none(remaining),
        reset=parse_reset(headers.get("x-ratelimit-reset-requests")),
    )
