"""FakeClock: time for tests, which moves only when something waits on it."""

from __future__ import annotations

import anyio.lowlevel

from .._clock import Clock

__all__ = ["FakeClock"]


class FakeClock(Clock):
    """A clock whose time moves only when code sleeps on it (or ``advance`` is called).

    Give it to a client (``SeedClient(clock=FakeClock())``): backoff between retries, the
    total deadline, and the pacing, pauses and rate learning of runners made on the client
    then take no real time, and every wait asked for is recorded. Each sleep still yields to
    the event loop once, so other tasks run as they would.

    Attributes:
        now: the clock's current time in seconds.
        sleeps: every wait asked for, in order (what a test usually asserts).
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        super().__init__(self._monotonic, self._sleep)

    def _monotonic(self) -> float:
        return self.now

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.now += seconds
        await anyio.lowlevel.checkpoint()

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` without sleeping (time passing elsewhere)."""
        self.now += seconds
