"""Hooks: typed events of every call, for the caller's own callables.

``SeedClient(hooks=[fn, ...])``: each ``fn(event)`` is called with each event of each call,
in order, on the caller's task (so a tracing context of the caller is the hook's too). An
``async def`` hook is started as a task and not awaited: a slow hook never slows a request.
A hook that raises is logged once (``seedclient.hooks``) and the request goes on. With no
hook, the client checks one attribute per step and builds no event.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

__all__ = [
    "BulkEvent",
    "CallFailed",
    "CallFinished",
    "FirstToken",
    "HookEvent",
    "Hooks",
    "ItemFinished",
    "ItemStarted",
    "JobFinished",
    "JobStarted",
    "Paused",
    "RateLearnt",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
    "Throttled",
]

log = logging.getLogger("seedclient.hooks")


class HookEvent(msgspec.Struct, frozen=True, kw_only=True):
    """What every event carries.

    Attributes:
        call_id: the call's ``X-Client-Request-Id`` (every attempt of a call shares it).
        operation: ``chat``, ``embeddings``, ``images`` or ``models``.
        model: the model asked for (None for ``models``).
        at: the client clock's time of the event (monotonic seconds).
    """

    call_id: str
    operation: str
    model: str | None
    at: float


class RequestSent(HookEvent, frozen=True, kw_only=True):
    """An attempt was sent (``attempt`` 1 is the first; a retry's is 2 and on).

    ``body`` is the JSON body as sent (never the key: that is a header).
    """

    attempt: int
    method: str
    url: str
    stream: bool
    body: bytes | None


class ResponseReceived(HookEvent, frozen=True, kw_only=True):
    """An attempt's response headers arrived (any status)."""

    attempt: int
    status: int
    request_id: str | None
    headers: Any


class RetryScheduled(HookEvent, frozen=True, kw_only=True):
    """An attempt failed and the call will be sent again after ``delay`` seconds.

    Attributes:
        reason: the error's class name (``RateLimitError``, ``APIConnectionError``...).
        status: its HTTP status (None for a connection error).
        retry_after: the server's ``Retry-After``, if it sent one.
        request_id: the failed attempt's request id.
    """

    attempt: int
    reason: str
    status: int | None
    delay: float
    retry_after: float | None
    request_id: str | None


class FirstToken(HookEvent, frozen=True, kw_only=True):
    """A stream's first piece of an answer (content or reasoning) arrived."""

    elapsed: float


class CallFinished(HookEvent, frozen=True, kw_only=True):
    """The call succeeded: a whole answer, or a stream read to its end.

    Attributes:
        result: the answer (a ``ChatCompletion`` for chat, streamed ones assembled; the
            response object for the other operations; None if a stream's was too large).
        elapsed: seconds from the first attempt to the end.
        attempts: how many attempts were sent.
        stream: whether the answer was streamed.
        request_id: the server's request id.
    """

    result: Any
    elapsed: float
    attempts: int
    stream: bool
    request_id: str | None


class CallFailed(HookEvent, frozen=True, kw_only=True):
    """The call failed for good: ``error`` is what the caller gets."""

    error: BaseException
    elapsed: float
    attempts: int


class BulkEvent(msgspec.Struct, frozen=True, kw_only=True):
    """What every event of a bulk run (``BatchRunner``, ``Classifier``) carries.

    Attributes:
        at: the client clock's time of the event (monotonic seconds).
    """

    at: float


class JobStarted(BulkEvent, frozen=True, kw_only=True):
    """A run started: ``kind`` is ``classify`` or ``batch``; ``job_id`` names it."""

    job_id: str
    kind: str


class JobFinished(BulkEvent, frozen=True, kw_only=True):
    """A run ended (to the end, stopped, or closed early).

    Attributes:
        stats: the runner's counters then (``BatchStats`` as a dict).
        elapsed: seconds since it started.
        error: what stopped it (a fatal error), or None.
    """

    job_id: str
    kind: str
    elapsed: float
    stats: dict[str, Any]
    error: BaseException | None


class ItemStarted(BulkEvent, frozen=True, kw_only=True):
    """An item of the input was taken (``index`` 0-based; ``id`` the caller's, or None)."""

    job_id: str
    index: int
    id: str | None


class ItemFinished(BulkEvent, frozen=True, kw_only=True):
    """An item's result is ready: ``ok`` unless it carries an error."""

    job_id: str
    index: int
    id: str | None
    ok: bool
    result: Any


class Throttled(BulkEvent, frozen=True, kw_only=True):
    """A 429 rate limit was met (it is retried, under the runner's limit)."""

    retry_after: float | None
    request_id: str | None


class Paused(BulkEvent, frozen=True, kw_only=True):
    """Every request of the pool waits ``seconds`` (after a 429's ``Retry-After``)."""

    seconds: float


class RateLearnt(BulkEvent, frozen=True, kw_only=True):
    """The runner learnt the rate the server admits: ``rate`` requests per second."""

    rate: float


Hook = Callable[[Any], Any]


class Hooks:
    """The hooks of one client, called in order for each event."""

    __slots__ = ("_broken", "_tasks", "hooks")

    def __init__(self, hooks: Iterable[Hook]) -> None:
        self.hooks = tuple(hooks)
        for hook in self.hooks:
            if not callable(hook):
                raise TypeError(f"a hook must be callable, got {hook!r}")
        self._broken: set[int] = set()  # hooks whose failure was logged already
        self._tasks: set[asyncio.Task[Any]] = set()

    def emit(self, event: HookEvent | BulkEvent) -> None:
        """Call every hook with ``event``; never raises."""
        for hook in self.hooks:
            try:
                result = hook(event)
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    self._tasks.add(task)
                    task.add_done_callback(self._done(hook))
            except Exception as exc:
                self._failed(hook, exc)

    def _done(self, hook: Hook) -> Callable[[asyncio.Task[Any]], None]:
        def done(task: asyncio.Task[Any]) -> None:
            self._tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                self._failed(hook, task.exception())

        return done

    def _failed(self, hook: Hook, exc: BaseException | None) -> None:
        if id(hook) not in self._broken:
            self._broken.add(id(hook))
            log.warning("hook %r raised %r; the request goes on (logged once)", hook, exc)
