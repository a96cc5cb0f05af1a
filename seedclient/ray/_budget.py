"""RateBudget: one cluster-wide budget, a PermitLedger hosted as a named Ray actor."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Mapping
from time import monotonic
from typing import Any

import ray

from .._bulk.permits import PermitLedger
from .._errors import SeedError
from ._summary import JobSummary

__all__ = ["RateBudget"]

log = logging.getLogger("seedclient")

_BudgetActor = ray.remote(num_cpus=0)(PermitLedger)


class RateBudget:
    """One rate budget for every actor of a job (or of several jobs on one account).

    Args:
        rpm: requests per ``window`` for the whole cluster (None: learnt from 429s and
            rate-limit headers).
        tpm: tokens per ``window`` for the whole cluster (estimated before each request,
            corrected after).
        window: the provider's window in seconds (60).
        name: the budget actor's name; a second ``RateBudget`` with the same name (in the
            same Ray namespace) shares it. Default: a new name.
        max_block: the most permits an actor takes at once.

    Pass it to [classify][seedclient.ray.classify] or [chat][seedclient.ray.chat] as ``budget=``;
    ``summary`` then tells what the jobs did. It implements [SharedBudget][seedclient.SharedBudget]
    inside the actors.
    """

    def __init__(
        self,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        window: float = 60.0,
        name: str | None = None,
        max_block: int = 64,
    ) -> None:
        for label, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and (isinstance(value, bool) or value < 1):
                raise ValueError(f"{label} must be a positive integer or None, got {value!r}")
        if window <= 0:
            raise ValueError(f"window must be positive, got {window!r}")
        self.name = name or f"seedclient-budget-{uuid.uuid4().hex[:12]}"
        self.max_block = max(1, max_block if rpm is None else min(max_block, rpm // 20))
        options = {"name": self.name, "get_if_exists": True}
        self._actor: Any = _BudgetActor.options(**options).remote(rpm, tpm, window)
        self._local()

    def _local(self) -> None:
        """The state of the budget inside one process (not pickled)."""
        self._left = 0
        self._block = -1
        self._expires = 0.0
        self._not_before = 0.0
        self._waiting = 0
        self._fetching: asyncio.Future[None] | None = None
        self._stopped: SeedError | None = None
        self._pending: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "max_block": self.max_block, "_actor": self._actor}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local()

    def __repr__(self) -> str:
        return f"RateBudget(name={self.name!r})"

    def summary(self) -> JobSummary:
        """The totals reported so far by every actor (call it after the dataset is consumed)."""
        return JobSummary(ray.get(self._actor.summary.remote()))

    # -------------------------------------------------------------- SharedBudget, in an actor

    async def acquire(self, tokens: int) -> None:
        """Wait for a permit for one request (see [SharedBudget][seedclient.SharedBudget])."""
        while True:
            if self._stopped is not None:
                raise self._stopped
            now = monotonic()
            if self._left > 0 and now < self._expires:
                self._left -= 1
                return
            self._waiting += 1
            try:
                if self._fetching is None:
                    self._fetching = asyncio.ensure_future(self._fetch(tokens))
                await asyncio.shield(self._fetching)
            finally:
                self._waiting -= 1

    async def _fetch(self, tokens: int) -> None:
        try:
            wait = self._not_before - monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if self._left > 0:  # expired unused: give them back
                self._pending.setdefault("unused", []).append((self._block, self._left))
                self._left = 0
            report, self._pending = self._pending, {}
            want = min(max(self._waiting, 1), self.max_block)
            # A block's life counts from the ask, not the answer: the budget actor issued it
            # after the ask, however slow the answer was to come back.
            asked = monotonic()
            block, granted, ttl, wait, stopped = await self._actor.take.remote(
                want, tokens, report, os.getpid()
            )
            if stopped is not None:
                self._stopped = stopped
            elif granted:
                self._block, self._left, self._expires = block, granted, asked + ttl
            else:
                self._not_before = monotonic() + wait
        finally:
            self._fetching = None

    def _note(self, key: str, value: Any) -> None:
        self._pending.setdefault(key, []).append(value)

    def on_success(self, tokens_delta: int) -> None:
        pending = self._pending
        pending["successes"] = pending.get("successes", 0) + 1
        pending["token_delta"] = pending.get("token_delta", 0) + tokens_delta

    def on_throttle(self, retry_after: float | None) -> None:
        self._note("throttles", retry_after)
        self.flush()  # every actor must pause now, not at its next block

    def on_exhausted(self, reset: float, limit: int | None) -> None:
        self._note("exhausted", (reset, limit))
        self.flush()

    def on_fatal(self, error: SeedError) -> None:
        self._pending["fatal"] = error
        self._stopped = error
        self.flush()

    def add_totals(self, totals: Mapping[str, Any]) -> None:
        """Count a finished batch's rows, errors and tokens into the job's summary."""
        self._pending["totals"] = dict(totals)

    def flush(self) -> Any:
        """Send what was seen now (returns the call's ObjectRef; awaitable in an actor)."""
        report, self._pending = self._pending, {}
        return self._actor.report.remote(report)
