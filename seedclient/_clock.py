"""Clock: the one seam through which seedclient reads time and waits.

Backoff between retries, total deadlines, pacing, rate learning and the bulk runner's pauses
all ask a [Clock][seedclient.Clock]. A client made with ``clock=`` hands it to everything it builds,
so a test can run minutes of retries and rate limits in no time (``seedclient.testing.FakeClock``)
without patching any module. Timers of the event loop (a stream's idle and first-event timeouts, the
wait for response headers) stay on the loop's own clock; they are relative waits, and the stream
reads the total deadline from here as "seconds left".
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio

__all__ = ["SYSTEM_CLOCK", "Clock"]


class Clock:
    """Monotonic seconds and sleeping: the system's by default.

    Attributes:
        monotonic: a function returning monotonic seconds.
        sleep: an async function sleeping for a number of seconds.
    """

    __slots__ = ("monotonic", "sleep")

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        # Plain attributes, not methods: reading the time costs one attribute load and a
        # C call on the hot path, as calling time.monotonic directly does.
        self.monotonic = monotonic
        self.sleep = sleep


#: The system clock, shared by every client that is not given another.
SYSTEM_CLOCK = Clock()
