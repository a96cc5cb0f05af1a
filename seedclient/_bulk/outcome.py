"""What one item of a bulk run came to: a BatchResult or a Classification; errors as rows."""

from __future__ import annotations

from typing import Any

import msgspec

from .._errors import SeedError
from .._wire.chat import ChatCompletion, Usage
from .checkpoint import checkpoint_id

__all__ = ["BatchResult", "Classification", "error_row"]


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


class Classification(msgspec.Struct, kw_only=True):
    """The outcome for one text.

    Attributes:
        index: the text's position in the input (0-based).
        id: the id its row is written under: its own, else its 1-based position.
        text: the text.
        label: the label (single-label mode).
        labels: the labels (multi-label mode).
        confidence: the probability of the answer from token log-probabilities, or None
            where the provider does not return them.
        error: why it has no label, or None.
        usage: tokens this text cost (None for a duplicate answered from the first).
    """

    index: int
    id: str | None
    text: str
    label: str | None = None
    labels: list[str] | None = None
    confidence: float | None = None
    error: SeedError | None = None
    usage: Usage | None = None

    @property
    def ok(self) -> bool:
        """Whether the text got a valid label."""
        return self.error is None

    def model_dump(self) -> dict[str, Any]:
        """Plain builtins (the error as ``{type, message, ...}``), unset fields left out."""
        out: dict[str, Any] = {"index": self.index, "id": self.id, "text": self.text}
        for name in ("label", "labels", "confidence"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.error is not None:
            out["error"] = error_row(self.error)
        if self.usage is not None:
            out["usage"] = self.usage.model_dump()
        return out

    def row(self, *, include_text: bool = False, multi_label: bool = False) -> dict[str, Any]:
        """The output row: id, label(s), confidence, error (and the text when asked)."""
        out: dict[str, Any] = {"id": checkpoint_id(self.index, self.id)}
        if include_text:
            out["text"] = self.text
        if multi_label:
            out["labels"] = self.labels
        else:
            out["label"] = self.label
        out["confidence"] = None if self.confidence is None else round(self.confidence, 6)
        out["error"] = error_row(self.error) if self.error is not None else None
        return out
