"""The bridge under the sync facade: one event loop in a daemon thread, reached through
anyio's blocking portal, and the two shapes an async API is driven through it in.

anyio's ``start_blocking_portal`` is a context manager whose thread lives inside one
``with`` block; a client lives as long as the caller keeps it, and must not keep the
interpreter from exiting, so the thread is started here (a daemon, named for us) and the
portal is anyio's own ``BlockingPortal``, run in it as anyio documents.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future
from typing import Any, Concatenate, ParamSpec, TypeVar, overload

import anyio
from anyio.from_thread import BlockingPortal

__all__ = ["Facade", "Portal", "blocking", "iterate"]

P = ParamSpec("P")
T = TypeVar("T")


class Portal:
    """An event loop in a daemon thread, and the portal into it. Stopped by ``stop``."""

    def __init__(self) -> None:
        ready: Future[BlockingPortal] = Future()

        async def serve() -> None:
            async with BlockingPortal() as portal:
                ready.set_result(portal)
                await portal.sleep_until_stopped()

        self._thread = threading.Thread(
            target=anyio.run, args=(serve,), name="seedclient-sync", daemon=True
        )
        self._thread.start()
        self.portal = ready.result()

    @overload
    def call(self, func: Callable[..., Awaitable[T]], *args: Any) -> T: ...

    @overload
    def call(self, func: Callable[..., T], *args: Any) -> T: ...

    def call(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run ``func(*args)`` on the loop and wait for its result (from any thread)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "a SyncSeedClient was called from its own event loop (a tool or hook "
                "running there): use the async client there, or run the call in a thread"
            )
        return self.portal.call(func, *args)

    def stop(self) -> None:
        """Stop the loop and wait for its thread. Idempotent; a no-op from the loop itself."""
        if not self._thread.is_alive() or threading.current_thread() is self._thread:
            return
        with contextlib.suppress(RuntimeError):  # already stopping
            self.portal.call(self.portal.stop)
        self._thread.join(10)


class Facade:
    """A sync face on one async object: ``_target``, reached through ``_portal``."""

    __slots__ = ("_portal", "_target")

    def __init__(self, portal: Portal, target: Any) -> None:
        self._portal = portal
        self._target = target


def blocking(
    method: Callable[Concatenate[Any, P], Awaitable[T]],
) -> Callable[Concatenate[Facade, P], T]:
    """The sync form of an async method: same name, signature and docstring, the result
    instead of an awaitable."""
    name = method.__name__

    @functools.wraps(method)
    def call(self: Facade, /, *args: P.args, **kwargs: P.kwargs) -> T:
        bound = getattr(self._target, name)
        result: T = self._portal.call(functools.partial(bound, *args, **kwargs))
        return result

    return call


def iterate(portal: Portal, source: AsyncIterator[T]) -> Iterator[T]:
    """An async iterator read item by item through the portal; closed when left early."""
    try:
        while True:
            try:
                item: T = portal.call(source.__anext__)
            except StopAsyncIteration:
                return
            yield item
    finally:
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            # RuntimeError: the client (and its loop) closed first; nothing is left open.
            with contextlib.suppress(RuntimeError):
                portal.call(aclose)
