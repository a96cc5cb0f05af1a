"""The fake server's state and what every request goes through: one middleware for the
request id, authentication, the JSON body and the accounting, and the shared answers."""

from __future__ import annotations

import collections
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, Literal

import msgspec
from aiohttp import web

from ._dialects import error_body
from ._faults import FaultPlan
from ._rules import DIALECTS, Rejection, model_of
from ._stats import ServerStats

__all__ = ["BODY", "RID", "FakeServerCore"]

_encode = msgspec.json.encode
_decode = msgspec.json.decode
#: Paths counted as model requests (``received``, ``in_flight``).
_COUNTED = (
    "/chat/completions",
    "/embeddings",
    "/embeddings/multimodal",
    "/images/generations",
    "/responses",
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# What the front door leaves on a request for its handler. aiohttp >= 3.12 wants typed
# keys; older versions take plain strings.
_Key = getattr(web, "RequestKey", None)
RID: Any = _Key("rid", str) if _Key is not None else "rid"
BODY: Any = _Key("body", object) if _Key is not None else "body"


class FakeServerCore:
    """The options and state of a [FakeSeedServer][seedclient.testing.FakeSeedServer], its front
    door (``_front_door``) and the answers every handler shares."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        dialect: Literal["ark", "aiml", "aisa", "openai"] = "ark",
        faults: FaultPlan | None = None,
        ttft: float = 0.0,
        tokens_per_second: float | None = None,
        rpm_limit: int | None = None,
        rpm_window: float = 60.0,
        thinking_default: bool = True,
        failed_images: Collection[int] = (),
        rate_limit_headers: bool | None = None,
        batch_delay: float = 0.0,
        response_formats: Collection[str] | None = None,
        extra_fields: Collection[str] = (),
        port: int = 0,
        ssl: Any = None,
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
        self.thinking_default = thinking_default and dialect != "openai"
        self.failed_images = frozenset(failed_images)
        self.batch_delay = batch_delay
        self.extra_fields = frozenset(extra_fields)
        self.response_formats = None if response_formats is None else frozenset(response_formats)
        self.rate_limit_headers = (
            dialect == "aisa" if rate_limit_headers is None else rate_limit_headers
        )
        self.stats = ServerStats()
        self._port = port
        self._ssl = ssl
        self._runner: web.AppRunner | None = None
        self._window: collections.deque[float] = collections.deque()
        self._files: dict[str, bytes] = {}
        self._counter = 0
        self._actual_port = 0

    @web.middleware
    async def _front_door(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """What every request goes through before its handler, once.

        A request id (``request[RID]``), the bearer key, the JSON body of a POST
        (``request[BODY]``), and the accounting: model requests received and in flight,
        and every answer's status. Image downloads (``/files/``) carry their own signature
        in production, so they skip the key.
        """
        if request.path.startswith("/files/"):
            return await handler(request)
        stats = self.stats
        counted = request.method == "POST" and request.path.endswith(_COUNTED)
        if counted:
            stats.received += 1
            stats.in_flight += 1
            if stats.in_flight > stats.max_in_flight:
                stats.max_in_flight = stats.in_flight
        try:
            resp = await self._admit(request, handler)
        finally:
            if counted:
                stats.in_flight -= 1
        stats.answered[resp.status] += 1
        return resp

    async def _admit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        rid = request[RID] = self._request_id()
        denied = self._auth_error(request, rid)
        if denied is not None:
            return denied
        if request.method == "POST":
            try:
                request[BODY] = _decode(await request.read())
            except msgspec.DecodeError:
                return self._error(
                    400, "InvalidParameter", "The request body is not valid JSON.", rid
                )
        return await handler(request)

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
        text = f"{message} Request id: {rid}"
        body = error_body(self.dialect, status, code, text, rid)
        hdrs = {"x-request-id": rid, **(headers or {})}
        return web.Response(
            status=status, body=_encode(body), headers=hdrs, content_type="application/json"
        )

    def _auth_error(self, request: web.Request, rid: str) -> web.Response | None:
        """The 401 for a missing or wrong bearer key (None when the key is fine)."""
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
