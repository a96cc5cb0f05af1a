"""Ark's Responses API on the wire: the Response, its output items and its stream events.

Every field but ``id`` may be missing (the Ark SDKs disagree on which are required), and an
event of a type this client does not know decodes into the same lenient ``ResponseEvent``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .base import _Wire

__all__ = [
    "OutputItem",
    "Response",
    "ResponseDeleted",
    "ResponseEvent",
    "ResponseItems",
    "ResponseUsage",
    "deleted_decoder",
    "items_decoder",
    "response_decoder",
    "response_event_decoder",
]


class OutputItem(_Wire):
    """One item of a response's ``output``: a ``message`` (``content`` parts of
    ``output_text``), a ``reasoning`` item (``summary`` parts), a ``function_call``
    (``name``, ``call_id``, ``arguments``) or a built-in tool's call."""

    type: str = ""
    id: str | None = None
    status: str | None = None
    role: str | None = None
    content: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    name: str | None = None
    call_id: str | None = None
    arguments: str | None = None

    @property
    def text(self) -> str:
        """The text of a message item (its ``output_text`` parts), or of a reasoning item
        (its summary and reasoning-text parts)."""
        parts = self.content if self.type != "reasoning" else [*self.summary, *self.content]
        return "".join(str(p.get("text") or "") for p in parts)


class ResponseUsage(_Wire):
    """Tokens of a response: input (cached ones apart) and output (reasoning ones apart)."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: dict[str, Any] | None = None
    output_tokens_details: dict[str, Any] | None = None

    @property
    def cached_tokens(self) -> int:
        """Input tokens read from the cache."""
        return int((self.input_tokens_details or {}).get("cached_tokens") or 0)

    @property
    def reasoning_tokens(self) -> int:
        """Output tokens spent reasoning."""
        return int((self.output_tokens_details or {}).get("reasoning_tokens") or 0)


class Response(_Wire):
    """A response of Ark's Responses API (``client.responses.create`` or a stream's end).

    ``status`` is ``completed``, ``incomplete`` (see ``incomplete_details``: an answer cut
    short is not an error), ``in_progress`` or ``failed``. ``output_text`` joins the text of
    the message items; ``reasoning_text`` the reasoning's.
    """

    id: str
    object: str = "response"
    created_at: int | None = None
    status: str | None = None
    model: str | None = None
    output: list[OutputItem] = []
    usage: ResponseUsage | None = None
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    previous_response_id: str | None = None
    instructions: str | None = None
    caching: dict[str, Any] | None = None
    store: bool | None = None
    expire_at: int | None = None
    max_output_tokens: int | None = None
    thinking: dict[str, Any] | None = None
    reasoning: dict[str, Any] | None = None
    request_id: str | None = None
    #: The validated answer of ``client.responses.parse`` (None otherwise).
    parsed: Any = None

    @property
    def output_text(self) -> str:
        """The text of every message item, joined."""
        return "".join(i.text for i in self.output if i.type == "message")

    @property
    def reasoning_text(self) -> str:
        """The text of every reasoning item, joined."""
        return "".join(i.text for i in self.output if i.type == "reasoning")

    @property
    def function_calls(self) -> list[OutputItem]:
        """The ``function_call`` items (name, call_id, arguments)."""
        return [i for i in self.output if i.type == "function_call"]


class ResponseEvent(_Wire):
    """One event of ``client.responses.stream()``, of any ``type`` in Ark's catalogue (or
    one this client does not know: it passes through as it came).

    The fields are those the catalogue's events carry: ``delta`` (a text, reasoning or
    argument piece; may be null), ``item`` (``response.output_item.added/done``), ``part``,
    ``response`` (lifecycle events), ``code`` / ``message`` / ``param`` (``error``), the
    item's ``item_id``, ``output_index`` and ``content_index``, and ``sequence_number``.
    """

    type: str = ""
    sequence_number: int | None = None
    delta: str | None = None
    text: str | None = None
    arguments: str | None = None
    item_id: str | None = None
    output_index: int | None = None
    content_index: int | None = None
    summary_index: int | None = None
    item: OutputItem | None = None
    part: dict[str, Any] | None = None
    response: Response | None = None
    code: str | None = None
    message: str | None = None
    param: str | None = None


class ResponseItems(_Wire):
    """The input items of a stored response (``client.responses.input_items.list``)."""

    object: str = "list"
    data: list[dict[str, Any]] = []
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None
    request_id: str | None = None


class ResponseDeleted(_Wire):
    """What ``client.responses.delete`` answers."""

    id: str = ""
    deleted: bool = True
    request_id: str | None = None


response_decoder = msgspec.json.Decoder(Response)
items_decoder = msgspec.json.Decoder(ResponseItems)
deleted_decoder = msgspec.json.Decoder(ResponseDeleted)
response_event_decoder = msgspec.json.Decoder(ResponseEvent)
