"""The exceptions seedclient raises, and how an error response becomes one.

The tree::

    SeedError
    ├── APIConnectionError          the request did not get an HTTP answer
    │   └── APITimeoutError         ... because a timeout or the deadline ran out
    ├── APIStatusError              the server answered with an error status
    │   ├── BadRequestError         400, 422
    │   ├── AuthenticationError     401
    │   ├── PermissionDeniedError   403 (on AI/ML API also: out of credits)
    │   ├── NotFoundError           404
    │   ├── RateLimitError          429 that clears with time (RPM, TPM, overload)
    │   ├── QuotaExceededError      429 that does not (quota used up, service paused)
    │   └── InternalServerError     >= 500
    │   └── APIResponseValidationError  2xx, but the body is not the API's (retried like 5xx)
    ├── StreamError                 a stream broke: error event, malformed chunk, cut short
    ├── StructuredOutputError       parse(): the answer never validated against the type
    ├── ResponseTooLargeError       a body over max_response_bytes (decoded size)
    └── ConfigurationError          no key, a bad parameter (also a ValueError)

Foreign exceptions (aiohttp, msgspec) never escape: they are translated where they happen
and chained with ``from``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "SeedError",
    "StreamError",
    "ResponseTooLargeError",
    "StructuredOutputError",
    "UnsupportedParameterWarning",
]

#: 429 codes that mean "not within seconds": retrying only burns requests.
QUOTA_CODES = frozenset({"QuotaExceeded", "AccountQuotaExceeded", "SetLimitExceeded"})

_REQUEST_ID_IN_TEXT = re.compile(r"Request id:\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)


class SeedError(Exception):
    """Base class of every error seedclient raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled whole, whatever the subclass's __init__ takes: errors cross processes
        # (multiprocessing, Ray) with their status, code and request id.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[SeedError], args: tuple[Any, ...], state: dict[str, Any]) -> SeedError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class APIConnectionError(SeedError):
    """No HTTP answer: connection refused or reset, DNS failure, TLS failure."""


class APITimeoutError(APIConnectionError):
    """A timeout (connect, read, first event, idle) or the total deadline ran out."""


class ConfigurationError(SeedError, ValueError):
    """The client or a call is set up wrongly: no key, unknown provider, bad parameter."""


class StreamError(SeedError):
    """A stream could not be read to its end.

    Attributes:
        chunks: how many chunks reached the caller before the failure.
        data: the offending event data, for a malformed chunk.
    """

    def __init__(self, message: str, *, chunks: int = 0, data: str | None = None) -> None:
        super().__init__(message)
        self.chunks = chunks
        self.data = data


class ResponseTooLargeError(SeedError):
    """A response body grew past the client's ``max_response_bytes`` (counted decoded, so a
    gzip bomb is cut too). Not retried: the same request would get the same body."""


#: The largest response body read by default (a client option: ``max_response_bytes``).
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: Error bodies are read up to this much, then cut: they are for messages, not payloads.
MAX_ERROR_BODY_BYTES = 64 * 1024


def too_large(limit: int) -> ResponseTooLargeError:
    """The error for a body past ``limit`` bytes."""
    return ResponseTooLargeError(
        f"the response body is larger than {limit:,} bytes (max_response_bytes); raise "
        "SeedClient(max_response_bytes=...) if you expect such answers"
    )


class StructuredOutputError(SeedError):
    """The model's answer did not validate against the requested type, even when asked again.

    Attributes:
        content: the raw content of the last answer.
        errors: the validation error of each attempt, in order.
    """

    def __init__(self, message: str, *, content: str | None, errors: list[str]) -> None:
        super().__init__(message)
        self.content = content
        self.errors = errors


class APIStatusError(SeedError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status.
        code: the provider's error code (``RateLimitExceeded.EndpointRPMExceeded``...) or None.
        request_id: the server's request id (header, body or message text), or None.
        body: the decoded error body (a dict), or the raw text when it was not JSON.
        param: the parameter the provider blamed, if any.
        retry_after: seconds the server asked to wait, if it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        param: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.body = body
        self.param = param
        self.retry_after = retry_after

    def __str__(self) -> str:
        head = f"{self.status_code}"
        if self.code:
            head += f" {self.code}"
        text = f"{head}: {self.message}"
        if self.request_id and self.request_id not in self.message:
            text += f" (request id: {self.request_id})"
        return text


class APIResponseValidationError(APIStatusError):
    """A success status whose body is not what the API sends: not JSON, HTML from a proxy,
    the wrong shape, or a JSON completion where an event stream was asked for.

    ``body`` holds the first 512 bytes as text. Retried like a 5xx (a proxy's hiccup), except
    on a stream request, where it is raised at once (a completion may have been billed).
    """


class BadRequestError(APIStatusError):
    """400 or 422: the provider rejected the request's content."""


class AuthenticationError(APIStatusError):
    """401: the key is missing, wrong or for another region."""


class PermissionDeniedError(APIStatusError):
    """403: the account may not do this (overdue, service not open, out of credits)."""


class NotFoundError(APIStatusError):
    """404: unknown model or endpoint, or a model not activated for the account."""


class RateLimitError(APIStatusError):
    """429 that clears with time: RPM/TPM limits, burst protection, in-flight limits."""


class QuotaExceededError(APIStatusError):
    """429 that does not clear within seconds: quota used up or service paused. Not retried."""


class InternalServerError(APIStatusError):
    """A 5xx answer."""


#: Errors that no retry and no other item will get past: a bulk run stops at the first one,
#: keeping what is done (a wrong key, no permission, a model that does not exist, no quota).
FATAL_ERRORS: tuple[type[APIStatusError], ...] = (
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    QuotaExceededError,
)


class UnsupportedParameterWarning(UserWarning):
    """A parameter the chosen provider would reject was not sent (or was adjusted)."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: BadRequestError,
    429: RateLimitError,
}


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


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


def status_error(status: int, body: bytes, headers: Mapping[str, str]) -> APIStatusError:
    """Turn an error response into the matching :class:`APIStatusError`.

    Understands both envelopes: Ark/AIsa ``{"error": {code, message, param, type,
    request_id}}`` and AI/ML API's top-level ``{message, statusCode, requestId}``.
    """
    parsed: Any
    try:
        parsed = msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        parsed = body.decode("utf-8", "replace")[:2000] if body else None
    return _error_from(status, parsed, headers)


def _error_from(
    status: int, parsed: dict[str, Any] | str | None, headers: Mapping[str, str]
) -> APIStatusError:
    """The error for a decoded error body (a dict), or its text when it was not JSON."""
    message = ""
    code = param = request_id = None
    if isinstance(parsed, dict):
        inner = parsed.get("error")
        if isinstance(inner, dict):
            message = str(inner.get("message") or "")
            code = _str_or_none(inner.get("code"))
            param = _str_or_none(inner.get("param"))
            request_id = _str_or_none(inner.get("request_id"))
            if code is None:
                code = _str_or_none(inner.get("type"))
        elif isinstance(inner, str):
            message = inner
        else:
            message = str(parsed.get("message") or "")
            code = _str_or_none(parsed.get("code"))
            request_id = _str_or_none(parsed.get("requestId") or parsed.get("request_id"))
    else:
        message = parsed or ""
    if request_id is None:
        request_id = request_id_of(headers)
    if request_id is None and message:
        m = _REQUEST_ID_IN_TEXT.search(message)
        request_id = m.group(1) if m else None
    if code is None:
        code = headers.get("x-error-code")
    if not message:
        message = f"HTTP {status}"
    cls: type[APIStatusError]
    if status == 429 and code in QUOTA_CODES:
        cls = QuotaExceededError
    elif status >= 500:
        cls = InternalServerError
    else:
        cls = _BY_STATUS.get(status, APIStatusError)
    return cls(
        message,
        status_code=status,
        code=code,
        request_id=request_id,
        body=parsed,
        param=param,
        retry_after=parse_retry_after(headers),
    )


def stream_error_event(payload: Any, request_id: str | None) -> APIStatusError:
    """An error that arrived inside a stream (``data: {"error": ...}`` or ``event: error``).

    Mapped to the class of its HTTP status when the payload carries one (``status_code``,
    ``status``, ``statusCode``, or a numeric ``code`` string as litellm's proxy sends), else
    to the class its code implies: 429 for rate-limit codes, 500 otherwise.
    """
    inner = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(inner, dict):
        inner = payload if isinstance(payload, dict) else {"message": str(payload)}
    code = _str_or_none(inner.get("code"))
    status = inner.get("status_code") or inner.get("statusCode") or inner.get("status")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) and code is not None and code.isdigit():
        status = int(code)  # litellm's proxy: {"error": {"code": "429", ...}}
    if not isinstance(status, int) or not 400 <= status < 600:
        if code is not None and (
            code in QUOTA_CODES
            or "RateLimit" in code
            or code
            in (
                "ServerOverloaded",
                "RequestBurstTooFast",
                "InflightBatchsizeExceeded",
            )
        ):
            status = 429
        else:
            status = 500
    headers = {"x-request-id": request_id} if request_id else {}
    return _error_from(status, payload if isinstance(payload, dict) else {"error": inner}, headers)
