"""BatchRunner: many chat requests through a fixed pool of workers, paced, retried, resumable."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar

import anyio

from .._client import SeedClient
from .._config import BATCH_CONCURRENCY, BATCH_TIMEOUT, check_int
from .._errors import (
    FATAL_ERRORS,
    ConfigurationError,
    RateLimitError,
    SeedError,
)
from .._prices import Price
from .._telemetry.hooks import Paused, RateLearnt, Throttled
from .._wire.chat import ChatCompletion
from .checkpoint import Checkpoint, checkpoint_id
from .cost import CostGuard
from .estimate import request_tokens
from .outcome import BatchResult, error_row
from .pacing import AdaptiveLimit, Pacer, SharedBudget
from .pool import BatchRun, Item
from .stats import BatchStats

__all__ = ["BatchResult", "BatchRunner", "BatchStats"]

log = logging.getLogger("seedclient.bulk")

_NO_LIMIT = contextlib.nullcontext()

R = TypeVar("R")


class BatchRunner:
    """Runs many chat requests with bounded concurrency, rate limits and retries.

    Args:
        client: the client to send with (its retry policy decides what is retryable).
        concurrency: the most requests in flight; also the number of workers.
        rpm: requests per ``rate_window`` the runner never exceeds.
        tpm: tokens per ``rate_window``: estimated before each call, corrected after.
        adaptive: lower the in-flight limit on rate limits and climb back (AIMD); with
            False the pool stays at ``concurrency``.
        rate_limit_retries: how often one request may be retried after 429 rate limits
            (these do not use up the client's ``max_retries``).
        rate_window: the window of ``rpm`` and ``tpm`` in seconds (60; shorter in tests).
        endpoint: ``"chat"`` (online inference) or ``"batch"``: Ark's Batch Chat
            (``/batch/chat/completions``, half price; ``model`` an ``ep-bi-...`` endpoint),
            sent with a 24-hour deadline per request and, by default, 2,000 in flight.
        budget: a rate budget shared with other processes (a
            [SharedBudget][seedclient.SharedBudget], such as the cluster budget of
            ``seedclient.ray``): it then owns the rate limits, the pauses after a 429 and the rate
            learning, in place of ``rpm``, ``tpm`` and ``adaptive``.
        price: what every answer's tokens cost (a [Price][seedclient.Price]); default: the
            catalogue's price of the answer's model on the client's provider, where known.
        max_cost: USD the run may spend: it stops with [CostLimitError][seedclient.CostLimitError]
            (what is done kept) before a request could take the cost past it, counting
            what is in flight at the mean cost of an answer so far (needs a price).

    ``runner.run(requests)`` yields a [BatchResult][seedclient.BatchResult] per request; one failure
    never aborts the run, and a quota error stops it cleanly, keeping what is done.
    """

    def __init__(
        self,
        client: SeedClient,
        *,
        concurrency: int | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        adaptive: bool = True,
        rate_limit_retries: int = 20,
        rate_window: float = 60.0,
        endpoint: Literal["chat", "batch"] = "chat",
        budget: SharedBudget | None = None,
        price: Price | None = None,
        max_cost: float | None = None,
    ) -> None:
        if budget is not None and (rpm is not None or tpm is not None):
            raise ConfigurationError("pass rpm and tpm to the shared budget, not to the runner")
        if endpoint not in ("chat", "batch"):
            raise ConfigurationError(f"endpoint must be 'chat' or 'batch', got {endpoint!r}")
        if concurrency is None:
            concurrency = BATCH_CONCURRENCY if endpoint == "batch" else 64
        check_int("concurrency", concurrency, 1)
        check_int("rpm", rpm, 1, optional=True)
        check_int("tpm", tpm, 1, optional=True)
        if max_cost is not None and not max_cost > 0:
            raise ConfigurationError(f"max_cost must be a positive number of USD, got {max_cost!r}")
        self.client = client
        self.price = price
        self.max_cost = max_cost
        self._cost = CostGuard(client.requester.provider, price, max_cost, endpoint == "batch")
        self._hooks = client.requester.hooks
        self._rate: float | None = None  # the learnt rate last told to the hooks
        self.endpoint = endpoint
        if endpoint == "batch":
            # Batch Chat queues requests: answers may take many minutes (the docs say > 30).
            self._send = client.with_options(max_retries=0, timeout=BATCH_TIMEOUT)
            self._create = self._send.chat.completions.create_batch
        else:
            self._send = client.with_options(max_retries=0)
            self._create = self._send.chat.completions.create
        self._policy = client.retry_policy
        self.concurrency = concurrency
        self._clock = clock = client.requester.clock
        self.limit = AdaptiveLimit(concurrency, adaptive=adaptive and budget is None, clock=clock)
        self._budget = budget
        self._rpm = Pacer(rpm, rate_window, clock) if rpm else None
        self._tpm = Pacer(tpm, rate_window, clock) if tpm else None
        self._rate_limit_retries = rate_limit_retries
        self._resume_at = 0.0
        # The first request goes alone: a wrong key or model costs one request, not one per
        # worker. A fatal error then answers every later attempt without sending it.
        self._probe: anyio.Event | None = None
        self._fatal: SeedError | None = None
        self.stats = BatchStats(concurrency=concurrency)

    # ------------------------------------------------------------------ one request

    @property
    def paused_for(self) -> float:
        """Seconds until the pause after a rate limit ends (0.0: not paused)."""
        return max(0.0, self._resume_at - self._clock.monotonic())

    async def _pause(self) -> None:
        wait = self._resume_at - self._clock.monotonic()
        if wait > 0:
            await self._clock.sleep(wait)

    @staticmethod
    def _estimate(params: Mapping[str, Any]) -> int:
        prompt, out = request_tokens(params)
        return prompt + out

    async def complete(self, params: Mapping[str, Any]) -> tuple[ChatCompletion, int]:
        """Send one chat request under the runner's limits; return it and the attempts made.

        Raises the final error when retries are spent (or at once when not retryable).
        """
        done, error, attempts = await self.attempt(params)
        if error is not None:
            raise error
        assert done is not None
        return done, attempts

    async def attempt(
        self,
        params: Mapping[str, Any],
        send: Callable[..., Awaitable[ChatCompletion]] | None = None,
    ) -> tuple[ChatCompletion | None, SeedError | None, int]:
        """Every try of one chat request under the runner's limits, never raising.

        Returns the completion or the final error, and the number of attempts made. For
        layers built on the runner (the Classifier); ``complete`` raises instead. ``send``
        replaces the chat call (a cached Responses prefix, say), answering as it would.
        """
        estimate = (
            self._estimate(params) if self._tpm is not None or self._budget is not None else 0
        )
        probe = self._probe
        if probe is None:
            probe = self._probe = anyio.Event()
            try:
                return await self._attempt_loop(params, estimate, send)
            finally:
                probe.set()
        if not probe.is_set():  # (waiting on a set event would still cost a loop turn)
            await probe.wait()
        return await self._attempt_loop(params, estimate, send)

    async def _attempt_loop(
        self,
        params: Mapping[str, Any],
        estimate: int,
        send: Callable[..., Awaitable[ChatCompletion]] | None,
    ) -> tuple[ChatCompletion | None, SeedError | None, int]:
        stats = self.stats
        attempts = throttles = retries = 0
        limit = self.limit
        while True:
            if self._fatal is not None:
                return None, self._fatal, attempts
            if self._resume_at > self._clock.monotonic():
                await self._pause()
            if self._rpm is not None:
                await self._rpm.acquire()
            if self._tpm is not None:
                await self._tpm.acquire(estimate)
            if self.max_cost is not None:
                over = self._cost.check(stats, params)
                if over is not None:
                    self._fatal = over
                    return None, over, attempts
            budget = self._budget
            if budget is not None:
                try:
                    await budget.acquire(estimate)
                except SeedError as stopped:  # another process met a fatal error
                    self._fatal = stopped
                    return None, stopped, attempts
            # The pool itself bounds in-flight requests at `concurrency`; the limiter only
            # matters once the adaptive limit is below that.
            async with limit.limiter if limit.current < self.concurrency else _NO_LIMIT:
                if self._resume_at > self._clock.monotonic():
                    await self._pause()  # a throttle paused the pool while we queued
                if limit.rate is not None:
                    await limit.pace()
                attempts += 1
                stats.in_flight += 1
                if stats.in_flight > stats.max_in_flight:
                    stats.max_in_flight = stats.in_flight
                try:
                    done = await (send or self._create)(**params)
                except ConfigurationError:
                    raise  # a mistake in the requests themselves: no item would pass
                except SeedError as exc:
                    error: SeedError = exc
                else:
                    self.limit.on_success()
                    stats.concurrency = self.limit.current
                    stats.count_usage(
                        done, self._cost.price_of(done.model), self.endpoint == "batch"
                    )
                    window = done.rate_limit
                    budget_full: tuple[float, int | None] | None = None
                    if (
                        window is not None
                        and window.remaining is not None
                        and window.reset
                        and window.remaining <= stats.in_flight
                    ):
                        # The server's own word that its window is (about to be) full:
                        # what is in flight takes the rest; wait for it to free, no 429.
                        budget_full = (window.reset, window.limit)
                        self.limit.exhausted(window.reset, window.limit)
                        if self.limit.adaptive:
                            self._resume_at = max(
                                self._resume_at, self._clock.monotonic() + window.reset
                            )
                    if self._tpm is not None and done.usage is not None:
                        self._tpm.adjust(done.usage.total_tokens - estimate)
                    if budget is not None:
                        used = done.usage.total_tokens if done.usage is not None else estimate
                        budget.on_success(used - estimate)
                        if budget_full:
                            budget.on_exhausted(budget_full[0], budget_full[1])
                    return done, None, attempts
                finally:
                    stats.in_flight -= 1
            if isinstance(error, RateLimitError) and throttles < self._rate_limit_retries:
                throttles += 1
                stats.throttled += 1
                self.limit.on_throttle(error.retry_after)
                stats.concurrency = self.limit.current
                hooks = self._hooks
                if hooks is not None:
                    now = self._clock.monotonic()
                    hooks.emit(
                        Throttled(
                            at=now, retry_after=error.retry_after, request_id=error.request_id
                        )
                    )
                    if self.limit.rate is not None and self.limit.rate != self._rate:
                        self._rate = self.limit.rate
                        hooks.emit(RateLearnt(at=now, rate=self.limit.rate))
                wait = error.retry_after
                if wait is None or wait > self._policy.max_retry_after:
                    wait = max(self._policy.backoff(throttles - 1), 0.05)
                if budget is not None or self.limit.adaptive:
                    if budget is not None:
                        budget.on_throttle(error.retry_after)  # pauses every process
                    # One Retry-After pauses the whole pool, not just this request.
                    if self._resume_at <= self._clock.monotonic():
                        log.info(
                            "rate limited (request id %s): every request waits %.2fs",
                            error.request_id,
                            wait,
                        )
                        if self._hooks is not None:
                            self._hooks.emit(Paused(at=self._clock.monotonic(), seconds=wait))
                    self._resume_at = max(self._resume_at, self._clock.monotonic() + wait)
                else:
                    await self._clock.sleep(wait)
                continue
            if isinstance(error, FATAL_ERRORS):
                self._fatal = error
                if budget is not None:
                    budget.on_fatal(error)
                return None, error, attempts
            retryable = self._policy.is_retryable(error)
            delay = self._policy.delay(error, retries, None) if retryable else None
            if delay is None:
                return None, error, attempts
            retries += 1
            stats.retried += 1
            stats.retrying += 1
            try:
                await self._clock.sleep(delay)
            finally:
                stats.retrying -= 1

    # ------------------------------------------------------------------ many requests

    def run(
        self,
        requests: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
        *,
        ordered: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
    ) -> BatchRun[BatchResult]:
        """Run chat requests (dicts of ``create()`` parameters, each with an optional ``id``).

        Yields [BatchResult][seedclient.BatchResult] as requests finish (``ordered=True``: in input
        order, with bounded buffering). With ``checkpoint``, each result is appended to that JSONL
        file as it finishes, and requests whose id is already there are skipped: rerun after a crash
        and every request is in the file exactly once (requests without an ``id`` are keyed by their
        1-based position).
        """
        ckpt = Checkpoint(checkpoint) if checkpoint is not None else None

        async def work(index: int, key: str | None, params: Mapping[str, Any]) -> BatchResult:
            started = self._clock.monotonic()
            done, error, attempts = await self.attempt(params)
            latency = self._clock.monotonic() - started
            if isinstance(error, FATAL_ERRORS):
                raise error
            if error is not None:
                self.stats.failed += 1
            else:
                self.stats.done += 1
            result = BatchResult(
                index=index,
                id=key,
                completion=done,
                error=error,
                attempts=attempts,
                latency=latency,
            )
            if ckpt is not None:
                ckpt.append(
                    {
                        "index": index,
                        "id": checkpoint_id(index, key),
                        "completion": result.completion,
                        "error": error_row(result.error) if result.error else None,
                        "attempts": result.attempts,
                        "latency": round(result.latency, 6),
                    }
                )
            return result

        def split(index: int, request: Mapping[str, Any]) -> Item:
            if not isinstance(request, Mapping):
                raise ConfigurationError(
                    f"request {index} is not a dict of parameters: {request!r}"
                )
            params = dict(request)
            key = params.pop("id", None)
            return index, None if key is None else str(key), params

        return BatchRun(
            self.concurrency,
            self.stats,
            requests,
            split,
            work,
            ordered=ordered,
            checkpoint=ckpt,
            hooks=self._hooks,
            kind="batch",
        )
