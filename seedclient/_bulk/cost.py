"""CostGuard: what a runner's answers cost, and the stop before ``max_cost`` is passed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._config import Provider
from .._errors import ConfigurationError, CostLimitError
from .._prices import Price, price_of
from .estimate import request_tokens
from .stats import BatchStats

__all__ = ["CostGuard"]


class CostGuard:
    """The prices a runner uses (its own, else the catalogue's per model) and its limit."""

    __slots__ = ("_no_price", "_prices", "batch", "max_cost", "price", "provider")

    def __init__(
        self, provider: Provider, price: Price | None, max_cost: float | None, batch: bool
    ) -> None:
        self.provider = provider
        self.price = price
        self.max_cost = max_cost
        self.batch = batch
        self._prices: dict[str, Price | None] = {}
        self._no_price: ConfigurationError | None = None

    def price_of(self, model: str) -> Price | None:
        """The price of an answer from ``model`` (the runner's, else the catalogue's)."""
        if self.price is not None:
            return self.price
        if model not in self._prices:
            self._prices[model] = price_of(self.provider.name, model)
        return self._prices[model]

    def check(self, stats: BatchStats, params: Mapping[str, Any]) -> CostLimitError | None:
        """The error to stop with if one more request could take the cost past max_cost,
        counting what is in flight at the mean cost of an answer so far."""
        assert self.max_cost is not None
        spent = stats.cost_usd or 0.0
        priced = stats.answers - stats.unpriced
        if priced > 0:
            each = spent / priced
        else:  # nothing priced yet: the request's own estimate
            model = str(params.get("model", ""))
            price = self.price_of(model)
            if price is None:
                if self.provider.reports_cost:
                    return None  # the first answer states its cost (it goes alone)
                # One error object for every worker that meets it: the run raises it once.
                self._no_price = self._no_price or ConfigurationError(
                    f"max_cost needs a price, and none is known for {model!r} on "
                    f"{self.provider.name}: pass price=Price(input=..., output=...) "
                    "(USD per million tokens)"
                )
                raise self._no_price
            prompt, out = request_tokens(params)
            each = price.cost(prompt, out, batch=self.batch)
        if spent + (stats.in_flight + 1) * each <= self.max_cost:
            return None
        return CostLimitError(
            f"the run would pass max_cost ${self.max_cost:g} (spent ${spent:.6f}, "
            f"{stats.in_flight} requests in flight at about ${each:.6f} each)",
            spent=spent,
            limit=self.max_cost,
        )
