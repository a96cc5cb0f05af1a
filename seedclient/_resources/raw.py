"""``with_raw_response``: a resource's methods, answering with the HTTP side of the call."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from .._call.events import TypedStream
from .._call.raw import RAW, RawRecord
from .._wire.headers import request_id_of

__all__ = ["RawResponse", "WithRawResponse"]

T = TypeVar("T")


class RawResponse(Generic[T]):
    """A call's HTTP answer, and ``parse`` for what the method returns.

    Attributes:
        status_code: the status of the answer (of the last attempt, after retries).
        headers: its headers (rate limits, request id...).
        request_id: the server's request id, from the headers.
        elapsed: seconds from the call to its answer (a stream: to its response headers).
        retries: how many retries the call took.
    """

    __slots__ = ("_value", "elapsed", "headers", "request_id", "retries", "status_code")

    def __init__(self, value: T, record: RawRecord, elapsed: float) -> None:
        self._value = value
        self.status_code = record.status
        self.headers: Mapping[str, str] = record.headers
        self.request_id = request_id_of(record.headers) if record.headers else None
        self.retries = record.retries
        self.elapsed = elapsed

    def parse(self) -> T:
        """What the method returns: the completion, the (opened) stream, the page..."""
        return self._value

    def __repr__(self) -> str:
        return f"<RawResponse {self.status_code} request_id={self.request_id!r}>"


class WithRawResponse:
    """``resource.with_raw_response.<method>(...)``: the method's call, answering with a
    [RawResponse][seedclient.RawResponse]; a stream comes back opened (its headers are in)."""

    __slots__ = ("_resource",)

    def __init__(self, resource: object) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._resource, name)
        if name.startswith("_") or not callable(method):
            raise AttributeError(name)

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
            record = RawRecord()
            token = RAW.set(record)
            started = time.perf_counter()
            try:
                value = method(*args, **kwargs)
                if isinstance(value, TypedStream):
                    value = await value.__aenter__()
                elif inspect.isawaitable(value):
                    value = await value
                else:
                    raise AttributeError(f"{name} makes no call of its own to answer for")
            finally:
                RAW.reset(token)
            return RawResponse(value, record, time.perf_counter() - started)

        return call
