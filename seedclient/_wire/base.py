"""The base of every wire Struct: keyword-only fields, openai-style dumps, one JSON encoder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .._errors import ConfigurationError

_CLIENT_FIELDS = frozenset({"request_id", "parsed", "rate_limit"})


def _dump(obj: Any) -> Any:
    if isinstance(obj, msgspec.Struct):
        config = obj.__struct_config__
        out: dict[str, Any] = {}
        if config.tag_field is not None:
            out[config.tag_field] = config.tag
        for name in obj.__struct_fields__:
            value = getattr(obj, name)
            if value is not None and name not in _CLIENT_FIELDS:
                out[name] = _dump(value)
        return out
    if isinstance(obj, list):
        return [_dump(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _dump(v) for k, v in obj.items() if v is not None}
    return obj


class _Wire(msgspec.Struct, kw_only=True):
    """Base of every wire Struct: keyword-only fields, and openai-style dumps."""

    def model_dump(self) -> dict[str, Any]:
        """The object as plain builtins with the wire's field names.

        Fields that are null or absent on the wire are left out, and so are the fields the
        client fills in itself (``request_id``): the result is what the server sent, as far
        as this type models it.
        """
        data: dict[str, Any] = _dump(self)
        return data

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """``model_dump`` as JSON text (``indent``: pretty-print with that many spaces)."""
        raw = json_encoder.encode(self.model_dump())
        return (msgspec.json.format(raw, indent=indent) if indent else raw).decode()


class _Request(_Wire, omit_defaults=True):
    """Base of request Structs: unset fields are left out of the body."""


json_encoder = msgspec.json.Encoder()


def encode_body(body: Mapping[str, Any]) -> bytes:
    """The JSON bytes of a request body (dicts and msgspec Structs may be mixed)."""
    try:
        return msgspec.json.encode(body)
    except (TypeError, msgspec.EncodeError) as exc:
        raise ConfigurationError(f"request body cannot be encoded as JSON: {exc}") from exc
