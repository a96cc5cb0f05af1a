"""The exceptions seedclient raises (how an error body becomes one: ``_wire/errors.py``).

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
    │   ├── InternalServerError     >= 500
    │   └── APIResponseValidationError  2xx, but the body is not the API's (retried like 5xx)
    ├── StreamError                 a stream broke: error event, malformed chunk, cut short
    ├── StructuredOutputError       parse(): the answer never validated against the type
    ├── ResponseTooLargeError       a body over max_response_bytes (decoded size)
    ├── InvalidLabelError           classify: the answer was no allowed label, twice
    └── ConfigurationError          no key, a bad parameter (also a ValueError)
        └── CheckpointLockedError   another process writes the same results file

Foreign exceptions (aiohttp, msgspec) never escape: they are translated where they happen
and chained with ``from``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CheckpointLockedError",
    "ConfigurationError",
    "CostLimitError",
    "InternalServerError",
    "InvalidLabelError",
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


class IncompleteStreamError(StreamError):
    """A stream reached ``[DONE]`` but no choice said why it ended (no ``finish_reason``).

    The server stopped generating early: llama.cpp's server does this to a running
    stream when another request arrives. Every chunk that came was delivered, and the
    stream's ``completion`` holds them, its choices' ``finish_reason`` left ``None``.
    Raised rather than a warning because an answer cut short and taken as whole is data
    lost without a word.
    """


class EmptyTextError(SeedError):
    """A text to classify is empty or only whitespace: its row says so, and nothing was sent
    for it (a model asked about nothing still costs a request)."""


class CostLimitError(SeedError):
    """A bulk run stopped before its cost would pass ``max_cost`` (what is done is kept).

    Attributes:
        spent: the USD spent when it stopped; ``limit``: the ``max_cost`` it was given.
    """

    def __init__(self, message: str, *, spent: float, limit: float) -> None:
        super().__init__(message)
        self.spent = spent
        self.limit = limit


class CheckpointLockedError(ConfigurationError):
    """Another process is writing the same results file (a bulk run's output)."""


class InvalidLabelError(SeedError):
    """The model answered something outside the allowed labels, twice.

    Attributes:
        answer: what it answered the second time.
    """

    def __init__(self, message: str, *, answer: str) -> None:
        super().__init__(message)
        self.answer = answer


class ResponseTooLargeError(SeedError):
    """A response body grew past the client's ``max_response_bytes`` (counted decoded, so a
    gzip bomb is cut too). Not retried: the same request would get the same body."""


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
        finish_reason: why the last answer ended; ``"length"`` means it was cut at the
            token limit (raise ``max_tokens``), and it was not asked again.
    """

    def __init__(
        self,
        message: str,
        *,
        content: str | None,
        errors: list[str],
        finish_reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.content = content
        self.errors = errors
        self.finish_reason = finish_reason


class APIStatusError(SeedError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status.
        code: the provider's error code (``RateLimitExceeded.EndpointRPMExceeded``...) or None.
        request_id: the server's request id (header, body or message text), or None.
        body: the decoded error body (a dict), or the raw text when it was not JSON.
        param: the parameter the provider blamed, if any.
        retry_after: seconds the server asked to wait, if it said.
        headers: the response's headers (rate limits, request ids, ``Retry-After``...).
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
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.body = body
        self.param = param
        self.retry_after = retry_after
        self.headers: Mapping[str, str] = headers if headers is not None else {}

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


class ContextLengthError(BadRequestError):
    """The prompt (with the room asked for the answer) is longer than the model's context.

    Whatever status the server used (400, or a 5xx on some local servers), it will not
    change on a new attempt, so it is never retried: shorten the messages or ``max_tokens``.
    """


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
#: keeping what is done (a wrong key, no permission, a model that does not exist, no quota,
#: the cost limit reached).
FATAL_ERRORS: tuple[type[SeedError], ...] = (
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    QuotaExceededError,
    CostLimitError,
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
