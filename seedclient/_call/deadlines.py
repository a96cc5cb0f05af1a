"""Total deadlines for many calls with one timer per event loop.

A timer per request costs more CPU than the rest of the SDK's per-request work (measured:
aiohttp's total timeout ~30k instructions a request, a bare ``loop.call_at`` ~17k,
``asyncio.timeout`` ~34k). Here every call in flight pushes its deadline on one heap and a
single timer sleeps until the earliest one. When a deadline passes, the call's task is
cancelled and the call turns that cancellation into [APITimeoutError][seedclient.APITimeoutError],
the way ``asyncio.timeout`` does (``Task.uncancel``, Python 3.11+). Where ``uncancel`` is missing
(3.10), ``timer_deadline`` uses ``anyio.fail_after`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import sys
import weakref
from collections.abc import AsyncIterator

import anyio

from .._errors import APITimeoutError

__all__ = ["HAS_UNCANCEL", "Deadline", "timer_deadline"]

HAS_UNCANCEL = sys.version_info >= (3, 11)


class _Watch:
    """The deadlines of the calls in flight on one loop, and one timer for all of them.

    A ``Deadline`` pushes itself on ``heap`` and counts itself ``dead`` when it ends early.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.heap: list[tuple[float, int, Deadline]] = []
        self.seq = itertools.count()
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        self.dead = 0

    def compact(self) -> None:
        """Finished calls stay in the heap until popped; drop them when they dominate."""
        if self.dead * 2 <= len(self.heap):
            return
        self.heap = [item for item in self.heap if item[2].live]
        heapq.heapify(self.heap)
        self.dead = 0
        if not self.heap and self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def arm(self, when: float) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer_at = when
        self.timer = self.loop.call_at(when, self._fire)

    def _fire(self) -> None:
        self.timer = None
        heap = self.heap
        now = self.loop.time()
        while heap and heap[0][0] <= now:
            _, _, deadline = heapq.heappop(heap)
            if deadline.live:
                deadline.fired = True
                deadline.live = False
                deadline.task.cancel()  # type: ignore[union-attr]
            else:
                self.dead -= 1
        if heap:
            self.arm(heap[0][0])


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watch] = weakref.WeakKeyDictionary()
_last: _Watch | None = None  # the watch of the loop used last: skips the weak lookup


class Deadline:
    """One call's deadline, started when made: ``end`` it in ``finally``, and ask
    ``timed_out`` when a ``CancelledError`` arrives (True: raise a timeout instead).

    Written out by hand rather than as an async context manager: a generator-based one
    costs several microseconds per call on the hot path. The object itself is the entry in
    its loop's heap, so a call allocates as little as possible (fewer objects for the
    garbage collector to visit, which it does often on a busy loop); making and ending it
    are one Python call each.
    """

    __slots__ = ("fired", "live", "task", "watch")

    def __init__(self, seconds: float | None) -> None:
        self.fired = False
        if seconds is None or not HAS_UNCANCEL:
            self.live = False
            self.task = self.watch = None
            return
        global _last
        loop = asyncio.get_running_loop()
        watch = _last
        if watch is None or watch.loop is not loop:
            watch = _watches.get(loop)
            if watch is None:
                watch = _watches[loop] = _Watch(loop)
            _last = watch
        self.task = asyncio.current_task(loop)
        self.watch = watch
        self.live = True
        when = loop.time() + seconds
        heapq.heappush(watch.heap, (when, next(watch.seq), self))
        if watch.timer is None or when < watch.timer_at:
            watch.arm(when)

    def timed_out(self) -> bool:
        # Ours only if our timer fired and nobody else asked to cancel the task too.
        return (
            self.fired and self.task is not None and self.task.uncancel() == 0  # type: ignore[attr-defined,unused-ignore]
        )

    def end(self) -> None:
        if self.live:
            self.live = False
            watch = self.watch
            assert watch is not None
            watch.dead += 1
            if watch.dead > 256:
                watch.compact()


@contextlib.asynccontextmanager
async def timer_deadline(seconds: float | None, what: str) -> AsyncIterator[None]:
    """A timer per call, through anyio: for calls rare enough that the cost does not matter
    (opening a stream), and for every call on Python 3.10, which has no ``Task.uncancel``."""
    if seconds is None:
        yield
        return
    try:
        with anyio.fail_after(seconds):
            yield
    except TimeoutError as exc:
        raise APITimeoutError(what) from exc
