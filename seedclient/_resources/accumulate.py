"""ChunkAccumulator: chat chunks in, the whole ChatCompletion out, with no I/O.

Pieces are kept in lists and joined once, so assembling an answer is O(n) in its size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._errors import StructuredOutputError
from .._wire.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChoiceLogprobs,
    Function,
    Message,
    Meta,
    ToolCall,
    ToolCallDelta,
    Usage,
)

__all__ = ["ChunkAccumulator"]


class _ToolSlot:
    """One tool call being streamed: its id, type, name, and its argument pieces."""

    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self) -> None:
        self.id = ""
        self.type = "function"
        self.name = ""
        self.arguments: list[str] = []


class _ChoiceState:
    """The pieces of one choice so far."""

    __slots__ = ("content", "finish_reason", "logprobs", "reasoning", "role", "tools")

    def __init__(self) -> None:
        self.role = "assistant"
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.tools: dict[int, _ToolSlot] = {}
        self.finish_reason: str | None = None
        self.logprobs: list[Any] = []

    def choice(self, index: int) -> Choice:
        tool_calls = [
            ToolCall(
                id=t.id, type=t.type, function=Function(name=t.name, arguments="".join(t.arguments))
            )
            for _, t in sorted(self.tools.items())
        ]
        return Choice(
            index=index,
            message=Message(
                role=self.role,
                content="".join(self.content) if self.content or not tool_calls else None,
                reasoning_content="".join(self.reasoning) if self.reasoning else None,
                tool_calls=tool_calls or None,
            ),
            finish_reason=self.finish_reason,
            logprobs=ChoiceLogprobs(content=self.logprobs) if self.logprobs else None,
        )


def _add_tool_calls(state: _ChoiceState, calls: list[ToolCallDelta]) -> None:
    """A chunk's tool-call pieces, into the slots they continue."""
    for pos, tc in enumerate(calls):
        key = tc.index if tc.index is not None else pos
        slot = state.tools.get(key)
        if slot is None:
            slot = state.tools[key] = _ToolSlot()
        if tc.id:
            slot.id = tc.id
        if tc.type:
            slot.type = tc.type
        fn = tc.function
        if fn is not None:
            if fn.name:
                slot.name += fn.name
            if fn.arguments:
                slot.arguments.append(fn.arguments)


class ChunkAccumulator:
    """Collects the chunks of one streamed chat completion.

    Args:
        max_kept: the most characters of content and reasoning kept; past it the chunks
            still count but the text is dropped and ``overflowed`` is set.

    Attributes:
        usage: the usage chunk's usage, once it came.
        overflowed: whether the answer grew past ``max_kept``.
    """

    __slots__ = ("_first", "_kept", "_max_kept", "_meta", "_states", "overflowed", "usage")

    def __init__(self, max_kept: int = 1 << 62) -> None:
        self._kept = 0
        self._max_kept = max_kept
        self._states: dict[int, _ChoiceState] = {}
        self._first: ChatCompletionChunk | None = None
        self._meta: Meta | None = None
        self.usage: Usage | None = None
        self.overflowed = False

    def add_all(self, chunks: Sequence[ChatCompletionChunk]) -> None:
        """Take chunks in order, up to the first that carries an error (one call a read,
        not a chunk; written for the usual chunk: one choice, a piece of content)."""
        states = self._states
        for chunk in chunks:
            if chunk.error is not None:
                return
            if self._first is None:
                self._first = chunk
            if chunk.usage is not None:
                self.usage = chunk.usage
            if chunk.meta is not None:
                self._meta = chunk.meta
            for c in chunk.choices:
                state = states.get(c.index)
                if state is None:
                    state = states[c.index] = _ChoiceState()
                d = c.delta
                if d.content:
                    state.content.append(d.content)
                    self._kept += len(d.content)
                if d.reasoning_content:
                    state.reasoning.append(d.reasoning_content)
                    self._kept += len(d.reasoning_content)
                if self._kept > self._max_kept:
                    # The chunks still flow to the caller; only the assembled copy stops here.
                    self.overflowed = True
                    state.content.clear()
                    state.reasoning.clear()
                if d.role:
                    state.role = d.role
                if d.tool_calls:
                    _add_tool_calls(state, d.tool_calls)
                if c.finish_reason is not None:
                    state.finish_reason = c.finish_reason
                if c.logprobs is not None and c.logprobs.content:
                    state.logprobs.extend(c.logprobs.content)

    @property
    def finished(self) -> bool:
        """Whether any choice has said why it ended (a ``finish_reason``)."""
        return any(s.finish_reason is not None for s in self._states.values())

    def completion(
        self,
        request_id: str | None = None,
        parse: Callable[[str | None], Any] | None = None,
    ) -> ChatCompletion:
        """The whole answer so far; ``parse`` fills each message's ``parsed``."""
        first = self._first
        completion = ChatCompletion(
            id=first.id if first else "",
            created=first.created if first else 0,
            model=first.model if first else "",
            service_tier=first.service_tier if first else None,
            choices=[s.choice(i) for i, s in sorted(self._states.items())],
            usage=self.usage,
            meta=self._meta,
            request_id=request_id,
        )
        if parse is not None:
            for choice in completion.choices:
                try:
                    choice.message.parsed = parse(choice.message.content)
                except ValueError as exc:
                    raise StructuredOutputError(
                        f"the streamed answer did not validate: {exc}",
                        content=choice.message.content,
                        errors=[str(exc)],
                    ) from None
        return completion
