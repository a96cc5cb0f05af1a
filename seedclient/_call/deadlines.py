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
    """The deadlines of the calls in flight on one loop, and one timer for all of them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._heap: list[tuple[float, int, Deadline]] = []
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._dead = 0

    def add(self, when: float, deadline: Deadline) -> None:
        heapq.heappush(self._heap, (when, next(self._seq), deadline))
        if self._timer is None or when < self._timer_at:
            self._arm(when)

    def remove(self) -> None:
        """One deadline ended before its time (it was marked not live)."""
        self._dead += 1
        heap = self._heap
        # Finished calls stay in the heap until popped; compact when they dominate.
        if self._dead > 256 and self._dead * 2 > len(heap):
            self._heap = [item for item in heap if item[2].live]
            heapq.heapify(self._heap)
            self._dead = 0
            if not self._heap and self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = self.loop.call_at(when, self._fire)

    def _fire(self) -> None:
        self._timer = None
        heap = self._heap
        now = self.loop.time()
        while heap and heap[0][0] <= now:
            _, _, deadline = heapq.heappop(heap)
            if deadline.live:
                deadline.fired = True
                deadline.live = False
                deadline.task.cancel()  # type: ignore[union-attr]
            else:
                self._dead -= 1
        if heap:
            self._arm(heap[0][0])


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watch] = weakref.WeakKeyDictionary()
_last: _Watch | None = None  # the watch of the loop used last: skips the weak lookup


class Deadline:
    """One call's deadline: ``start`` before awaiting, ``end`` in ``finally``, and
    ``timed_out`` when a ``CancelledError`` arrives (True: raise a timeout instead).

    Written out by hand rather than as an async context manager: a generator-based one
    costs several microseconds per call on the hot path. The object itself is the entry in
    its loop's heap, so a call allocates as little as possible (fewer objects for the
    garbage collector to visit, which it does often on a busy loop).
    """

    __slots__ = ("fired", "live", "task", "watch")

    def __init__(self) -> None:
        self.task: asyncio.Task[object] | None = None
        self.watch: _Watch | None = None
        self.live = False
        self.fired = False

    def start(self, seconds: float | None) -> None:
        if seconds is None or not HAS_UNCANCEL:
            return
        global _last
        loop = asyncio.get_running_loop()
        watch = _last
        if watch is None or watch.loop is not loop:
            watch = _watches.get(loop)
            if watch is None:
                watch = _watches[loop] = _Watch(loop)
            _last = watch
        task = asyncio.current_task(loop)
        assert task is not None
        self.watch = watch
        self.task = task
        self.live = True
        watch.add(loop.time() + seconds, self)

    def timed_out(self) -> bool:
        # Ours only if our timer fired and nobody else asked to cancel the task too.
        return (
            self.fired and self.task is not None and self.task.uncancel() == 0  # type: ignore[attr-defined,unused-ignore]
        )

    def end(self) -> None:
        if self.live:
            self.live = False
            if self.watch is not None:
                self.watch.remove()


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
