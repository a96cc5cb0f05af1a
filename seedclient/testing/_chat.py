"""The chat handlers: chat completions (whole and streamed) and Ark's Batch Chat, with the
fault plan's faults where production has them."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping
from typing import Any

import msgspec
from aiohttp import web

from ._bodies import chunk_frames, completion_body
from ._core import BODY, RID, FakeServerCore
from ._model import Answer, SchemaError, answer, split_tokens
from ._openai import check_openai_chat
from ._rules import Rejection, check_chat
from ._stats import MAX_LOGGED

__all__ = ["ChatHandlers"]

_encode = msgspec.json.encode
_DONE = b"data: [DONE]\n\n"


class ChatHandlers(FakeServerCore):
    """``/chat/completions`` and ``/batch/chat/completions``."""

    async def _batch_chat(self, request: web.Request) -> web.StreamResponse:
        """Ark's Batch Chat: an ``ep-bi-`` endpoint, no streaming, answered after a queue."""
        rid = request[RID]
        body = request[BODY]
        model = body.get("model") if isinstance(body, dict) else None
        if not isinstance(model, str) or not model.startswith("ep-bi-"):
            return self._refuse(
                Rejection(
                    404,
                    "InvalidEndpointOrModel.NotFound",
                    f"The batch endpoint {model} does not exist: Batch Chat needs an ep-bi- "
                    "endpoint.",
                ),
                rid,
            )
        if body.get("stream") is True:
            return self._refuse(
                Rejection(400, "InvalidParameter.stream", "Batch Chat does not stream."), rid
            )
        if self.batch_delay:
            await asyncio.sleep(self.batch_delay)
        return await self._chat(request)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        """``/chat/completions``: the rules, the RPM window, faults, then the answer."""
        rid = request[RID]
        body = request[BODY]
        if self.dialect == "openai":
            problem = check_openai_chat(body, self.extra_fields)
        else:
            problem = check_chat(self.dialect, body)
        if problem is None:
            problem = self._format_refused(body)
        if problem is not None:
            return self._refuse(problem, rid)
        wait = self._rpm_wait()
        if wait is not None:
            self.stats.rate_limited += 1
            refused = self._rate_limited(rid, "RateLimitExceeded.EndpointRPMExceeded", wait)
            refused.headers.update(self._budget())
            return refused
        self.stats.arrivals.append(time.monotonic())
        budget = self._budget()
        texts = self.stats.user_texts
        self.stats.last_messages = list(body["messages"])
        users = [m.get("content") for m in body["messages"] if m.get("role") == "user"]
        if users and isinstance(users[-1], str) and (len(texts) < MAX_LOGGED or users[-1] in texts):
            texts[users[-1]] += 1
        fault = self.faults.draw(users[-1] if users and isinstance(users[-1], str) else None)
        if fault is not None:
            self.stats.faults[fault] += 1
            early = await self._early_fault(fault, request, rid)
            if early is not None:
                return early
        try:
            ans = answer(body, thinking_default=self.thinking_default)
        except SchemaError as exc:
            return self._refuse(
                Rejection(400, "InvalidParameter.response_format", f"Invalid JSON schema: {exc}"),
                rid,
            )
        if fault == "bad_answer":
            if ans.label_logprob is not None:
                ans.content = split_tokens("I think this text is mostly about something else.")
            elif _wants_json(body):  # JSON, but not the shape asked for
                ans.content = split_tokens('{"note": "not what was asked"}')
        if body.get("stream") is True:
            return await self._stream(request, body, ans, rid, fault, budget)
        if fault == "error_event":
            return self._error(
                500, "InternalServiceError", "The service encountered an error.", rid
            )
        if fault == "stall":
            await asyncio.sleep(self.faults.stall_seconds)
        latency = self.ttft
        if self.tokens_per_second:
            latency += (len(ans.content) + len(ans.reasoning)) / self.tokens_per_second
        if latency:
            await asyncio.sleep(latency)
        resp = self._complete(body, ans, rid, fault)
        resp.headers.update(budget)
        if fault == "truncate":
            return await self._cut(request, resp)
        return resp

    def _format_refused(self, body: Mapping[str, Any]) -> Rejection | None:
        """llama-cpp-python's answer to a ``response_format`` type it does not take."""
        fmt = body.get("response_format")
        takes = self.response_formats
        if takes is None or not isinstance(fmt, dict) or fmt.get("type") in takes:
            return None
        return Rejection(
            500,
            "internal_server_error",
            "1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', "
            f"'type'), 'msg': \"Input should be {' or '.join(map(repr, sorted(takes)))}\", "
            f"'input': {fmt.get('type')!r}}}",
        )

    async def _cut(self, request: web.Request, full: web.Response) -> web.StreamResponse:
        """Send the headers and half the body of ``full``, then drop the connection."""
        payload = bytes(full.body) if isinstance(full.body, (bytes, bytearray)) else b""
        resp = web.StreamResponse(headers=dict(full.headers))
        resp.content_length = len(payload)
        await resp.prepare(request)
        await resp.write(payload[: len(payload) // 2])
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError

    def _rate_limited(self, rid: str, code: str, wait: float | None = None) -> web.Response:
        wait = self.faults.retry_after if wait is None else wait
        return self._error(
            429,
            code,
            "The request rate has exceeded the limit, please try again later.",
            rid,
            {"Retry-After": f"{math.ceil(wait)}", "retry-after-ms": f"{max(wait * 1000, 1):.0f}"},
        )

    async def _early_fault(
        self, fault: str, request: web.Request, rid: str
    ) -> web.StreamResponse | None:
        if fault == "rate_limit":
            return self._rate_limited(rid, "RateLimitExceeded.EndpointRPMExceeded")
        if fault == "quota":
            return self._error(429, "QuotaExceeded", "Your account quota is exhausted.", rid)
        if fault == "server_error":
            return self._error(
                500, "InternalServiceError", "The service encountered an error.", rid
            )
        if fault == "overloaded":
            return self._error(503, "ServerOverloaded", "The service is overloaded.", rid)
        if fault == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing is sent: the peer sees a reset
        if fault == "slow_first_byte":
            await asyncio.sleep(self.faults.slow_first_byte_seconds)
        return None

    def _complete(
        self, body: Mapping[str, Any], ans: Answer, rid: str, fault: str | None
    ) -> web.Response:
        out, headers = completion_body(
            body, ans, rid, self._served_model(body["model"]), self.dialect
        )
        payload = _encode(out)
        if fault == "malformed":
            payload = payload[: len(payload) // 2]
        return web.Response(body=payload, headers=headers, content_type="application/json")

    async def _stream(
        self,
        request: web.Request,
        body: Mapping[str, Any],
        ans: Answer,
        rid: str,
        fault: str | None,
        budget: Mapping[str, str],
    ) -> web.StreamResponse:
        frames = chunk_frames(body, ans, rid, self._served_model(body["model"]), self.dialect)
        resp = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "x-request-id" if self.dialect == "ark" else "x-inference-id": rid,
                **budget,
            }
        )
        plan = self.faults
        cut = min(plan.truncate_after, len(frames) - 1)
        try:
            await resp.prepare(request)
            if self.ttft:
                await asyncio.sleep(self.ttft)
            pace = 1.0 / self.tokens_per_second if self.tokens_per_second else 0.0
            if fault is None and not pace:
                await resp.write(b"".join(frames) + _DONE)
                await resp.write_eof()
                self.stats.streams_completed += 1
                return resp
            for i, frame in enumerate(frames):
                if fault is not None and i == cut:
                    if fault == "truncate":
                        await resp.write_eof()  # a clean end, but no [DONE]
                        return resp
                    if fault == "interrupt":
                        await resp.write(_DONE)  # [DONE], but before the finish
                        await resp.write_eof()
                        return resp
                    if fault == "malformed":
                        await resp.write(b'data: {"id": "broken", "choices": [{"delta": \n\n')
                    elif fault == "error_event":
                        err = {
                            "error": {
                                "code": "InternalServiceError",
                                "message": f"The service encountered an error. Request id: {rid}",
                                "type": "InternalServerError",
                            }
                        }
                        await resp.write(b"data: " + _encode(err) + b"\n\n")
                        await resp.write_eof()
                        return resp
                    elif fault == "stall":
                        end = time.monotonic() + plan.stall_seconds
                        while time.monotonic() < end:
                            await resp.write(b": keep-alive\n\n")
                            await asyncio.sleep(plan.keepalive_every)
                await resp.write(frame)
                if pace:
                    await asyncio.sleep(pace)
            await resp.write(_DONE)
            await resp.write_eof()
            self.stats.streams_completed += 1
        except (ConnectionError, RuntimeError):
            pass  # the client went away: nothing to finish
        return resp


def _wants_json(body: Mapping[str, Any]) -> bool:
    """Whether a chat request asks for JSON (a response_format, or a schema in the prompt)."""
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping) and fmt.get("type") in ("json_object", "json_schema"):
        return True
    messages = body.get("messages") or []
    return any(
        isinstance(m, Mapping) and isinstance(m.get("content"), str) and "JSON" in m["content"]
        for m in messages
        if m.get("role") == "system"
    )
