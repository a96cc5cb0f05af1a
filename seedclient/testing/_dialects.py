"""What differs between the providers the fake plays: error envelopes and id headers."""

from __future__ import annotations

import time
from typing import Any

__all__ = ["error_body", "id_header"]

_ARK_TYPES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    429: "TooManyRequests",
}
_AISA_TYPES = {401: "authentication_error", 429: "rate_limit_error"}


def error_body(dialect: str, status: int, code: str, text: str, rid: str) -> dict[str, Any]:
    """An error response's body as the provider writes it.

    AI/ML API puts the error at the top level (``message``, ``statusCode``, ``requestId``);
    AIsa and Ark put it under ``error``, each with its own ``type`` names; OpenAI under
    ``error`` with ``type``, ``param`` (the openai dialect's refusals name the parameter
    where the others name a code) and a null ``code``.
    """
    if dialect == "openai":
        kind = "invalid_request_error" if status < 500 else "server_error"
        param = None if code == "invalid_request_error" or status >= 500 else code
        return {"error": {"message": text, "type": kind, "param": param, "code": None}}
    if dialect == "aiml":
        return {
            "message": text,
            "path": "/v1/chat/completions",
            "requestId": rid,
            "statusCode": status,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        }
    if dialect == "aisa":
        kind = _AISA_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        return {"error": {"type": kind, "code": code, "message": text, "request_id": rid}}
    kind = _ARK_TYPES.get(status, "InternalServerError")
    return {"error": {"code": code, "message": text, "param": "", "type": kind}}


def id_header(dialect: str) -> str:
    """The header a response's request id travels in (AI/ML API: ``x-inference-id``)."""
    return "x-inference-id" if dialect == "aiml" else "x-request-id"
