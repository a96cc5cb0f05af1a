"""The events a client's hooks receive: ``SeedClient(hooks=[fn])`` calls ``fn(event)``.

One call gives ``RequestSent`` and ``ResponseReceived`` per attempt, ``RetryScheduled``
between attempts, ``FirstToken`` when a stream's answer starts, then ``CallFinished`` or
``CallFailed``; all carry the call's ``call_id``. A bulk run adds ``JobStarted``,
``ItemStarted`` / ``ItemFinished`` per item, ``Throttled``, ``Paused``, ``RateLearnt`` and
``JobFinished``. A hook may be ``async def`` (started as a
task, not awaited); one that raises is logged once on the ``seedclient.hooks`` logger and the
request goes on.
"""

from ._telemetry.hooks import (
    BulkEvent,
    CallFailed,
    CallFinished,
    FirstToken,
    HookEvent,
    ItemFinished,
    ItemStarted,
    JobFinished,
    JobStarted,
    Paused,
    RateLearnt,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    Throttled,
)

__all__ = [
    "BulkEvent",
    "CallFailed",
    "CallFinished",
    "FirstToken",
    "HookEvent",
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
