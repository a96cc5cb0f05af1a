"""The events a client's hooks receive: ``SeedClient(hooks=[fn])`` calls ``fn(event)``.

One call gives ``RequestSent`` and ``ResponseReceived`` per attempt, ``RetryScheduled``
between attempts, ``FirstToken`` when a stream's answer starts, then ``CallFinished`` or
``CallFailed``; all carry the call's ``call_id``. A hook may be ``async def`` (started as a
task, not awaited); one that raises is logged once on the ``seedclient.hooks`` logger and the
request goes on.
"""

from ._telemetry.hooks import (
    CallFailed,
    CallFinished,
    FirstToken,
    HookEvent,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
)

__all__ = [
    "CallFailed",
    "CallFinished",
    "FirstToken",
    "HookEvent",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
]
