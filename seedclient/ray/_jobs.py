"""The jobs: classify() and chat() over a Ray Dataset, resumed by an anti-join on ids."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import ray
import ray.data

from .._bulk.idset import id_hash
from ._actors import _ChatActor, _ClassifyActor
from ._budget import RateBudget

log = logging.getLogger("seedclient")


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
        chunks.append(np.array([id_hash(i) for i in ok], dtype=np.uint64))
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

    The result has the id column (``id_column``, or ``id``: [row_id][seedclient.ray.row_id] of the
    text), ``label`` (``labels`` with ``multi_label=True``), ``confidence``, ``error`` (None, or
    ``"Type: message"`` for a row that failed after retries) and ``prompt_tokens``,
    ``completion_tokens``, ``total_tokens``.

    Args:
        dataset: the rows; ``text_column`` holds the texts.
        labels: the allowed labels, as for [Classifier][seedclient.Classifier].
        model: the model (the flash model by default).
        text_column: the column of the texts.
        id_column: the column of the ids (None: [row_id][seedclient.ray.row_id] of each text, as
            ``id``).
        client_options: the [SeedClient][seedclient.SeedClient] arguments of each actor
            (``provider``, ``base_url``, ``api_key``...); by default each actor reads its
            environment as ``SeedClient()`` does. A key given here reaches the actors
            through Ray's object store, never in task arguments or logs.
        rpm: the cluster's requests per minute (a new [RateBudget][seedclient.ray.RateBudget]), or
            ``budget``.
        tpm: the cluster's tokens per minute (a new [RateBudget][seedclient.ray.RateBudget]), or
            ``budget``.
        budget: a [RateBudget][seedclient.ray.RateBudget] to share (its
            [RateBudget.summary][seedclient.ray.RateBudget.summary] then tells what the job did).
        previous: an earlier output of this job: ids it labelled without error are
            skipped (an anti-join on the id column), so a crashed job resumes without
            paying twice; the result then holds only the rows classified now.
        concurrency_per_actor: requests in flight in each actor.
        num_actors: actors in the pool.
        num_cpus_per_actor: the CPU each actor asks for (fractional: the actors wait on
            the network, not on a core; whole CPUs would deadlock a small machine).
        batch_size: rows per batch an actor takes at a time.
        **classifier_options: the other [Classifier][seedclient.Classifier] arguments
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
    [classify][seedclient.ray.classify].
    """
    actor = _actor_args(client_options, budget, rpm, tpm, concurrency_per_actor)
    return dataset.map_batches(
        _ChatActor,
        fn_constructor_kwargs={"build_request": build_request, "id_column": id_column, **actor},
        **_pool(num_actors, num_cpus_per_actor, batch_size),
    )
