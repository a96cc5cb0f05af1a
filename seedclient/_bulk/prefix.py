"""CachedPrefix: a classifier's instructions and labels stored once as a cached prefix of
Ark's Responses API, each text then sent as its continuation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from .._client import SeedClient
from .._wire.chat import (
    ChatCompletion,
    Choice,
    CompletionTokensDetails,
    Message,
    PromptTokensDetails,
    Usage,
)
from .._wire.responses import Response

__all__ = ["CACHING_PROVIDERS", "CachedPrefix", "as_completion"]

#: The providers whose Responses API caches a stored prefix (Ark's).
CACHING_PROVIDERS = frozenset({"byteplus", "volcengine"})
#: A prefix is made anew this long before it expires.
REFRESH_BEFORE = 600
#: How long a prefix is kept (Ark keeps a stored response three days by default).
KEEP_SECONDS = 24 * 3600


def as_completion(done: Response) -> ChatCompletion:
    """A Responses answer in chat's shape, for the runner's accounting and the classifier."""
    usage = done.usage
    finish = "length" if done.status == "incomplete" else "stop"
    return ChatCompletion(
        id=done.id,
        model=done.model or "",
        choices=[Choice(message=Message(content=done.output_text), finish_reason=finish)],
        usage=None
        if usage is None
        else Usage(
            prompt_tokens=usage.input_tokens,
            completion_tokens=usage.output_tokens,
            total_tokens=usage.total_tokens,
            prompt_tokens_details=PromptTokensDetails(cached_tokens=usage.cached_tokens),
            completion_tokens_details=CompletionTokensDetails(
                reasoning_tokens=usage.reasoning_tokens
            ),
        ),
        request_id=done.request_id,
    )


class CachedPrefix:
    """The system prompt stored once (caching on) and continued by each request.

    ``send`` takes chat parameters (``messages`` with the system prompt first) and answers
    as chat would: the system prompt is the stored prefix, the other messages go as the
    input of a response continuing it (not stored), so each costs its own tokens plus the
    prefix at the cached price. The prefix is made on first use and made anew before it
    expires. ``prefix_usage`` sums what making prefixes cost.
    """

    def __init__(self, client: SeedClient, model: str, system: str) -> None:
        self._responses = client.with_options(max_retries=0).responses  # the runner retries
        self.model = model
        self.system = system
        self.id: str | None = None
        self.expire_at = 0
        self.made = 0
        self.prefix_usage: list[Any] = []
        self._lock = asyncio.Lock()

    async def _current(self, switch: Mapping[str, Any]) -> str:
        if self.id is not None and time.time() < self.expire_at - REFRESH_BEFORE:
            return self.id
        async with self._lock:
            if self.id is None or time.time() >= self.expire_at - REFRESH_BEFORE:
                expire_at = int(time.time()) + KEEP_SECONDS
                done = await self._responses.create(
                    model=self.model,
                    input=[{"role": "system", "content": self.system}],
                    caching={"type": "enabled"},
                    store=True,
                    expire_at=expire_at,
                    max_output_tokens=1,
                    **switch,
                )
                self.id, self.expire_at = done.id, expire_at
                self.made += 1
                self.prefix_usage.append(done.usage)
        assert self.id is not None
        return self.id

    async def send(self, **params: Any) -> ChatCompletion:
        """Answer chat parameters through the cached prefix."""
        switch: dict[str, Any] = {}
        if params.get("thinking") is not None:
            switch["thinking"] = params["thinking"]
        if params.get("reasoning_effort") is not None:
            switch["reasoning"] = {"effort": params["reasoning_effort"]}
        prefix = await self._current(switch)
        done = await self._responses.create(
            model=self.model,
            input=[m for m in params["messages"] if m.get("role") != "system"],
            previous_response_id=prefix,
            caching={"type": "enabled"},
            store=False,
            max_output_tokens=params.get("max_tokens"),
            extra_body=params.get("extra_body"),
            **switch,
        )
        return as_completion(done)
