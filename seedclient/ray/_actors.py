"""The Ray actors of the jobs: one client and one runner under the shared budget per process."""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import ray

from .._bulk.classify import Classifier
from .._bulk.idset import id_hash
from .._bulk.outcome import error_row
from .._bulk.permits import STATS, TOKENS
from .._bulk.runner import BatchRunner
from .._client import SeedClient
from .._errors import SeedError
from ._budget import RateBudget
from ._summary import row_id


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

    def __del__(self) -> None:
        # The actor ends with its job: its client's connections close with it, quietly.
        runner = getattr(self, "runner", None)
        if runner is not None:
            runner.client._close_now()

    def _snapshot(self) -> dict[str, Any]:
        stats = self._start().stats
        out: dict[str, Any] = {name: getattr(stats, name) for name in STATS}
        out["cost_usd"] = stats.cost_usd
        return out

    async def _finish(self, before: dict[str, Any], rows: int, errors: int, skipped: int) -> None:
        """Report a finished batch into the job's summary."""
        now = self._snapshot()
        totals: dict[str, Any] = {name: now[name] - before[name] for name in STATS}
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
    for name in TOKENS:
        out[name].append(getattr(usage, name, 0) if usage is not None else 0)


def _empty(out_id: str, multi: bool) -> dict[str, Any]:
    """A batch whose rows were all done before: no rows, the same columns."""
    columns: dict[str, Any] = {out_id: np.array([], dtype=object)}
    columns["labels" if multi else "label"] = np.array([], dtype=object)
    columns["confidence"] = np.array([], dtype=float)
    columns["error"] = np.array([], dtype=object)
    for name in TOKENS:
        columns[name] = np.array([], dtype=np.int64)
    return columns


def _not_done(ids: list[str], done: Any) -> list[int]:
    """Positions of the ids not in ``done`` (a sorted array of id hashes): the anti-join."""
    if done is None or not len(done):
        return list(range(len(ids)))
    hashes = np.array([id_hash(i) for i in ids], dtype=np.uint64)
    where: Any = np.searchsorted(done, hashes)
    where[where >= len(done)] = 0
    found = done[where] == hashes
    return [i for i in range(len(ids)) if not found[i]]
