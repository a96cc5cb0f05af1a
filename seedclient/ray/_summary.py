"""What a Ray job reports: row ids and the summed JobSummary."""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["JobSummary", "row_id"]


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
