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
the pool holds one [SeedClient][seedclient.SeedClient] and runs a
[Classifier][seedclient.Classifier] over its batch with many requests in flight. Every actor
takes permits from one named budget actor, in small blocks, so that the sum over the
cluster stays within the account's RPM and TPM; a 429 seen by one actor pauses all of them,
and the budget learns the server's rate from 429s and rate-limit headers when no limit is
given. A row that fails after retries comes out with its ``error``; a fatal error
(authentication, quota, permission) stops the job. Pass the previous output as
``previous=`` to skip the ids labelled already.
"""

from __future__ import annotations

try:
    import numpy  # noqa: F401
    import ray
    import ray.data  # noqa: F401
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError(
        'seedclient.ray needs Ray Data: pip install "seedclient[ray]" (or "ray[data]")'
    ) from exc

from ._budget import RateBudget
from ._jobs import chat, classify
from ._summary import JobSummary, row_id

__all__ = ["JobSummary", "RateBudget", "chat", "classify", "row_id"]
