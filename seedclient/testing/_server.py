"""FakeSeedServer: a real HTTP server on 127.0.0.1 that speaks the Seed wire."""

from __future__ import annotations

import asyncio
import base64
import collections
import math
import struct
import time
import zlib
from collections.abc import Collection, Coroutine, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

import msgspec
from aiohttp import web

from .._catalog import FAMILIES, ModelSpec
from ._faults import FaultPlan
from ._images import plan_images, png
from ._model import Answer, SchemaError, answer, count_tokens, embedding, split_tokens
from ._rules import DIALECTS, Rejection, check_chat, check_embeddings, check_images, model_of

__all__ = ["FakeSeedServer", "ServerStats"]

_encode = msgspec.json.encode
_decode = msgspec.json.decode
_DONE = b"data: [DONE]\n\n"
_MAX_LOGGED = 100_000
_ARK_TYPES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    429: "TooManyRequests",
}
_AISA_TYPES = {401: "authentication_error", 429: "rate_limit_error"}


@dataclass
class ServerStats:
    """What the server received and answered, for tests to assert exact numbers.

    Attributes:
        received: chat requests received (every attempt, including rejected ones).
        answered: HTTP status -> how many responses with it.
        faults: fault kind -> how many times it was injected.
        rate_limited: requests refused by the RPM limiter.
        in_flight: chat requests being handled now; ``max_in_flight`` the peak.
        streams_completed: streams sent through to ``[DONE]``.
        arrivals: monotonic times of accepted chat requests (the last 100,000).
        user_texts: last user message -> how many requests carried it (first 100,000 texts).
    """

    received: int = 0
    answered: collections.Counter[int] = field(default_factory=collections.Counter)
    faults: collections.Counter[str] = field(default_factory=collections.Counter)
    rate_limited: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    streams_completed: int = 0
    arrivals: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=_MAX_LOGGED)
    )
    user_texts: collections.Counter[str] = field(default_factory=collections.Counter)

    def __repr__(self) -> str:
        answered = dict(sorted(self.answered.items()))
        return (
            f"ServerStats(received={self.received}, answered={answered}, "
            f"faults={dict(self.faults)}, rate_limited={self.rate_limited}, "
            f"max_in_flight={self.max_in_flight}, streams_completed={self.streams_completed}, "
            f"arrivals={len(self.arrivals)}, distinct_user_texts={len(self.user_texts)})"
        )

    def max_in_window(self, window: float) -> int:
        """The most accepted requests that fell in any ``window`` seconds."""
        times = list(self.arrivals)
        best = lo = 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best


class FakeSeedServer:
    """An embedded Seed endpoint on 127.0.0.1 with a free port, for tests and demos.

    ``async with FakeSeedServer() as server:`` then ``SeedClient(base_url=server.url,
    api_key="anything")``. It serves chat completions (JSON and SSE), Seedream image
    generation and the model list under ``/v1`` and ``/api/v3``, answers with a
    deterministic fake model, and injects the faults of a :class:`FaultPlan`.

    Args:
        api_key: accept only this bearer key (default: any non-empty key).
        dialect: which provider it plays. ``"ark"`` (BytePlus / Volcengine: errors under
            ``error``, ``ep-`` endpoints, no image ``n``), ``"aiml"`` (AI/ML API: top-level
            errors, ``meta.usage`` costs, strict unknown-field checks, its image field
            names) or ``"aisa"`` (AIsa: its error envelope, ``X-RateLimit-*`` headers on
            every answer, image ``n``). Each accepts the catalogue's friendly names and its
            own providers' pinned ids, and answers 404 to any other model.
        faults: the fault plan (default: no faults).
        ttft: seconds before the first streamed token.
        tokens_per_second: streaming pace (None: as fast as possible).
        rpm_limit: answer 429 past this many requests per ``rpm_window`` seconds.
        rpm_window: the RPM limiter's window, in seconds.
        thinking_default: whether the model reasons unless told not to (as Seed does).
        failed_images: indices of the images of a request that fail (as Seedream's
            sensitive-content check fails one image of a group while the others come back).
        batch_delay: seconds a Batch Chat request (``/batch/chat/completions``, Ark dialect)
            waits in the queue before it is answered.
        rate_limit_headers: send ``x-ratelimit-{limit,remaining,reset}-requests`` (reset as
            a Unix time) on every chat answer while ``rpm_limit`` is set, as AIsa does
            (default: on for the aisa dialect only).
        port: the port (0: a free one).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        dialect: Literal["ark", "aiml", "aisa"] = "ark",
        faults: FaultPlan | None = None,
        ttft: float = 0.0,
        tokens_per_second: float | None = None,
        rpm_limit: int | None = None,
        rpm_window: float = 60.0,
        thinking_default: bool = True,
        failed_images: Collection[int] = (),
        rate_limit_headers: bool | None = None,
        batch_delay: float = 0.0,
        port: int = 0,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}")
        self.api_key = api_key
        self.dialect = dialect
        self.faults = faults or FaultPlan()
        self.ttft = ttft
        self.tokens_per_second = tokens_per_second
        self.rpm_limit = rpm_limit
        self.rpm_window = rpm_window
        self.thinking_default = thinking_default
        self.failed_images = frozenset(failed_images)
        self.batch_delay = batch_delay
        self.rate_limit_headers = (
            dialect == "aisa" if rate_limit_headers is None else rate_limit_headers
        )
        self.stats = ServerStats()
        self._port = port
        self._runner: web.AppRunner | None = None
        self._window: collections.deque[float] = collections.deque()
        self._files: dict[str, bytes] = {}
        self._counter = 0
        self._actual_port = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The base URL to give a client (``http://127.0.0.1:PORT/v1``)."""
        if not self._actual_port:
            raise RuntimeError("the server is not started")
        return f"http://127.0.0.1:{self._actual_port}/v1"

    @property
    def port(self) -> int:
        """The port it listens on (0 before start)."""
        return self._actual_port

    def app(self) -> web.Application:
        """The aiohttp application, for embedding in another server or test harness."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for prefix in ("/v1", "/api/v3"):
            app.router.add_post(f"{prefix}/chat/completions", self._chat)
            if self.dialect == "ark":
                app.router.add_post(f"{prefix}/batch/chat/completions", self._batch_chat)
            app.router.add_post(f"{prefix}/images/generations", self._images)
            app.router.add_post(f"{prefix}/embeddings", self._embeddings)
            if self.dialect == "ark":
                app.router.add_post(f"{prefix}/embeddings/multimodal", self._embeddings)
            app.router.add_get(f"{prefix}/models", self._models)
        app.router.add_get("/files/{name}", self._file)
        return app

    async def start(self) -> None:
        """Start listening on 127.0.0.1."""
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._port, reuse_address=True)
        await site.start()
        self._runner = runner
        self._actual_port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop listening and end open connections. Idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeSeedServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ helpers

    def _request_id(self) -> str:
        self._counter += 1
        return f"021{int(time.time() * 1000)}{self._counter:010d}"

    def _error(
        self,
        status: int,
        code: str,
        message: str,
        rid: str,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        self.stats.answered[status] += 1
        text = f"{message} Request id: {rid}"
        body: dict[str, Any]
        if self.dialect == "aiml":
            body = {
                "message": text,
                "path": "/v1/chat/completions",
                "requestId": rid,
                "statusCode": status,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            }
        elif self.dialect == "aisa":
            kind = _AISA_TYPES.get(
                status, "api_error" if status >= 500 else "invalid_request_error"
            )
            body = {"error": {"type": kind, "code": code, "message": text, "request_id": rid}}
        else:
            kind = _ARK_TYPES.get(status, "InternalServerError")
            body = {"error": {"code": code, "message": text, "param": "", "type": kind}}
        hdrs = {"x-request-id": rid, **(headers or {})}
        return web.Response(
            status=status, body=_encode(body), headers=hdrs, content_type="application/json"
        )

    def _auth_error(self, request: web.Request, rid: str) -> web.Response | None:
        auth = request.headers.get("Authorization", "")
        key = auth[7:] if auth.startswith("Bearer ") else ""
        if not key or (self.api_key is not None and key != self.api_key):
            return self._error(
                401,
                "AuthenticationError",
                "The API key in the request is missing or invalid.",
                rid,
                {"x-error-code": "AuthN_MissOrInvalidAuthorizationHeader"},
            )
        return None

    async def _read_json(self, request: web.Request, rid: str) -> tuple[Any, web.Response | None]:
        """The request's JSON body, or the 401/400 answer that refuses it."""
        denied = self._auth_error(request, rid)
        if denied is not None:
            return None, denied
        try:
            return _decode(await request.read()), None
        except msgspec.DecodeError:
            error = self._error(400, "InvalidParameter", "The request body is not valid JSON.", rid)
            return None, error

    def _budget(self) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers of the RPM window now (empty when not sent)."""
        if not self.rate_limit_headers or self.rpm_limit is None:
            return {}
        window = self._window
        reset = (window[0] + self.rpm_window - time.monotonic()) if window else 0.0
        return {
            "x-ratelimit-limit-requests": str(self.rpm_limit),
            "x-ratelimit-remaining-requests": str(max(self.rpm_limit - len(window), 0)),
            "x-ratelimit-reset-requests": f"{time.time() + max(reset, 0.0):.3f}",
        }

    def _rpm_wait(self) -> float | None:
        """None if the request fits the RPM window; else seconds until a slot frees."""
        if self.rpm_limit is None:
            return None
        now = time.monotonic()
        window = self._window
        while window and now - window[0] >= self.rpm_window:
            window.popleft()
        if len(window) >= self.rpm_limit:
            return window[0] + self.rpm_window - now
        window.append(now)
        return None

    def _served_model(self, model: str) -> str:
        """The upstream id a response names (production answers with the versioned id)."""
        spec, _ = model_of(self.dialect, model)
        if spec is None or model not in (spec.family, *spec.aliases):
            return model
        ids = (spec.ids.get(p) for p in DIALECTS[self.dialect])
        return next((i for i in ids if i is not None), model)

    def _refuse(self, rejection: Rejection, rid: str) -> web.Response:
        return self._error(rejection.status, rejection.code, rejection.message, rid)

    # ------------------------------------------------------------------ chat

    async def _batch_inner(self, request: web.Request) -> web.StreamResponse:
        """Ark's Batch Chat: an ``ep-bi-`` endpoint, no streaming, answered after a queue."""
        rid = self._request_id()
        body, refused = await self._read_json(request, rid)
        if refused is not None:
            return refused
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
        request["body"] = body  # read once: _chat_inner takes it from here
        return await self._chat_inner(request)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        return await self._counted(self._chat_inner(request))

    async def _batch_chat(self, request: web.Request) -> web.StreamResponse:
        return await self._counted(self._batch_inner(request))

    async def _counted(
        self, handling: Coroutine[Any, Any, web.StreamResponse]
    ) -> web.StreamResponse:
        stats = self.stats
        stats.received += 1
        stats.in_flight += 1
        if stats.in_flight > stats.max_in_flight:
            stats.max_in_flight = stats.in_flight
        try:
            return await handling
        finally:
            stats.in_flight -= 1

    async def _chat_inner(self, request: web.Request) -> web.StreamResponse:
        rid = self._request_id()
        body = request.get("body")
        if body is None:
            body, refused = await self._read_json(request, rid)
            if refused is not None:
                return refused
        problem = check_chat(self.dialect, body)
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
        users = [m.get("content") for m in body["messages"] if m.get("role") == "user"]
        if (
            users
            and isinstance(users[-1], str)
            and (len(texts) < _MAX_LOGGED or users[-1] in texts)
        ):
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

    def _usage(self, body: Mapping[str, Any], ans: Answer) -> dict[str, Any]:
        completion = (
            len(ans.content)
            + len(ans.reasoning)
            + sum(count_tokens(t["function"]["arguments"]) for t in ans.tool_calls)
        )
        cached = (ans.prompt_tokens // 64) * 32 if ans.prompt_tokens >= 64 else 0
        return {
            "prompt_tokens": ans.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": ans.prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
            "completion_tokens_details": {"reasoning_tokens": len(ans.reasoning)},
        }

    def _meta(self, usage: Mapping[str, Any]) -> dict[str, Any]:
        credits = usage["prompt_tokens"] * 0.04 + usage["completion_tokens"] * 0.44
        return {"usage": {"credits_used": round(credits, 3), "usd_spent": round(credits / 2e6, 9)}}

    def _logprobs(self, body: Mapping[str, Any], ans: Answer) -> dict[str, Any] | None:
        if body.get("logprobs") is not True or self.dialect == "aiml":
            return None
        top_n = int(body.get("top_logprobs") or 0)
        content = []
        for i, tok in enumerate(ans.content):
            lp = ans.label_logprob if (i == 0 and ans.label_logprob is not None) else -0.05
            alts = [{"token": tok, "logprob": lp}] + [
                {"token": a, "logprob": alp} for a, alp in ans.alternatives
            ]
            content.append({"token": tok, "logprob": lp, "top_logprobs": alts[:top_n]})
        return {"content": content}

    def _complete(
        self, body: Mapping[str, Any], ans: Answer, rid: str, fault: str | None
    ) -> web.Response:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(ans.content)}
        if ans.reasoning:
            message["reasoning_content"] = "".join(ans.reasoning)
        if ans.tool_calls:
            message["tool_calls"] = ans.tool_calls
        usage = self._usage(body, ans)
        out: dict[str, Any] = {
            "id": rid,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self._served_model(body["model"]),
            "service_tier": "default",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": ans.finish_reason,
                    "logprobs": self._logprobs(body, ans),
                }
            ],
            "usage": usage,
        }
        headers = {"x-request-id": rid}
        if self.dialect == "aiml":
            out["meta"] = self._meta(usage)
            headers = {
                "x-inference-id": rid,
                "x-aimlapi-credits-used": str(out["meta"]["usage"]["credits_used"]),
            }
        payload = _encode(out)
        if fault == "malformed":
            payload = payload[: len(payload) // 2]
        self.stats.answered[200] += 1
        return web.Response(body=payload, headers=headers, content_type="application/json")

    def _chunks(self, body: Mapping[str, Any], ans: Answer, rid: str) -> list[bytes]:
        created = int(time.time())
        model = self._served_model(body["model"])
        head = (
            f'{{"id":"{rid}","object":"chat.completion.chunk","created":{created},"model":'.encode()
        )
        head += _encode(model) + b',"service_tier":"default","choices":['
        tail = b'],"usage":null}'

        def frame(choice: dict[str, Any]) -> bytes:
            return b"data: " + head + _encode(choice) + tail + b"\n\n"

        frames = []
        for piece in ans.reasoning:
            frames.append(
                frame(
                    {
                        "delta": {"content": "", "reasoning_content": piece, "role": "assistant"},
                        "index": 0,
                    }
                )
            )
        lp = self._logprobs(body, ans)
        for i, piece in enumerate(ans.content):
            choice: dict[str, Any] = {"delta": {"content": piece, "role": "assistant"}, "index": 0}
            if lp is not None:
                choice["logprobs"] = {"content": [lp["content"][i]]}
            frames.append(frame(choice))
        last: dict[str, Any] = {
            "delta": {"content": "", "role": "assistant"},
            "finish_reason": ans.finish_reason,
            "index": 0,
        }
        for i, call in enumerate(ans.tool_calls):
            # The call's head first, then its arguments in pieces, as a streaming model does.
            fn = call["function"]
            head_delta: dict[str, Any] = {"id": call["id"], "type": "function", "index": i}
            head_delta["function"] = {"name": fn["name"], "arguments": ""}
            frames.append(frame({"delta": {"tool_calls": [head_delta]}, "index": 0}))
            args = fn["arguments"]
            step = max(1, len(args) // 3 + 1)
            for at in range(0, len(args), step):
                fragment: dict[str, Any] = {
                    "index": i,
                    "function": {"arguments": args[at : at + step]},
                }
                frames.append(frame({"delta": {"tool_calls": [fragment]}, "index": 0}))
        frames.append(frame(last))
        opts = body.get("stream_options")
        if isinstance(opts, dict) and opts.get("include_usage"):
            usage = self._usage(body, ans)
            final: dict[str, Any] = {
                "id": rid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "service_tier": "default",
                "choices": [],
                "usage": usage,
            }
            if self.dialect == "aiml":
                final["meta"] = self._meta(usage)
            frames.append(b"data: " + _encode(final) + b"\n\n")
        return frames

    async def _stream(
        self,
        request: web.Request,
        body: Mapping[str, Any],
        ans: Answer,
        rid: str,
        fault: str | None,
        budget: Mapping[str, str],
    ) -> web.StreamResponse:
        frames = self._chunks(body, ans, rid)
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
            self.stats.answered[200] += 1
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

    # ------------------------------------------------------------------ images and models

    async def _images(self, request: web.Request) -> web.StreamResponse:
        rid = self._request_id()
        body, refused = await self._read_json(request, rid)
        if refused is not None:
            return refused
        spec, problem = check_images(self.dialect, body)
        if problem is not None:
            return self._refuse(problem, rid)
        planned = plan_images(self.dialect, spec, body, self.failed_images)
        digest = zlib.crc32(body["prompt"].encode())
        image = png(((digest >> 16) & 255, (digest >> 8) & 255, digest & 255))
        b64 = body.get("response_format") == "b64_json"
        items: list[dict[str, Any]] = []
        for p in planned:
            if p.error is not None:
                items.append({"error": p.error})
            elif b64:
                items.append({"b64_json": base64.b64encode(image).decode(), "size": p.size})
            else:
                name = f"{rid}-{p.index}.png"
                if len(self._files) > 1000:
                    self._files.clear()
                self._files[name] = image
                url = f"http://127.0.0.1:{self._actual_port}/files/{name}"
                items.append({"url": url, "size": p.size})
        made = sum(1 for p in planned if p.error is None)
        usage = {"generated_images": made, "output_tokens": 16384 * made}
        usage["total_tokens"] = usage["output_tokens"]
        model = self._served_model(body["model"])
        self.stats.answered[200] += 1
        if body.get("stream") is True and self.dialect == "ark":
            return await self._image_events(request, model, items, usage, rid)
        out: dict[str, Any] = {"model": model, "created": int(time.time()), "data": items}
        if self.dialect == "aiml":
            out["meta"] = {"usage": {"credits_used": 84000 * made}}
        else:
            out["usage"] = usage
        return web.Response(
            body=_encode(out), headers={"x-request-id": rid}, content_type="application/json"
        )

    async def _image_events(
        self,
        request: web.Request,
        model: str,
        items: list[dict[str, Any]],
        usage: dict[str, Any],
        rid: str,
    ) -> web.StreamResponse:
        resp = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "x-request-id": rid}
        )
        await resp.prepare(request)
        created = int(time.time())
        for i, item in enumerate(items):
            kind = "partial_failed" if "error" in item else "partial_succeeded"
            event = {"type": f"image_generation.{kind}", "model": model, "image_index": i}
            event.update(item)
            event["created"] = created
            await self._event(resp, event)
            if self.ttft:
                await asyncio.sleep(self.ttft)
        done: dict[str, Any] = {"type": "image_generation.completed", "model": model}
        done.update(usage=usage, created=created)
        await self._event(resp, done)
        await resp.write(_DONE)
        await resp.write_eof()
        return resp

    @staticmethod
    async def _event(resp: web.StreamResponse, event: dict[str, Any]) -> None:
        await resp.write(
            f"event: {event['type']}\n".encode() + b"data: " + _encode(event) + b"\n\n"
        )

    async def _file(self, request: web.Request) -> web.Response:
        data = self._files.get(request.match_info["name"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="image/png")

    async def _embeddings(self, request: web.Request) -> web.Response:
        """``/embeddings`` (a vector per text) and Ark's ``/embeddings/multimodal`` (one
        fused vector, ``data`` a single object)."""
        self.stats.received += 1
        rid = self._request_id()
        denied = self._auth_error(request, rid)
        if denied is not None:
            return denied
        body, refused = await self._read_json(request, rid)
        if refused is not None:
            return refused
        multimodal = request.path.endswith("/multimodal")
        spec, problem = check_embeddings(self.dialect, body, multimodal=multimodal)
        if problem is not None:
            return self._refuse(problem, rid)
        dims = body.get("dimensions") or (spec.dimensions[0] if spec else 1024)
        given = body["input"]
        texts = (
            [_encode(given).decode()]
            if multimodal
            else ([given] if isinstance(given, str) else given)
        )

        def item(i: int, key: str) -> dict[str, Any]:
            vector = embedding(key, dims)
            if body.get("encoding_format") == "base64":
                packed = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode()
                return {"index": i, "object": "embedding", "embedding": packed}
            return {"index": i, "object": "embedding", "embedding": vector}

        items = [item(i, key) for i, key in enumerate(texts)]
        tokens = sum(count_tokens(key) for key in texts)
        out: dict[str, Any] = {
            "id": rid,
            "object": "list",
            "model": self._served_model(body["model"]),
            "created": int(time.time()),
            "data": items[0] if multimodal else items,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        self.stats.answered[200] += 1
        return web.Response(
            body=_encode(out), headers={"x-request-id": rid}, content_type="application/json"
        )

    async def _models(self, request: web.Request) -> web.Response:
        rid = self._request_id()
        denied = self._auth_error(request, rid)
        if denied is not None:
            return denied
        data = [self._model_entry(spec, pinned) for spec, pinned in self._served_ids()]
        return web.Response(
            body=_encode({"object": "list", "data": data}), content_type="application/json"
        )

    def _served_ids(self) -> list[tuple[ModelSpec, str]]:
        seen: dict[str, ModelSpec] = {}
        for spec in FAMILIES:
            for provider in DIALECTS[self.dialect]:
                pinned = spec.ids.get(provider)
                if pinned is not None:
                    seen.setdefault(pinned, spec)
        return [(spec, pinned) for pinned, spec in seen.items()]

    def _model_entry(self, spec: ModelSpec, pinned: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": pinned, "object": "model", "created": 0}
        entry["owned_by"] = "bytedance"
        if self.dialect != "ark":
            return entry
        # Ark's /models carries a capability matrix per model.
        chat = spec.kind == "chat"
        entry["domain"] = {"chat": "LLM", "embedding": "Embedding"}.get(spec.kind, "VLM")
        entry["status"] = "Running"
        entry["features"] = {
            "structured_outputs": {
                "json_object": "json_object" in spec.response_formats,
                "json_schema": "json_schema" in spec.response_formats,
            },
            "tools": {"function_calling": chat},
            "batch": {"batch_chat": chat, "batch_job": chat},
        }
        if chat:
            entry["token_limits"] = {
                "context_window": spec.context,
                "max_output_token_length": spec.max_output,
            }
        return entry


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
