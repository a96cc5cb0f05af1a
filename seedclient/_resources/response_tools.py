"""The tool runner on Ark's Responses API: functions called until the model answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from .._wire.chat import Function, ToolCall
from .._wire.responses import Response
from .tools import Tool, _check, _run_calls, as_tools

__all__ = ["ResponsesToolRun", "run_response_tools"]


class ResponsesToolRun(msgspec.Struct, kw_only=True):
    """What ``client.responses.run_tools`` did.

    Attributes:
        response: the last response (its ``output_text`` is the answer when ``finished``).
        responses: every response of the run, in order (each continues the one before by
            ``previous_response_id``).
        tool_calls: how many tool calls were made; ``tool_errors``: how many failed (their
            error went back to the model as the result).
        finished: whether the model answered without asking for more calls.
    """

    response: Response
    responses: list[Response]
    tool_calls: int = 0
    tool_errors: int = 0
    finished: bool = False

    @property
    def output_text(self) -> str:
        """The final answer's text."""
        return self.response.output_text


async def run_response_tools(
    create: Callable[..., Any],
    *,
    model: str,
    input: Any,
    tools: Sequence[Callable[..., Any] | Tool],
    max_turns: int = 10,
    max_parallel: int = 8,
    **params: Any,
) -> ResponsesToolRun:
    """Send, run the function calls asked for, send their outputs back (continuing the
    last response), until the model answers or ``max_turns`` responses were made."""
    _check(max_turns, max_parallel)
    table = as_tools(tools)
    flat = [{"type": "function", **tool.schema()["function"]} for tool in table.values()]
    done: Response = await create(model=model, input=input, tools=flat, **params)
    run = ResponsesToolRun(response=done, responses=[done])
    while len(run.responses) < max_turns:
        calls = done.function_calls
        if not calls:
            run.finished = True
            break
        asked = [
            ToolCall(
                id=c.call_id or "",
                function=Function(name=c.name or "", arguments=c.arguments or ""),
            )
            for c in calls
        ]
        results = await _run_calls(asked, table, max_parallel)
        run.tool_calls += len(calls)
        run.tool_errors += sum(not ok for _, ok in results)
        outputs = [
            {"type": "function_call_output", "call_id": c.call_id, "output": text}
            for c, (text, _) in zip(calls, results, strict=True)
        ]
        done = await create(
            model=model, input=outputs, previous_response_id=done.id, tools=flat, **params
        )
        run.responses.append(done)
        run.response = done
    else:
        run.finished = not done.function_calls
    return run
