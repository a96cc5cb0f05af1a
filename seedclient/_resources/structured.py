"""Structured output: a Python type -> a JSON schema -> the model's answer parsed into the type.

Types: msgspec Structs, dataclasses, TypedDicts (anything msgspec can decode), and pydantic
models when pydantic is installed (never imported otherwise). Where a model takes
``json_schema``, the schema is sent as ``response_format`` (strict); where it takes only
``json_object``, that plus the schema in a system message; where it takes no
``response_format`` at all, the schema in a system message alone.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

import msgspec

from .._catalog import family_of
from .._errors import ConfigurationError

__all__ = ["OutputType", "repair_message"]

T = TypeVar("T")

_INSTRUCTION = (
    "Answer with only a JSON value, no prose and no code fences, that validates against "
    "this JSON schema:\n"
)


def _pydantic_model(tp: Any) -> bool:
    pydantic = sys.modules.get("pydantic")  # imported by the caller if they use it
    return pydantic is not None and isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


class OutputType(Generic[T]):
    """A type the answer must decode into: its schema, and how to decode and validate."""

    def __init__(self, tp: type[T]) -> None:
        self.type = tp
        self.is_pydantic = _pydantic_model(tp)
        try:
            if self.is_pydantic:
                schema: dict[str, Any] = tp.model_json_schema()  # type: ignore[attr-defined]
            else:
                schema = msgspec.json.schema(tp)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"response_format type {tp!r} has no JSON schema: {exc}"
            ) from exc
        self.schema = _inline_root(schema)
        self.name = getattr(tp, "__name__", "output")
        self._decoder: msgspec.json.Decoder[T] | None = (
            None if self.is_pydantic else msgspec.json.Decoder(tp)
        )

    def request(self, model: str, messages: Sequence[Any]) -> tuple[dict[str, Any], list[Any]]:
        """The ``response_format`` (possibly empty) and the messages to send for ``model``."""
        spec = family_of(model)
        formats = spec.response_formats if spec is not None else {"json_schema"}
        if "json_schema" in formats:
            fmt = {
                "type": "json_schema",
                "json_schema": {"name": self.name, "schema": self.schema, "strict": True},
            }
            return {"response_format": fmt}, list(messages)
        note = {"role": "system", "content": _INSTRUCTION + _schema_text(self.schema)}
        extra = {"response_format": {"type": "json_object"}} if "json_object" in formats else {}
        return extra, [note, *messages]

    def parse(self, content: str | None) -> T:
        """Decode and validate ``content``; raise ValueError with the reason."""
        if not content:
            raise ValueError("the answer is empty")
        text = _strip_fences(content)
        if self.is_pydantic:
            try:
                return self.type.model_validate_json(text)  # type: ignore[attr-defined, no-any-return]
            except Exception as exc:  # pydantic.ValidationError, without importing it
                raise ValueError(str(exc)) from exc
        assert self._decoder is not None
        try:
            return self._decoder.decode(text)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            raise ValueError(str(exc)) from exc


def _inline_root(schema: dict[str, Any]) -> dict[str, Any]:
    """msgspec puts the root under ``$defs`` behind a ``$ref``: bring it to the top."""
    ref = schema.get("$ref")
    defs = schema.get("$defs") or {}
    if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
        return schema
    root = dict(defs.get(ref[len("#/$defs/") :], {}))
    rest = {k: v for k, v in defs.items() if f"#/$defs/{k}" != ref or _refers(defs, ref)}
    if rest:
        root["$defs"] = rest
    return root


def _refers(node: Any, ref: str) -> bool:
    if isinstance(node, Mapping):
        return node.get("$ref") == ref or any(_refers(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_refers(v, ref) for v in node)
    return False


def _schema_text(schema: Mapping[str, Any]) -> str:
    return msgspec.json.encode(schema).decode()


def _strip_fences(text: str) -> str:
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip()


def repair_message(error: str) -> dict[str, str]:
    """The user turn that asks the model to correct an answer that did not validate."""
    return {
        "role": "user",
        "content": f"That answer did not validate: {error}. Answer again with only the "
        "corrected JSON.",
    }
