"""What ``with_raw_response`` reads: the response of a call made while it listens.

A context variable, so that any method of any resource can be listened to without a flag
through every signature: the call sets the record when its answer arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar

__all__ = ["RAW", "RawRecord"]


class RawRecord:
    """The status and headers of the last answer of a call, and how many retries it took."""

    __slots__ = ("headers", "retries", "status")

    def __init__(self) -> None:
        self.status = 0
        self.headers: Mapping[str, str] = {}
        self.retries = 0

    def take(self, status: int, headers: Mapping[str, str], retries: int) -> None:
        self.status = status
        self.headers = headers
        self.retries = retries


#: The record of the call being listened to (None: nobody listens).
RAW: ContextVar[RawRecord | None] = ContextVar("seedclient_raw_response", default=None)
