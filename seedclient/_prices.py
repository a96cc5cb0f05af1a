"""What the catalogue's models cost: a [Price][seedclient.Price] per model family and provider, only
where a source states it, with the source and the date it was read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._catalog import family_of

__all__ = ["PRICES", "Price", "price_of"]


@dataclass(frozen=True)
class Price:
    """What a chat model's tokens cost, in USD per million tokens.

    Attributes:
        input: prompt tokens not served from a cache.
        output: completion tokens (reasoning included, unless ``reasoning`` is set).
        cached_input: prompt tokens served from a cache (None: as ``input``).
        reasoning: reasoning tokens, where priced apart from the rest of the output.
        long_prompt: ``(tokens, input, output)``: the prices of a request whose prompt is
            longer than ``tokens`` (Seed 1.8 bills prompts over 128K at twice the price).
        batch: the share of the price that Ark's Batch Chat bills (0.5: half price).
        source: where the figures come from; ``as_of``: when they were read there.
    """

    input: float
    output: float
    cached_input: float | None = None
    reasoning: float | None = None
    long_prompt: tuple[int, float, float] | None = None
    batch: float = 0.5
    source: str = "given"
    as_of: str = ""

    def cost(
        self, prompt: int, completion: int, cached: int = 0, reasoning: int = 0, batch: bool = False
    ) -> float:
        """The USD a request with these token counts costs."""
        price_in, price_out = self.input, self.output
        if self.long_prompt is not None and prompt > self.long_prompt[0]:
            _, price_in, price_out = self.long_prompt
        cached = min(cached, prompt)
        reasoning = min(reasoning, completion) if self.reasoning is not None else 0
        usd = (
            (prompt - cached) * price_in
            + cached * (price_in if self.cached_input is None else self.cached_input)
            + (completion - reasoning) * price_out
            + reasoning * (self.reasoning or 0.0)
        ) / 1e6
        return usd * self.batch if batch else usd


_BYTEPLUS_BILLING = "docs.byteplus.com/en/docs/Byteplus_LAS/Large_model_billing"
#: (family, provider) -> price, only where a source states it; AI/ML API sends each
#: answer's cost itself (``meta.usage.usd_spent``), which wins over this table.
PRICES: Mapping[tuple[str, str], Price] = {
    ("seed-1.8", "byteplus"): Price(
        input=0.25,
        output=2.0,
        cached_input=0.05,
        long_prompt=(131_072, 0.5, 4.0),
        source=_BYTEPLUS_BILLING,
        as_of="2026-12",
    ),
    ("seed-1.6-flash", "volcengine"): Price(
        input=0.02,
        output=0.22,
        source="models.dev (providers/volcengine), via mastra.ai",
        as_of="2026-12",
    ),
}


def price_of(provider: str, model: str) -> Price | None:
    """The table's price of ``model`` (a friendly name or a pinned id) on ``provider``."""
    spec = family_of(model)
    return None if spec is None else PRICES.get((spec.family, provider))
