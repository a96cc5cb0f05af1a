"""What one item of a bulk run came to: a BatchResult, and errors as JSON-able rows."""

from __future__ import annotations

from typing import Any

import msgspec

from .._errors import SeedError
from .._wire.chat import ChatCompletion

__all__ = ["BatchResult", "error_row"]


class BatchResult(msgspec.Struct, kw_only=True):
    """The outcome of one request of a batch: a completion or an error, never both.

    Attributes:
        index: the request's position in the input (0-based).
        id: the request's ``id``, if it had one.
        completion: the answer, when it succeeded.
        error: the final error, when it failed after its retries.
        attempts: how many times it was sent.
        latency: seconds from its first attempt to its outcome.
    """

    index: int
    id: str | None
    completion: ChatCompletion | None = None
    error: SeedError | None = None
    attempts: int = 0
    latency: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.error is None

    def model_dump(self) -> dict[str, Any]:
        """Plain builtins: the completion dumped, the error as ``{type, message, ...}``."""
        out: dict[str, Any] = {"index": self.index, "id": self.id}
        if self.completion is not None:
            out["completion"] = self.completion.model_dump()
        if self.error is not None:
            out["error"] = error_row(self.error)
        out.update(attempts=self.attempts, latency=self.latency)
        return out


def error_row(error: BaseException) -> dict[str, Any]:
    """An error as a small JSON-able dict: type, message, and status/code when known."""
    row: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    for attr in ("status_code", "code", "request_id"):
        value = getattr(error, attr, None)
        if value is not None:
            row[attr] = value
    return row
