"""Ark's Responses API (``/responses``), as the fake serves it in the Ark dialect.

Created responses are answered by the same fake model as chat; streamed ones as events in the
documented order (``response.created`` ... ``response.completed``), each with its
``sequence_number``. Responses are stored (``store``, default on) until ``expire_at`` (3 days
by default); with ``caching: {"type": "enabled"}`` on both, a response that continues a
stored one reads the stored context from the cache (``input_tokens_details.cached_tokens``).
Ark's refusals: ``instructions`` with caching, replayed reasoning or function-call items
without ``status`` (``MissingParameter``), an unknown or expired ``previous_response_id``, a
model that is not a chat model.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from ._core import BODY, RID, FakeServerCore
from ._model import Answer, answer, text_of
from ._rules import Rejection, model_of

__all__ = ["ResponsesHandlers"]

_encode = msgspec.json.encode
DEFAULT_STORE_SECONDS = 3 * 24 * 3600


@dataclass
class _Stored:
    response: dict[str, Any]
    messages: list[dict[str, Any]]  # the whole context, the answer included
    items: list[dict[str, Any]]  # the input items it was given
    context_tokens: int
    expire_at: int
    cached: bool


def _messages_of(items: Any) -> tuple[list[dict[str, Any]], Rejection | None]:
    """Chat messages from a Responses ``input`` (a text, or items)."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}], None
    out: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else ():
        kind = item.get("type", "message")
        if kind in ("reasoning", "function_call") and "status" not in item:
            return [], Rejection(
                400, "MissingParameter", "The parameter `input.status` is missing."
            )
        if kind == "message" or "role" in item:
            content = item.get("content")
            if isinstance(content, list):
                content = "".join(str(p.get("text") or "") for p in content)
            out.append({"role": item.get("role", "user"), "content": content})
        elif kind == "function_call_output":
            call = item.get("call_id")
            out.append(
                {"role": "tool", "tool_call_id": call, "content": str(item.get("output", ""))}
            )
    return out, None


def _chat_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A flat Responses function tool in Chat's nested form (what the fake model reads)."""
    keys = ("name", "description", "parameters", "strict")
    return {"type": "function", "function": {k: tool[k] for k in keys if k in tool}}


class ResponsesHandlers(FakeServerCore):
    """``POST /responses``, ``GET`` / ``DELETE /responses/{id}`` and its input items."""

    _stored_responses: dict[str, _Stored]

    def _store(self) -> dict[str, _Stored]:
        if not hasattr(self, "_stored_responses"):
            self._stored_responses = {}
        return self._stored_responses

    def _found(self, response_id: str) -> _Stored | None:
        stored = self._store().get(response_id)
        if stored is not None and stored.expire_at < time.time():
            del self._store()[response_id]
            return None
        return stored

    async def _responses(self, request: web.Request) -> web.StreamResponse:
        rid, body = request[RID], request[BODY]
        spec, refused = model_of(self.dialect, body.get("model"))
        if refused is None and spec is not None and spec.kind != "chat":
            refused = Rejection(
                400, "InvalidParameter", f"The model {body['model']} does not support responses."
            )
        caching = (body.get("caching") or {}).get("type") == "enabled"
        if refused is None and caching and body.get("instructions"):
            refused = Rejection(
                400,
                "InvalidParameter",
                "The parameter `instructions` is not supported when caching is enabled.",
            )
        history: list[dict[str, Any]] = []
        cached_tokens = 0
        previous = body.get("previous_response_id")
        if refused is None and previous:
            stored = self._found(previous)
            if stored is None:
                refused = Rejection(
                    400,
                    "InvalidParameter.PreviousResponseNotFound",
                    f"The previous response {previous} was not found or has expired.",
                )
            else:
                history = stored.messages
                cached_tokens = stored.context_tokens if caching and stored.cached else 0
        new, problem = _messages_of(body.get("input"))
        refused = refused or problem
        if refused is not None:
            return self._refuse(refused, rid)
        system = (
            [{"role": "system", "content": body["instructions"]}]
            if body.get("instructions")
            else []
        )
        messages = system + history + new
        chat = {"model": body["model"], "messages": messages, "thinking": body.get("thinking")}
        tools = [_chat_tool(t) for t in body.get("tools") or () if t.get("type") == "function"]
        if tools:
            chat["tools"] = tools
            chat["tool_choice"] = body.get("tool_choice", "auto")
        fmt = (body.get("text") or {}).get("format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":  # text.format's shape
            schema = {"name": fmt.get("name"), "schema": fmt.get("schema")}
            chat["response_format"] = {"type": "json_schema", "json_schema": schema}
        elif isinstance(fmt, dict) and fmt.get("type") == "json_object":
            chat["response_format"] = {"type": "json_object"}
        ans = answer(chat)
        response = self._response(body, ans, rid, cached_tokens)
        now = int(time.time())
        if body.get("store", True):
            said: dict[str, Any] = {"role": "assistant", "content": "".join(ans.content)}
            if ans.tool_calls:
                said["tool_calls"] = ans.tool_calls
            self._store()[response["id"]] = _Stored(
                response,
                [*messages, said],
                list(body["input"]) if isinstance(body.get("input"), list) else new,
                ans.prompt_tokens + len(ans.content),
                int(body.get("expire_at") or now + DEFAULT_STORE_SECONDS),
                caching,
            )
        fault = self.faults.draw(text_of(new[-1]["content"]) if new else None)
        if fault is not None:
            self.stats.faults[fault] += 1
        if fault == "server_error":
            return self._error(
                500, "InternalServiceError", "The service encountered an error.", rid
            )
        if body.get("stream") is True:
            return await self._response_events(request, response, ans, rid, fault)
        return web.Response(
            body=_encode(response), headers={"x-request-id": rid}, content_type="application/json"
        )

    def _response(self, body: dict[str, Any], ans: Answer, rid: str, cached: int) -> dict[str, Any]:
        now = int(time.time())
        content = list(ans.content)
        limit = body.get("max_output_tokens")
        cut = False
        if isinstance(limit, int) and len(ans.reasoning) + len(content) > limit:
            cut = True
            content = content[: max(limit - len(ans.reasoning), 0)]
        output: list[dict[str, Any]] = []
        if ans.reasoning:
            output.append(
                {
                    "type": "reasoning",
                    "id": f"rs_{rid}",
                    "status": "completed",
                    "summary": [{"type": "summary_text", "text": "".join(ans.reasoning)}],
                }
            )
        for n, call in enumerate(ans.tool_calls):
            output.append(
                {
                    "type": "function_call",
                    "id": f"fc_{rid}_{n}",
                    "call_id": call["id"],
                    "name": call["function"]["name"],
                    "arguments": call["function"]["arguments"],
                    "status": "completed",
                }
            )
        if not ans.tool_calls:  # (a turn that calls tools says nothing else)
            output.append(
                {
                    "type": "message",
                    "id": f"msg_{rid}",
                    "role": "assistant",
                    "status": "incomplete" if cut else "completed",
                    "content": [
                        {"type": "output_text", "text": "".join(content), "annotations": []}
                    ],
                }
            )
        produced = len(ans.reasoning) + len(content)
        return {
            "id": f"resp_{rid}",
            "object": "response",
            "created_at": now,
            "status": "incomplete" if cut else "completed",
            "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
            "model": self._served_model(body["model"]),
            "output": output,
            "usage": {
                "input_tokens": ans.prompt_tokens,
                "output_tokens": produced,
                "total_tokens": ans.prompt_tokens + produced,
                "input_tokens_details": {"cached_tokens": min(cached, ans.prompt_tokens)},
                "output_tokens_details": {"reasoning_tokens": len(ans.reasoning)},
            },
            "previous_response_id": body.get("previous_response_id"),
            "store": body.get("store", True),
            "expire_at": body.get("expire_at") or now + DEFAULT_STORE_SECONDS,
            "caching": body.get("caching") or {"type": "disabled"},
            "max_output_tokens": limit or 32768,
        }

    async def _response_events(
        self,
        request: web.Request,
        response: dict[str, Any],
        ans: Answer,
        rid: str,
        fault: str | None,
    ) -> web.StreamResponse:
        resp = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "x-request-id": rid}
        )
        await resp.prepare(request)
        if self.ttft:
            await asyncio.sleep(self.ttft)
        events = _events(response, ans)
        for n, event in enumerate(events):
            if fault == "error_event" and n == min(4, len(events) - 1):
                error = {
                    "type": "error",
                    "code": "InternalServiceError",
                    "message": f"The service encountered an error. Request id: {rid}",
                    "param": None,
                    "sequence_number": n,
                }
                await resp.write(b"event: error\ndata: " + _encode(error) + b"\n\n")
                await resp.write_eof()
                return resp
            event["sequence_number"] = n
            frame = f"event: {event['type']}\ndata: ".encode() + _encode(event) + b"\n\n"
            await resp.write(frame)
            if self.tokens_per_second:
                await asyncio.sleep(1.0 / self.tokens_per_second)
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        self.stats.streams_completed += 1
        return resp

    async def _get_response(self, request: web.Request) -> web.StreamResponse:
        rid = request[RID]
        stored = self._found(request.match_info["id"])
        if stored is None:
            return self._error(404, "ResourceNotFound", "The response was not found.", rid)
        if request.method == "DELETE":
            del self._store()[request.match_info["id"]]
            out: dict[str, Any] = {"id": request.match_info["id"], "deleted": True}
        elif request.path.endswith("/input_items"):
            out = {"object": "list", "data": stored.items, "has_more": False}
        else:
            out = stored.response
        return web.Response(
            body=_encode(out), headers={"x-request-id": rid}, content_type="application/json"
        )


def _events(response: dict[str, Any], ans: Answer) -> list[dict[str, Any]]:
    """The events of a response, in Ark's documented order."""
    opening = {**response, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": opening},
        {"type": "response.in_progress", "response": opening},
    ]
    for index, item in enumerate(response["output"]):
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**item, "status": "in_progress", "summary": [], "content": []},
            }
        )
        if item["type"] == "function_call":
            events.append(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item["id"],
                    "output_index": index,
                    "delta": item["arguments"],
                }
            )
        elif item["type"] == "reasoning":
            for piece in ans.reasoning:
                events.append(
                    {
                        "type": "response.reasoning_summary_text.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "summary_index": 0,
                        "delta": piece,
                    }
                )
        else:
            text = item["content"][0]["text"]
            pieces = [p for p in ans.content if p] if text == "".join(ans.content) else [text]
            for piece in pieces:
                events.append(
                    {
                        "type": "response.output_text.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "content_index": 0,
                        "delta": piece,
                    }
                )
            events.append(
                {
                    "type": "response.output_text.done",
                    "item_id": item["id"],
                    "output_index": index,
                    "content_index": 0,
                    "text": text,
                }
            )
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    end = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    events.append({"type": end, "response": response})
    return events
