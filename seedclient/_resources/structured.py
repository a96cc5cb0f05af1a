"""Structured output: a Python type -> a JSON schema -> the model's answer parsed into the type.

Types: msgspec Structs, dataclasses, TypedDicts (anything msgspec can decode), and pydantic
models when pydantic is installed (never imported otherwise). The schema travels in one of
three forms: ``json_schema`` (``response_format``, strict), ``json_object`` (that
``response_format`` plus the schema in a system message) or ``prompt`` (the schema in a
system message alone). A Seed model's form is the catalogue's best; elsewhere the forms are
tried best first, and a server that refuses one is asked in the next (see
``refuses_format``). Between ``json_schema`` and ``json_object`` that search also tries
llama.cpp's way: ``json_object`` with the schema attached as ``response_format.schema``,
which its servers turn into a grammar the answer must follow.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar

import msgspec

from .._catalog import ModelSpec
from .._errors import APIStatusError, ConfigurationError

__all__ = [
    "FORMS",
    "OutputType",
    "StructuredOutput",
    "forms_for",
    "refuses_format",
    "repair_message",
]

#: How the schema travels: the value of ``parse(structured_output=...)``.
StructuredOutput = Literal["auto", "json_schema", "json_object", "prompt"]
#: The forms a user may ask for, best first.
FORMS: tuple[str, ...] = ("json_schema", "json_object", "prompt")
#: The forms ``auto`` tries on a server it knows nothing of, best first.
_SEARCH = ("json_schema", "json_object_schema", "json_object", "prompt")
#: Words a server's 5xx uses when what it cannot do is the requested format.
_FORMAT_WORDS = ("response_format", "json_schema", "schema", "grammar")

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

    def request(self, form: str, messages: Sequence[Any]) -> tuple[dict[str, Any], list[Any]]:
        """The ``response_format`` (possibly empty) and the messages to send in ``form``."""
        if form == "json_schema":
            fmt = {
                "type": "json_schema",
                "json_schema": {"name": self.name, "schema": self.schema, "strict": True},
            }
            return {"response_format": fmt}, list(messages)
        note = {"role": "system", "content": _INSTRUCTION + _schema_text(self.schema)}
        extra: dict[str, Any] = {}
        if form == "json_object":
            extra["response_format"] = {"type": "json_object"}
        elif form == "json_object_schema":  # llama.cpp's servers constrain the answer with it
            extra["response_format"] = {"type": "json_object", "schema": self.schema}
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


def forms_for(spec: ModelSpec | None, mode: str) -> tuple[str, ...]:
    """The forms to try, best first: the one asked for; a known model's best; else all."""
    if mode != "auto":
        if mode not in FORMS:
            raise ConfigurationError(
                f"structured_output must be auto, json_schema, json_object or prompt, got {mode!r}"
            )
        return (mode,)
    if spec is None:
        return _SEARCH
    takes = spec.response_formats
    return (next((f for f in FORMS[:2] if f in takes), "prompt"),)


def refuses_format(error: APIStatusError) -> bool:
    """Whether a server's error says it cannot take the requested format: a 400 or 422, or
    a 5xx whose message names the schema or ``response_format`` (some local servers fail
    that way)."""
    if error.status_code in (400, 422):
        return True
    text = f"{error.message} {error.body}".lower()
    return error.status_code >= 500 and any(w in text for w in _FORMAT_WORDS)


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
