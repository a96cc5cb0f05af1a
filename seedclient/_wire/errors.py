"""Error bodies on the wire: an error response or an in-stream error event to its exception.

Understands both envelopes: Ark/AIsa ``{"error": {code, message, param, type, request_id}}``
and AI/ML API's top-level ``{message, statusCode, requestId}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
from multidict import CIMultiDict

from .._errors import (
    _BY_STATUS,
    QUOTA_CODES,
    APIStatusError,
    BadRequestError,
    ContextLengthError,
    InternalServerError,
    QuotaExceededError,
)
from .headers import parse_retry_after, request_id_of

_REQUEST_ID_IN_TEXT = re.compile(r"Request id:\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
#: How servers say a prompt does not fit: OpenAI and vLLM ("maximum context length"),
#: llama.cpp ("exceed context window", "exceeds the available context size"), codes.
_CONTEXT = re.compile(
    r"context[ _]length|maximum context|exceeds? (?:the )?(?:available )?context|"
    r"context[ _](?:window|size)",
    re.IGNORECASE,
)
#: A 5xx that is a request validation failure (pydantic's words, as llama-cpp-python's server
#: answers a body its models refuse): a client error under a server status, not retried.
_VALIDATION = re.compile(r"^\d+ validation errors?\b")


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _detail(detail: Any) -> str:
    """FastAPI-style ``{"detail": ...}``: a string, or a list of validation errors."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        return "; ".join(
            str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail[:5]
        )
    return ""


def status_error(status: int, body: bytes, headers: Mapping[str, str]) -> APIStatusError:
    """Turn an error response into the matching [APIStatusError][seedclient.APIStatusError].

    Understands both envelopes: Ark/AIsa ``{"error": {code, message, param, type,
    request_id}}`` and AI/ML API's top-level ``{message, statusCode, requestId}``.
    """
    parsed: Any
    try:
        parsed = msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        parsed = body.decode("utf-8", "replace")[:2000] if body else None
    return _error_from(status, parsed, headers)


def _error_from(
    status: int, parsed: dict[str, Any] | str | None, headers: Mapping[str, str]
) -> APIStatusError:
    """The error for a decoded error body (a dict), or its text when it was not JSON."""
    message = ""
    code = param = request_id = None
    if isinstance(parsed, dict):
        inner = parsed.get("error")
        if isinstance(inner, dict):
            message = str(inner.get("message") or "")
            code = _str_or_none(inner.get("code"))
            param = _str_or_none(inner.get("param"))
            request_id = _str_or_none(inner.get("request_id"))
            if code is None:
                code = _str_or_none(inner.get("type"))
        elif isinstance(inner, str):
            message = inner
        else:
            message = str(parsed.get("message") or _detail(parsed.get("detail")) or "")
            code = _str_or_none(parsed.get("code"))
            request_id = _str_or_none(parsed.get("requestId") or parsed.get("request_id"))
    else:
        message = parsed or ""
    if request_id is None:
        request_id = request_id_of(headers)
    if request_id is None and message:
        m = _REQUEST_ID_IN_TEXT.search(message)
        request_id = m.group(1) if m else None
    if code is None:
        code = headers.get("x-error-code")
    if not message:
        message = f"HTTP {status}"
    cls: type[APIStatusError]
    if status == 429 and code in QUOTA_CODES:
        cls = QuotaExceededError
    elif (status in (400, 413, 422) or status >= 500) and _CONTEXT.search(f"{code} {message}"):
        cls = ContextLengthError
    elif status >= 500 and _VALIDATION.match(message):
        cls = BadRequestError
    elif status >= 500:
        cls = InternalServerError
    else:
        cls = _BY_STATUS.get(status, APIStatusError)
    return cls(
        message,
        status_code=status,
        code=code,
        request_id=request_id,
        body=parsed,
        param=param,
        retry_after=parse_retry_after(headers),
        headers=CIMultiDict(headers),  # a copy that pickles (Ray), matched in any case
    )


def stream_error_event(payload: Any, request_id: str | None) -> APIStatusError:
    """An error that arrived inside a stream (``data: {"error": ...}`` or ``event: error``).

    Mapped to the class of its HTTP status when the payload carries one (``status_code``,
    ``status``, ``statusCode``, or a numeric ``code`` string as litellm's proxy sends), else
    to the class its code implies: 429 for rate-limit codes, 500 otherwise.
    """
    inner = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(inner, dict):
        inner = payload if isinstance(payload, dict) else {"message": str(payload)}
    code = _str_or_none(inner.get("code"))
    status = inner.get("status_code") or inner.get("statusCode") or inner.get("status")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) and code is not None and code.isdigit():
        status = int(code)  # litellm's proxy: {"error": {"code": "429", ...}}
    if not isinstance(status, int) or not 400 <= status < 600:
        if code is not None and (
            code in QUOTA_CODES
            or "RateLimit" in code
            or code
            in (
                "ServerOverloaded",
                "RequestBurstTooFast",
                "InflightBatchsizeExceeded",
            )
        ):
            status = 429
        else:
            status = 500
    headers = {"x-request-id": request_id} if request_id else {}
    return _error_from(status, payload if isinstance(payload, dict) else {"error": inner}, headers)
