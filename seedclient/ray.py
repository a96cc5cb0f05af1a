"""Bulk classification and chat on Ray Data, with one rate budget for the whole cluster.

Install the extra (``pip install -e ".[ray]"``), then::

    import ray
    import seedclient.ray

    ds = ray.data.read_parquet("reviews.parquet")
    budget = seedclient.ray.RateBudget(rpm=30_000)
    out = seedclient.ray.classify(ds, labels=["positive", "negative"], id_column="id",
                                  budget=budget, num_actors=4)
    out.write_parquet("labelled/")
    print(budget.summary())

Ray's engine moves the data; the rate and failure semantics are seedclient's. Each actor of
the pool holds one :class:`~seedclient.SeedClient` and runs a
:class:`~seedclient.Classifier` over its batch with many requests in flight. Every actor
takes permits from one named budget actor, in small blocks, so that the sum over the
cluster stays within the account's RPM and TPM; a 429 seen by one actor pauses all of them,
and the budget learns the server's rate from 429s and rate-limit headers when no limit is
given. A row that fails after retries comes out with its ``error``; a fatal error
(authentication, quota, permission) stops the job. Pass the previous output as
``previous=`` to skip the ids labelled already.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from time import monotonic
from typing import Any

try:
    import numpy as np
    import ray
    import ray.data
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError(
        'seedclient.ray needs Ray Data: pip install "seedclient[ray]" (or "ray[data]")'
    ) from exc

from ._batch import BatchRunner, error_row
from ._classify import Classifier
from ._client import SeedClient
from ._errors import SeedError
from ._pacing import AdaptiveLimit

__all__ = ["JobSummary", "RateBudget", "chat", "classify", "row_id"]

log = logging.getLogger("seedclient")

_TOKENS = ("prompt_tokens", "completion_tokens", "total_tokens")
#: What the summary sums: rows and errors counted per batch, the rest from the runner's stats.
_SUMMED = ("rows", "errors", "skipped", "retried", "throttled", *_TOKENS)
_STATS = ("retried", "throttled", "prompt_tokens", "completion_tokens")


def row_id(text: str) -> str:
    """The stable id of a row without an id column: a hash of its text (16 hex digits).

    Identical texts share it, and a rerun on the same input gives the same ids.
    """
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class JobSummary(dict[str, Any]):
    """What a job did, summed over every actor: ``rows``, ``errors``, ``skipped`` (done
    before), ``retried``, ``throttled`` (429s), the token counts, ``cost_usd`` (None when
    the provider reports no cost), ``stopped`` (the fatal error, if one stopped the job) and
    ``learnt_rate`` (requests a second, when the budget learnt one) and ``actors`` (the
    processes that took permits). A dict, with the keys as attributes too.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


# ---------------------------------------------------------------------------- the budget actor


class _Budget:
    """The cluster's budget (runs as one Ray actor; its methods run one at a time).

    Permits are handed out in blocks that expire ``ttl`` seconds after they are received,
    unused ones given back. A block counts from the moment it is issued for ``window +
    ttl + margin`` seconds, so however late in its life a permit is used, no window of the
    server's can hold more than the limit.
    """

    def __init__(self, rpm: int | None, tpm: int | None, window: float) -> None:
        self.rpm, self.tpm, self.window = rpm, tpm, window
        # Short-lived blocks: a pause after a 429 reaches every actor within ttl seconds.
        self.ttl = min(max(window / 40, 0.05), 0.5)
        self.span = window + 2 * self.ttl  # the issue window: the server's, ttl and margin
        self.blocks: collections.deque[list[Any]] = collections.deque()  # [t, id, n, tokens]
        self.used = self.tokens = 0
        self.next_id = 0
        self.resume_at = 0.0
        self.stopped: SeedError | None = None
        self.learn = AdaptiveLimit(1 << 30)  # the rate learning of one process, fed by all
        self.tat = 0.0  # the learnt pace's next free slot
        self.totals: dict[str, Any] = dict.fromkeys(_SUMMED, 0)
        self.totals["cost_usd"] = None
        self.takers: set[int] = set()  # the processes that took permits

    def _expire(self, now: float) -> None:
        blocks = self.blocks
        while blocks and now - blocks[0][0] >= self.span:
            _, _, n, tokens = blocks.popleft()
            self.used -= n
            self.tokens -= tokens

    def _wait_for_room(self, now: float) -> float:
        return self.blocks[0][0] + self.span - now if self.blocks else 0.05

    def take(
        self, want: int, tokens_each: int, report: dict[str, Any] | None, taker: int = 0
    ) -> tuple[Any, ...]:
        """Up to ``want`` permits: ``(block id, granted, ttl, wait, stop error)``."""
        self.takers.add(taker)
        if report:
            self.report(report)
        if self.stopped is not None:
            return -1, 0, 0.0, 0.0, self.stopped
        now = monotonic()
        if now < self.resume_at:
            return -1, 0, 0.0, self.resume_at - now, None
        self._expire(now)
        granted = want
        if self.rpm is not None:
            granted = min(granted, self.rpm - self.used)
        if self.tpm is not None:
            fit = (self.tpm - self.tokens) // max(tokens_each, 1)
            if fit <= 0 and not self.tokens:
                fit = 1  # one request larger than the whole budget goes alone in its window
            granted = min(granted, fit)
        rate = self.learn.rate
        if rate is not None:  # a learnt pace: no more than `rate` a second, spread evenly
            self.tat = max(self.tat, now)
            granted = min(granted, int((now + self.ttl - self.tat) * rate))
        if granted <= 0:
            wait = self._wait_for_room(now) if rate is None else 1.0 / rate
            return -1, 0, 0.0, max(min(wait, self.ttl), 0.005), None
        if rate is not None:
            self.tat += granted / rate
        self.next_id += 1
        self.blocks.append([now, self.next_id, granted, granted * tokens_each])
        self.used += granted
        self.tokens += granted * tokens_each
        return self.next_id, granted, self.ttl, 0.0, None

    def report(self, report: dict[str, Any]) -> None:
        """What one actor saw since its last report: unused permits, 429s, successes..."""
        for block_id, unused in report.get("unused", ()):
            for block in self.blocks:
                if block[1] == block_id:
                    take_back = min(unused, block[2])
                    block[2] -= take_back
                    self.used -= take_back
                    break
        if self.blocks and report.get("token_delta"):
            self.blocks[-1][3] += report["token_delta"]
            self.tokens += report["token_delta"]
        for _ in range(report.get("successes", 0)):
            self.learn.on_success()
        for retry_after in report.get("throttles", ()):
            self.learn.on_throttle(retry_after)
            if retry_after is not None:
                self.resume_at = max(self.resume_at, monotonic() + retry_after)
        for reset, limit in report.get("exhausted", ()):
            self.learn.exhausted(reset, limit)
            self.resume_at = max(self.resume_at, monotonic() + reset)
        if report.get("fatal") is not None and self.stopped is None:
            self.stopped = report["fatal"]
        for key, value in report.get("totals", {}).items():
            if key == "cost_usd":
                if value is not None:
                    self.totals[key] = (self.totals[key] or 0.0) + value
            else:
                self.totals[key] += value

    def summary(self) -> dict[str, Any]:
        out = dict(self.totals)
        out["stopped"] = None if self.stopped is None else repr(self.stopped)
        out["learnt_rate"] = self.learn.rate
        out["actors"] = len(self.takers)
        return out


_BudgetActor = ray.remote(num_cpus=0)(_Budget)


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

    Pass it to :func:`classify` or :func:`chat` as ``budget=``; :meth:`summary` then
    tells what the jobs did. It implements :class:`~seedclient.SharedBudget` inside the
    actors.
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
        """Wait for a permit for one request (see :class:`~seedclient.SharedBudget`)."""
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
            block, granted, ttl, wait, stopped = await self._actor.take.remote(
                want, tokens, report, os.getpid()
            )
            now = monotonic()
            if stopped is not None:
                self._stopped = stopped
            elif granted:
                self._block, self._left, self._expires = block, granted, now + ttl
            else:
                self._not_before = now + wait
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


# ---------------------------------------------------------------------------- the actors


class _Actor:
    """What both jobs' actors share: one client, one runner under the budget, per process."""

    def __init__(
        self,
        client_options: Mapping[str, Any],
        secret: list[Any],
        budget: RateBudget,
        concurrency: int,
    ) -> None:
        self._options = dict(client_options)
        self._secret = secret
        self.budget = budget
        self._concurrency = concurrency
        self.runner: BatchRunner | None = None

    def _start(self) -> BatchRunner:
        """The client and runner, made on the actor's event loop at its first batch."""
        if self.runner is None:
            options = dict(self._options)
            if self._secret:
                options["api_key"] = ray.get(self._secret[0])
            client = SeedClient(**options)
            self.runner = BatchRunner(client, concurrency=self._concurrency, budget=self.budget)
        return self.runner

    def _snapshot(self) -> dict[str, Any]:
        stats = self._start().stats
        out: dict[str, Any] = {name: getattr(stats, name) for name in _STATS}
        out["cost_usd"] = stats.cost_usd
        return out

    async def _finish(self, before: dict[str, Any], rows: int, errors: int, skipped: int) -> None:
        """Report a finished batch into the job's summary."""
        now = self._snapshot()
        totals: dict[str, Any] = {name: now[name] - before[name] for name in _STATS}
        totals["total_tokens"] = totals["prompt_tokens"] + totals["completion_tokens"]
        totals.update(rows=rows, errors=errors, skipped=skipped)
        if now["cost_usd"] is not None:
            totals["cost_usd"] = now["cost_usd"] - (before["cost_usd"] or 0.0)
        self.budget.add_totals(totals)
        await self.budget.flush()


class _ClassifyActor(_Actor):
    def __init__(
        self,
        *,
        labels: Sequence[str],
        model: str,
        text_column: str,
        id_column: str | None,
        out_id: str,
        done: list[Any],
        classifier_options: Mapping[str, Any],
        **actor: Any,
    ) -> None:
        super().__init__(**actor)
        self._labels = list(labels)
        self._model = model
        self._text, self._id, self._out_id = text_column, id_column, out_id
        self._done = done
        self._done_ids: Any = None
        self._classifier_options = dict(classifier_options)
        self._classifier: Classifier | None = None

    async def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        if self._classifier is None:
            runner = self._start()
            self._classifier = Classifier(
                runner.client,
                labels=self._labels,
                model=self._model,
                runner=runner,
                **self._classifier_options,
            )
            self._done_ids = ray.get(self._done[0]) if self._done else None
        before = self._snapshot()
        texts = [str(t) for t in batch[self._text]]
        given = batch[self._id] if self._id else None
        ids = [str(i) for i in given] if given is not None else [row_id(t) for t in texts]
        keep = _not_done(ids, self._done_ids)
        items = [(ids[i], texts[i]) for i in keep]
        results: list[Any] = [None] * len(items)
        multi = self._classifier.multi_label
        async with self._classifier.classify(items) as run:
            async for r in run:
                results[r.index] = r
        out: dict[str, list[Any]] = collections.defaultdict(list)
        for at, r in zip(keep, results, strict=True):
            out[self._out_id].append(_plain(given[at]) if given is not None else r.id)
            if multi:
                out["labels"].append(r.labels)
            else:
                out["label"].append(r.label)
            out["confidence"].append(r.confidence)
            out["error"].append(_error_text(r.error))
            _usage_columns(out, r.usage)
        errors = sum(r.error is not None for r in results)
        await self._finish(before, len(results), errors, len(ids) - len(items))
        return dict(out) if results else _empty(self._out_id, multi)


class _ChatActor(_Actor):
    def __init__(
        self,
        *,
        build_request: Callable[[dict[str, Any]], Mapping[str, Any]],
        id_column: str | None,
        **actor: Any,
    ) -> None:
        super().__init__(**actor)
        self._build = build_request
        self._id = id_column

    async def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        runner = self._start()
        before = self._snapshot()
        columns = list(batch)
        n = len(batch[columns[0]]) if columns else 0
        rows = [{c: _plain(batch[c][i]) for c in columns} for i in range(n)]
        ids = [str(row[self._id]) if self._id else str(i) for i, row in enumerate(rows)]
        requests = [{**self._build(row), "id": ids[i]} for i, row in enumerate(rows)]
        results: list[Any] = [None] * n
        async with runner.run(requests) as run:
            async for r in run:
                results[r.index] = r
        out: dict[str, list[Any]] = collections.defaultdict(list)
        for i, r in enumerate(results):
            if self._id:
                out[self._id].append(rows[i][self._id])
            done = r.completion
            out["content"].append(done.content if done is not None else None)
            out["response"].append(done.model_dump_json() if done is not None else None)
            out["error"].append(_error_text(r.error))
            _usage_columns(out, done.usage if done is not None else None)
        await self._finish(before, n, sum(r.error is not None for r in results), 0)
        return dict(out)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _error_text(error: SeedError | None) -> str | None:
    if error is None:
        return None
    row = error_row(error)
    return f"{row['type']}: {row['message']}"


def _usage_columns(out: dict[str, list[Any]], usage: Any) -> None:
    for name in _TOKENS:
        out[name].append(getattr(usage, name, 0) if usage is not None else 0)


def _empty(out_id: str, multi: bool) -> dict[str, Any]:
    """A batch whose rows were all done before: no rows, the same columns."""
    columns: dict[str, Any] = {out_id: np.array([], dtype=object)}
    columns["labels" if multi else "label"] = np.array([], dtype=object)
    columns["confidence"] = np.array([], dtype=float)
    columns["error"] = np.array([], dtype=object)
    for name in _TOKENS:
        columns[name] = np.array([], dtype=np.int64)
    return columns


def _not_done(ids: list[str], done: Any) -> list[int]:
    """Positions of the ids not in ``done`` (a sorted array of id hashes): the anti-join."""
    if done is None or not len(done):
        return list(range(len(ids)))
    hashes = np.array([_id_hash(i) for i in ids], dtype=np.uint64)
    where: Any = np.searchsorted(done, hashes)
    where[where >= len(done)] = 0
    found = done[where] == hashes
    return [i for i in range(len(ids)) if not found[i]]


def _id_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def _done_ids(previous: ray.data.Dataset, id_column: str) -> Any:
    """The ids labelled in a previous output (rows without an error), as sorted hashes."""
    chunks: list[np.ndarray] = []
    for batch in previous.select_columns([id_column, "error"]).iter_batches(
        batch_format="pyarrow", batch_size=65_536
    ):
        # Arrow, not numpy: an all-null error column would come out as NaN floats.
        failed = batch.column("error").is_null().to_pylist()
        ids = batch.column(id_column).to_pylist()
        ok = [str(i) for i, fine in zip(ids, failed, strict=True) if fine]
        chunks.append(np.array([_id_hash(i) for i in ok], dtype=np.uint64))
    return np.unique(np.concatenate(chunks)) if chunks else np.array([], dtype=np.uint64)


def _actor_args(
    client_options: Mapping[str, Any] | None,
    budget: RateBudget | None,
    rpm: int | None,
    tpm: int | None,
    concurrency_per_actor: int,
) -> dict[str, Any]:
    """The arguments every actor gets: the key travels as an object ref, never in them."""
    if budget is not None and (rpm is not None or tpm is not None):
        raise ValueError("pass rpm and tpm to the RateBudget, not to both")
    options = dict(client_options or {})
    key = options.pop("api_key", None)
    return {
        "client_options": options,
        "secret": [ray.put(key)] if key is not None else [],
        "budget": budget or RateBudget(rpm=rpm, tpm=tpm),
        "concurrency": concurrency_per_actor,
    }


def _pool(num_actors: int, num_cpus_per_actor: float, batch_size: int) -> dict[str, Any]:
    return {
        "batch_size": batch_size,
        "batch_format": "numpy",
        # One batch at a time per actor: its runner already has many requests in flight.
        "compute": ray.data.ActorPoolStrategy(size=num_actors, max_concurrent_calls_per_actor=1),
        "num_cpus": num_cpus_per_actor,
    }


# ---------------------------------------------------------------------------- the jobs


def classify(
    dataset: ray.data.Dataset,
    *,
    labels: Sequence[str],
    model: str = "seed-1.6-flash",
    text_column: str = "text",
    id_column: str | None = None,
    client_options: Mapping[str, Any] | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    budget: RateBudget | None = None,
    previous: ray.data.Dataset | None = None,
    concurrency_per_actor: int = 64,
    num_actors: int = 2,
    num_cpus_per_actor: float = 0.25,
    batch_size: int = 512,
    **classifier_options: Any,
) -> ray.data.Dataset:
    """Classify the ``text_column`` of every row; a lazy ``ray.data.Dataset`` of results.

    The result has the id column (``id_column``, or ``id``: :func:`row_id` of the text),
    ``label`` (``labels`` with ``multi_label=True``), ``confidence``, ``error`` (None, or
    ``"Type: message"`` for a row that failed after retries) and ``prompt_tokens``,
    ``completion_tokens``, ``total_tokens``.

    Args:
        dataset: the rows; ``text_column`` holds the texts.
        labels: the allowed labels, as for :class:`~seedclient.Classifier`.
        model: the model (the flash model by default).
        text_column: the column of the texts.
        id_column: the column of the ids (None: :func:`row_id` of each text, as ``id``).
        client_options: the :class:`~seedclient.SeedClient` arguments of each actor
            (``provider``, ``base_url``, ``api_key``...); by default each actor reads its
            environment as ``SeedClient()`` does. A key given here reaches the actors
            through Ray's object store, never in task arguments or logs.
        rpm: the cluster's requests per minute (a new :class:`RateBudget`), or ``budget``.
        tpm: the cluster's tokens per minute (a new :class:`RateBudget`), or ``budget``.
        budget: a :class:`RateBudget` to share (its :meth:`~RateBudget.summary` then tells
            what the job did).
        previous: an earlier output of this job: ids it labelled without error are
            skipped (an anti-join on the id column), so a crashed job resumes without
            paying twice; the result then holds only the rows classified now.
        concurrency_per_actor: requests in flight in each actor.
        num_actors: actors in the pool.
        num_cpus_per_actor: the CPU each actor asks for (fractional: the actors wait on
            the network, not on a core; whole CPUs would deadlock a small machine).
        batch_size: rows per batch an actor takes at a time.
        **classifier_options: the other :class:`~seedclient.Classifier` arguments
            (``instructions``, ``examples``, ``multi_label``...).

    A fatal error (authentication, quota, permission) stops the job: consuming the
    dataset raises it, and what was written stays written.
    """
    if id_column is None and previous is not None:
        log.info("resuming by text hashes: rows without an id are matched by their text")
    out_id = id_column or "id"
    done = [ray.put(_done_ids(previous, out_id))] if previous is not None else []
    actor = _actor_args(client_options, budget, rpm, tpm, concurrency_per_actor)
    return dataset.map_batches(
        _ClassifyActor,
        fn_constructor_kwargs={
            "labels": list(labels),
            "model": model,
            "text_column": text_column,
            "id_column": id_column,
            "out_id": out_id,
            "done": done,
            "classifier_options": classifier_options,
            **actor,
        },
        **_pool(num_actors, num_cpus_per_actor, batch_size),
    )


def chat(
    dataset: ray.data.Dataset,
    *,
    build_request: Callable[[dict[str, Any]], Mapping[str, Any]],
    id_column: str | None = None,
    client_options: Mapping[str, Any] | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    budget: RateBudget | None = None,
    concurrency_per_actor: int = 64,
    num_actors: int = 2,
    num_cpus_per_actor: float = 0.25,
    batch_size: int = 512,
) -> ray.data.Dataset:
    """Any chat request per row: ``build_request(row)`` returns the ``create()`` parameters.

    The result has the id column (when given), ``content``, ``response`` (the completion as
    JSON), ``error`` and the token counts. The other arguments are those of
    :func:`classify`.
    """
    actor = _actor_args(client_options, budget, rpm, tpm, concurrency_per_actor)
    return dataset.map_batches(
        _ChatActor,
        fn_constructor_kwargs={"build_request": build_request, "id_column": id_column, **actor},
        **_pool(num_actors, num_cpus_per_actor, batch_size),
    )
