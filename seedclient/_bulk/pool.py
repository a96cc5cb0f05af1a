"""The worker pool behind a batch run, and BatchRun, the handle its caller iterates."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from time import monotonic
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio

from .._errors import FATAL_ERRORS, SeedError
from .._telemetry.hooks import Hooks, ItemFinished, ItemStarted, JobFinished, JobStarted
from .stats import BatchStats

if sys.version_info < (3, 11):  # pragma: no cover - the backport anyio installs there
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from .checkpoint import Checkpoint

__all__ = ["BatchRun"]

R = TypeVar("R")
_END = object()
#: One input item as the pool sees it: its 0-based index, the caller's id (or None) and the
#: payload the work function gets.
Item = tuple[int, str | None, Any]


def _single(exc: BaseException) -> BaseException:
    """The one error inside (nested) exception groups of one error (raised by one worker,
    or the same error object by several), else ``exc`` itself."""
    while isinstance(exc, BaseExceptionGroup):
        first = exc.exceptions[0]
        if any(other is not first for other in exc.exceptions[1:]):
            break
        exc = first
    return exc


class _Pool(Generic[R]):
    """A fixed pool of workers pulling items from the input, with a bounded window.

    Skipped items take no slot of the window, and a worker that meets a quota error stops
    the pool from taking more.

    At most ``window`` items are between being read from the input and being taken by the
    caller, so memory stays flat however long the input is. The pool never refers to the
    [BatchRun][seedclient.BatchRun] handle, so dropping the handle can stop it.
    """

    def __init__(
        self,
        workers: int,
        source: Iterable[Any] | AsyncIterable[Any],
        split: Callable[[int, Any], Item],
        work: Callable[[int, str | None, Any], Awaitable[R]],
        *,
        ordered: bool,
        done: Callable[[int, str | None], bool] | None,
        window: int,
        on_skip: Callable[[], None],
    ) -> None:
        self.workers = workers
        self.source = source
        self.split = split
        self.work = work
        self.ordered = ordered
        self.done = done
        self.on_skip = on_skip
        self.slots = anyio.Semaphore(window)
        self.out_send, self.out_recv = anyio.create_memory_object_stream[R](window)
        self.stop: SeedError | None = None
        self.pending: dict[int, R | None] = {}
        self.next = 0

    async def run(self) -> None:
        source = self.source
        if isinstance(source, AsyncIterable):
            self._ait: AsyncIterator[Any] | None = source.__aiter__()
            self._lock: anyio.Lock | None = anyio.Lock()
        else:
            self._it: Iterator[Any] = iter(source)
            self._ait = None
        self._count = 0
        try:
            async with anyio.create_task_group() as tg:
                for _ in range(self.workers):
                    tg.start_soon(self._worker)
            # After a quota stop, ordered results wait behind a gap: pass them on in order.
            for index in sorted(self.pending):
                ready = self.pending.pop(index)
                if ready is not None:
                    self.out_send.send_nowait(ready)
        finally:
            self.out_send.close()

    async def _pull(self) -> Item | None:
        """The next item of the input with its index, or None at its end.

        Workers pull straight from the input: a sync iterator needs no lock (nothing
        awaits between taking an item and numbering it), an async one takes a lock.
        """
        if self._ait is None:
            raw = next(self._it, _END)
            if raw is _END:
                return None
        else:
            assert self._lock is not None
            async with self._lock:
                try:
                    raw = await self._ait.__anext__()
                except StopAsyncIteration:
                    return None
        index = self._count
        self._count += 1
        return self.split(index, raw)

    async def _worker(self) -> None:
        done = self.done
        slots = self.slots
        while self.stop is None:
            try:  # the window of items not yet taken by the caller
                slots.acquire_nowait()
            except anyio.WouldBlock:
                await slots.acquire()
            item = await self._pull()
            if item is None or self.stop is not None:
                slots.release()
                return
            index, key, payload = item
            if done is not None and done(index, key):
                slots.release()
                self.on_skip()
                if self.ordered:
                    self._deliver(index, None)
                continue
            try:
                result = await self.work(index, key, payload)
            except FATAL_ERRORS as exc:
                self.stop = self.stop or exc  # keep what is done; stop taking more
                slots.release()
                return
            self._deliver(index, result)

    def _deliver(self, index: int, result: R | None) -> None:
        """Pass a result on, in input order when ordered (a skipped item passes ``None``).

        The window of slots bounds everything in the pool, so the output buffer always has
        room: sending never waits, which keeps ordered delivery free of interleaving.
        """
        if not self.ordered:
            if result is not None:
                self.out_send.send_nowait(result)
            return
        self.pending[index] = result
        while self.next in self.pending:
            ready = self.pending.pop(self.next)
            self.next += 1
            if ready is not None:
                self.out_send.send_nowait(ready)


class BatchRun(Generic[R]):
    """The results of a run, as an async iterator; also an async context manager.

    ``async with runner.run(...) as results: async for r in results: ...`` stops the
    workers when the block ends, whatever happens. Plain ``async for`` works too; breaking
    out of it stops the workers as soon as the run object is dropped.
    """

    def __init__(
        self,
        workers: int,
        stats: BatchStats,
        source: Iterable[Any] | AsyncIterable[Any],
        split: Callable[[int, Any], Item],
        work: Callable[[int, str | None, Any], Awaitable[R]],
        *,
        ordered: bool,
        checkpoint: Checkpoint | None = None,
        hooks: Hooks | None = None,
        kind: str = "batch",
    ) -> None:
        n = workers
        self._hooks = hooks
        self._kind = kind
        self.job_id = f"{kind}-{id(self):x}"
        if hooks is not None:
            work = self._told(work, hooks)

        def skipped() -> None:
            stats.skipped += 1

        self._stats = stats
        self._pool = _Pool(
            n,
            source,
            split,
            work,
            ordered=ordered,
            done=checkpoint.met if checkpoint is not None else None,
            window=max(4 * n, 64) if ordered else max(2 * n, 32),
            on_skip=skipped,
        )
        #: The results file of the run, if any (what it found on resume, e.g. ``done``).
        self.checkpoint = checkpoint
        self._on_close = checkpoint.close if checkpoint is not None else None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def __aenter__(self) -> BatchRun[R]:
        self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> BatchRun[R]:
        return self

    async def __anext__(self) -> R:
        if self._task is None:
            self._start()
        pool = self._pool
        try:
            try:
                result = pool.out_recv.receive_nowait()
            except anyio.WouldBlock:
                result = await pool.out_recv.receive()
        except anyio.EndOfStream:
            await self._finish()
            raise StopAsyncIteration from None
        pool.slots.release()
        if self.checkpoint is not None:
            self.checkpoint.flush()  # its row is written before the result is handed over
        return result

    def _told(
        self, work: Callable[[int, str | None, Any], Awaitable[R]], hooks: Hooks
    ) -> Callable[[int, str | None, Any], Awaitable[R]]:
        """``work`` that tells the hooks when each item starts and finishes."""
        job = self.job_id

        async def told(index: int, key: str | None, payload: Any) -> R:
            hooks.emit(ItemStarted(at=monotonic(), job_id=job, index=index, id=key))
            result = await work(index, key, payload)
            ok = getattr(result, "error", None) is None
            hooks.emit(
                ItemFinished(at=monotonic(), job_id=job, index=index, id=key, ok=ok, result=result)
            )
            return result

        return told

    def _start(self) -> None:
        if self._closed:
            raise RuntimeError("this run is closed")
        if self._task is None:
            self._stats.started = self._stats.started or monotonic()
            if self._hooks is not None:  # (before the workers' task: a span set now is theirs)
                self._hooks.emit(JobStarted(at=monotonic(), job_id=self.job_id, kind=self._kind))
            self._task = asyncio.get_running_loop().create_task(self._pool.run())

    async def _finish(self) -> None:
        task, self._task = self._task, None
        self._closed = True
        try:
            if task is not None:
                try:
                    await task  # re-raises an error of the input or a worker
                except BaseException as exc:
                    raise _single(exc) from None
        finally:
            self._release()
        if self._pool.stop is not None:
            raise self._pool.stop

    async def aclose(self) -> None:
        """Stop the workers and close the checkpoint. Idempotent."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._release()

    def _release(self) -> None:
        self._pool.out_recv.close()
        self._pool.out_send.close()
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()
        hooks, self._hooks = self._hooks, None
        if hooks is not None and self._stats.started:
            stats = self._stats
            hooks.emit(
                JobFinished(
                    at=monotonic(),
                    job_id=self.job_id,
                    kind=self._kind,
                    elapsed=monotonic() - stats.started,
                    stats=dataclasses.asdict(stats),
                    error=self._pool.stop,
                )
            )

    def __del__(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
        with contextlib.suppress(Exception):
            self._release()
