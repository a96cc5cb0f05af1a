"""The tool runner: plain Python functions as tools, called for the model until it answers.

Each function's JSON schema comes from its signature and type hints (``Literal`` -> ``enum``,
Structs, dataclasses, lists, optionals) and its Google-style docstring (the summary and the
``Args:`` lines). The model's arguments are decoded and validated with msgspec before the
call; a validation error or an exception in the function goes back to the model as the tool's
result, so it can correct itself, and is counted.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import msgspec

from .._config import check_int
from .._errors import ConfigurationError
from .._wire.chat import ChatCompletion, Message, ToolCall, Usage
from .structured import _inline_root

if TYPE_CHECKING:
    from .chat_stream import ChatStream


class ChatAPI(Protocol):
    """What the tool runner needs of ``client.chat.completions``: a whole or streamed turn."""

    # Read-only callables, not methods: the real ones take ChatParams keywords, and the
    # runner only passes on what it was given.
    @property
    def stream(self) -> Callable[..., ChatStream]:
        """A streamed turn."""

    @property
    def create(self) -> Callable[..., Awaitable[Any]]:
        """A whole turn."""


__all__ = ["Tool", "ToolEvent", "ToolRun", "run_tools", "stream_tools"]

_ARG_LINE = re.compile(r"^\s{2,}(\w+)(?:\s*\([^)]*\))?:\s*(.+)$")


def _docstring(fn: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    doc = inspect.getdoc(fn) or ""
    summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    args: dict[str, str] = {}
    section = re.search(r"^(?:Args|Arguments|Parameters):\s*$(.*?)(?:^\S|\Z)", doc, re.M | re.S)
    if section:
        last = None
        for line in section.group(1).split("\n"):
            m = _ARG_LINE.match("  " + line if not line.startswith("  ") else line)
            if m and (last is None or not line.startswith("        ")):
                last = m.group(1)
                args[last] = m.group(2).strip()
            elif last is not None and line.strip():
                args[last] += " " + line.strip()
    return summary, args


class Tool:
    """A Python function as a tool: its name, description, JSON schema and argument decoder.

    Args:
        fn: the function, sync or async.
        name: the tool's name (default: the function's).
        description: what it does (default: the docstring's summary).
    """

    def __init__(
        self, fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
    ) -> None:
        if not callable(fn):
            raise ConfigurationError(f"a tool must be a function, got {fn!r}")
        self.fn = fn
        self.name: str = name or str(getattr(fn, "__name__", "tool"))
        summary, arg_docs = _docstring(fn)
        self.description = description or summary
        self.is_async = inspect.iscoroutinefunction(fn)
        try:
            hints = typing.get_type_hints(fn, include_extras=True)
        except Exception as exc:
            raise ConfigurationError(
                f"tool {self.name!r}: cannot read its type hints: {exc}"
            ) from exc
        fields: list[Any] = []
        for p in inspect.signature(fn).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise ConfigurationError(
                    f"tool {self.name!r}: *args and **kwargs are not supported"
                )
            hint = hints.get(p.name, Any)
            fields.append((p.name, hint) if p.default is p.empty else (p.name, hint, p.default))
        self._args = msgspec.defstruct(
            f"{self.name}_arguments", fields, kw_only=True, forbid_unknown_fields=True
        )
        self._decoder = msgspec.json.Decoder(self._args)
        schema = _inline_root(msgspec.json.schema(self._args))
        schema.pop("title", None)
        for key, text in arg_docs.items():
            prop = schema.get("properties", {}).get(key)
            if isinstance(prop, dict):
                prop.setdefault("description", text)
        schema.setdefault("properties", {})
        schema.setdefault("required", [])
        self.parameters = schema

    def schema(self) -> dict[str, Any]:
        """The tool as the ``tools`` parameter lists it."""
        fn: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            fn["description"] = self.description
        return {"type": "function", "function": fn}

    async def call(self, arguments: str) -> tuple[str, bool]:
        """Run the tool on the JSON ``arguments``: (the result as text, whether it succeeded)."""
        try:
            args = self._decoder.decode(arguments or "{}")
        except msgspec.DecodeError as exc:
            return f"Error: invalid arguments for {self.name}: {exc}", False
        kwargs = {f: getattr(args, f) for f in args.__struct_fields__}
        try:
            if self.is_async:
                result = await self.fn(**kwargs)
            else:
                result = await anyio.to_thread.run_sync(lambda: self.fn(**kwargs))
        except Exception as exc:  # the model sees the failure and may correct itself
            return f"Error: {type(exc).__name__}: {exc}", False
        if isinstance(result, str):
            return result, True
        try:
            return msgspec.json.encode(result).decode(), True
        except TypeError:
            return str(result), True


class ToolRun(msgspec.Struct, kw_only=True):
    """What ``run_tools`` did.

    Attributes:
        completion: the last completion (the final answer when ``finished``).
        messages: the whole transcript, ready to continue the conversation.
        usage: the usage of each model turn, in order.
        tool_calls: how many tool calls were run.
        tool_errors: how many of them failed (bad arguments or an exception).
        finished: whether the model answered without asking for more tools (False when
            ``max_turns`` stopped the loop).
    """

    completion: ChatCompletion
    messages: list[Any]
    usage: list[Usage]
    tool_calls: int = 0
    tool_errors: int = 0
    finished: bool = True

    @property
    def content(self) -> str | None:
        """The final answer's text."""
        return self.completion.content

    @property
    def total_tokens(self) -> int:
        """Tokens over every turn."""
        return sum(u.total_tokens for u in self.usage)


class ToolEvent(msgspec.Struct, kw_only=True):
    """One thing that happened in ``stream_tools``.

    ``kind`` is ``"reasoning"`` or ``"content"`` (``text`` set), ``"tool_call"`` (``call``),
    ``"tool_result"`` (``call``, ``text``, ``ok``) or ``"done"`` (``run``).
    """

    kind: str
    text: str | None = None
    call: ToolCall | None = None
    ok: bool | None = None
    run: ToolRun | None = None


def as_tools(tools: Sequence[Callable[..., Any] | Tool]) -> dict[str, Tool]:
    """Tools by name, made from functions where needed."""
    out: dict[str, Tool] = {}
    for t in tools:
        tool = t if isinstance(t, Tool) else Tool(t)
        if tool.name in out:
            raise ConfigurationError(f"two tools are named {tool.name!r}")
        out[tool.name] = tool
    if not out:
        raise ConfigurationError("run_tools needs at least one tool")
    return out


async def _run_calls(
    calls: Sequence[ToolCall], tools: Mapping[str, Tool], limit: int
) -> list[tuple[str, bool]]:
    results: list[tuple[str, bool]] = [("", False)] * len(calls)
    limiter = anyio.CapacityLimiter(limit)

    async def one(i: int, call: ToolCall) -> None:
        tool = tools.get(call.function.name)
        if tool is None:
            known = ", ".join(tools)
            results[i] = (f"Error: no tool is named {call.function.name!r} (tools: {known})", False)
            return
        async with limiter:
            results[i] = await tool.call(call.function.arguments)

    async with anyio.create_task_group() as tg:
        for i, call in enumerate(calls):
            tg.start_soon(one, i, call)
    return results


def _tool_messages(
    calls: Sequence[ToolCall], results: Sequence[tuple[str, bool]]
) -> list[dict[str, Any]]:
    return [
        {"role": "tool", "tool_call_id": call.id, "content": text}
        for call, (text, _) in zip(calls, results, strict=True)
    ]


def _check(max_turns: int, max_parallel: int) -> None:
    check_int("max_turns", max_turns, 1)
    check_int("max_parallel", max_parallel, 1)


async def run_tools(
    completions: ChatAPI,
    *,
    messages: Sequence[Any],
    tools: Sequence[Callable[..., Any] | Tool],
    max_turns: int = 10,
    max_parallel: int = 8,
    **params: Any,
) -> ToolRun:
    """Call the model, run the tools it asks for, and repeat until it answers in prose."""
    async for event in stream_tools(
        completions,
        messages=messages,
        tools=tools,
        max_turns=max_turns,
        max_parallel=max_parallel,
        stream=False,
        **params,
    ):
        if event.run is not None:
            return event.run
    raise AssertionError("unreachable")  # pragma: no cover


async def stream_tools(
    completions: ChatAPI,
    *,
    messages: Sequence[Any],
    tools: Sequence[Callable[..., Any] | Tool],
    max_turns: int = 10,
    max_parallel: int = 8,
    stream: bool = True,
    **params: Any,
) -> AsyncIterator[ToolEvent]:
    """``run_tools`` as events: text deltas, tool calls and results, then ``done``."""
    _check(max_turns, max_parallel)
    by_name = as_tools(tools)
    schemas = [t.schema() for t in by_name.values()]
    transcript: list[Any] = list(messages)
    usage: list[Usage] = []
    run = ToolRun(completion=ChatCompletion(), messages=transcript, usage=usage)
    for _turn in range(max_turns):
        if stream:
            async with completions.stream(messages=transcript, tools=schemas, **params) as s:
                async for kind, text in s.events():
                    yield ToolEvent(kind=kind, text=text)
            done = s.completion
        else:
            done = await completions.create(messages=transcript, tools=schemas, **params)
        run.completion = done
        if done.usage is not None:
            usage.append(done.usage)
        message = done.choices[0].message if done.choices else Message(content="")
        transcript.append(message)
        calls = message.tool_calls or []
        if not calls:
            run.finished = True
            yield ToolEvent(kind="done", run=run)
            return
        for call in calls:
            yield ToolEvent(kind="tool_call", call=call)
        results = await _run_calls(calls, by_name, max_parallel)
        run.tool_calls += len(calls)
        run.tool_errors += sum(1 for _, ok in results if not ok)
        for call, (text, ok) in zip(calls, results, strict=True):
            yield ToolEvent(kind="tool_result", call=call, text=text, ok=ok)
        transcript.extend(_tool_messages(calls, results))
    run.finished = False
    yield ToolEvent(kind="done", run=run)
