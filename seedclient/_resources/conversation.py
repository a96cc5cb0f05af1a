"""Conversation: turns of the Responses API chained by ``previous_response_id``."""

from __future__ import annotations

import contextlib
import time
from types import TracebackType
from typing import Any, Protocol

from .._errors import BadRequestError, NotFoundError
from .._wire.responses import Response, ResponseDeleted


class Responses(Protocol):
    """What a conversation needs of ``client.responses``."""

    async def create(self, **params: Any) -> Any: ...

    async def delete(self, response_id: str, **options: Any) -> ResponseDeleted: ...


__all__ = ["Conversation"]

#: How long each stored turn is kept by default (Ark's own default: three days).
DEFAULT_KEEP_SECONDS = 3 * 24 * 3600


class Conversation:
    """A conversation on Ark's Responses API: ``client.responses.conversation(model=...)``.

    Each ``send`` continues the last stored response (``previous_response_id``) with
    caching on, so the history is read from the cache instead of being sent (and billed)
    again. Every turn keeps the same ``expire_at``. When the server no longer has the
    previous response (expired or deleted), the turn is sent again with the whole history
    replayed as input items, and the chain goes on from there. ``history`` holds the turns as
    input items. Used as ``async with``, it deletes the responses it stored when it closes
    if ``delete_on_close``.
    """

    def __init__(
        self,
        responses: Responses,
        *,
        model: str,
        caching: bool = True,
        keep_seconds: int = DEFAULT_KEEP_SECONDS,
        delete_on_close: bool = False,
        **defaults: Any,
    ) -> None:
        self._responses = responses
        self.model = model
        self.caching = caching
        self.expire_at = int(time.time()) + keep_seconds
        self.delete_on_close = delete_on_close
        self.defaults = defaults
        #: The conversation as input items: each question and each answer.
        self.history: list[dict[str, Any]] = []
        #: The id of the last response, which the next turn continues.
        self.last_id: str | None = None
        self.stored: list[str] = []
        #: How many times the history was replayed because the server had lost the chain.
        self.replayed = 0

    async def send(self, text: str, **params: Any) -> Response:
        """Ask ``text``; the answer's [Response][seedclient.Response]."""
        question = {"type": "message", "role": "user", "content": text}
        base: dict[str, Any] = {
            "model": self.model,
            "store": True,
            "expire_at": self.expire_at,
            **self.defaults,
            **params,
        }
        if self.caching:
            base["caching"] = {"type": "enabled"}
        done: Response
        try:
            if self.last_id is None:
                done = await self._responses.create(input=[*self.history, question], **base)
            else:
                done = await self._responses.create(
                    input=[question], previous_response_id=self.last_id, **base
                )
        except (BadRequestError, NotFoundError) as exc:
            if self.last_id is None or not _lost(exc):
                raise
            self.replayed += 1  # the chain is gone: replay what it held
            done = await self._responses.create(input=[*self.history, question], **base)
        self.history += [
            question,
            {"type": "message", "role": "assistant", "content": done.output_text},
        ]
        self.last_id = done.id
        self.stored.append(done.id)
        return done

    async def close(self) -> None:
        """Delete the stored turns if ``delete_on_close`` (those already gone are skipped)."""
        if not self.delete_on_close:
            return
        stored, self.stored = self.stored, []
        for response_id in stored:
            with contextlib.suppress(NotFoundError):  # gone already
                await self._responses.delete(response_id)

    async def __aenter__(self) -> Conversation:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _lost(error: BadRequestError | NotFoundError) -> bool:
    """Whether the server says the previous response is gone (expired or deleted)."""
    if isinstance(error, NotFoundError):
        return True
    return "previous" in (error.code or "").lower() or "previous_response" in str(error).lower()
