"""BatchStats: the live counters of a bulk run."""

from __future__ import annotations

from dataclasses import dataclass
from time import monotonic

from .._prices import Price
from .._wire.chat import ChatCompletion

__all__ = ["BatchStats"]


@dataclass
class BatchStats:
    """Live counters of a runner (read them while it runs, e.g. for a progress bar).

    ``retrying`` counts the requests waiting out a backoff before they are sent again.

    ``cost_usd`` sums what each answer cost: the provider's own figure where it sends one
    (AI/ML API), else its tokens at the price of its model (the catalogue's, or the
    runner's ``price``); ``answers`` counts the answers, ``unpriced`` those with neither.
    None until one is priced.
    """

    done: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    throttled: int = 0
    in_flight: int = 0
    retrying: int = 0
    max_in_flight: int = 0
    concurrency: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    credits_used: float = 0.0
    cost_usd: float | None = None
    answers: int = 0
    unpriced: int = 0
    started: float = 0.0

    @property
    def requests_per_second(self) -> float:
        """Finished items per second since the run started."""
        elapsed = monotonic() - self.started if self.started else 0.0
        return (self.done + self.failed) / elapsed if elapsed > 0 else 0.0

    def count_usage(
        self, done: ChatCompletion, price: Price | None = None, batch: bool = False
    ) -> None:
        """Add a completion's tokens and cost (``batch``: sent through Batch Chat)."""
        self.answers += 1
        u = done.usage
        if u is not None:
            self.prompt_tokens += u.prompt_tokens
            self.completion_tokens += u.completion_tokens
            self.reasoning_tokens += u.reasoning_tokens
            self.cached_tokens += u.cached_tokens
        meta = done.meta.usage if done.meta is not None else None
        if meta is not None:
            self.credits_used += meta.credits_used or 0.0
        if meta is not None and meta.usd_spent is not None:
            usd: float | None = meta.usd_spent
        elif price is not None and u is not None:
            usd = price.cost(
                u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.reasoning_tokens, batch
            )
        else:
            usd = None
        if usd is None:
            self.unpriced += 1
        else:
            self.cost_usd = (self.cost_usd or 0.0) + usd
