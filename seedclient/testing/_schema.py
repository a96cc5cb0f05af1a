"""Deterministic JSON values for JSON schemas: what the fake model answers in structured mode.

[instance][seedclient.testing.instance] builds a value that validates against a schema (types,
``enum``, ``const``, ``required``, ``properties``, ``items``, ``minItems``/``maxItems``,
``additionalProperties``, ``anyOf``/``oneOf``/``allOf``, ``$ref`` into ``$defs``, numeric and length
bounds), drawing strings and numbers from the prompt. A schema it cannot satisfy, or (when strict)
one with a keyword the provider does not support, raises
[SchemaError][seedclient.testing.SchemaError], which the server answers with a 400 as production
does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._labels import choose_label, digest

__all__ = ["SchemaError", "instance"]

#: Keywords the structured-output engine does not support in strict mode.
UNSUPPORTED = frozenset(
    {
        "patternProperties",
        "if",
        "then",
        "else",
        "not",
        "dependentSchemas",
        "dependentRequired",
        "propertyNames",
        "contains",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_NUMBER = re.compile(r"-?\b\d+(?:\.\d+)?\b")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_PROPER_NOUN_FIELDS = ("name", "city", "company", "country", "person", "title", "location", "place")
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+)*")


class SchemaError(ValueError):
    """A schema the fake model cannot answer (unsatisfiable or unsupported)."""


class _Context:
    def __init__(self, text: str, root: Mapping[str, Any], strict: bool) -> None:
        self.text = text
        self.root = root
        self.strict = strict
        self.depth = 0


def instance(schema: Any, text: str = "", *, strict: bool = False) -> Any:
    """A value valid under ``schema``, drawn from ``text`` where a field's name suggests how."""
    if not isinstance(schema, Mapping):
        raise SchemaError("the schema must be a JSON object")
    return _value(schema, "", _Context(text, schema, strict))


def _resolve(ref: str, ctx: _Context) -> Mapping[str, Any]:
    if not ref.startswith("#/"):
        raise SchemaError(f"cannot resolve $ref {ref!r}: only local references are supported")
    node: Any = ctx.root
    for part in ref[2:].split("/"):
        if not isinstance(node, Mapping) or part not in node:
            raise SchemaError(f"cannot resolve $ref {ref!r}")
        node = node[part]
    if not isinstance(node, Mapping):
        raise SchemaError(f"$ref {ref!r} does not point to a schema")
    return node


def _value(schema: Mapping[str, Any], name: str, ctx: _Context) -> Any:
    ctx.depth += 1
    try:
        if ctx.depth > 32:
            raise SchemaError("the schema nests too deeply (recursive $ref?)")
        if ctx.strict:
            bad = sorted(UNSUPPORTED & set(schema))
            if bad:
                raise SchemaError(f"keyword {bad[0]!r} is not supported in strict mode")
        return _dispatch(schema, name, ctx)
    finally:
        ctx.depth -= 1


def _dispatch(schema: Mapping[str, Any], name: str, ctx: _Context) -> Any:
    if "$ref" in schema:
        merged = dict(_resolve(schema["$ref"], ctx))
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        return _value(merged, name, ctx)
    if "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(part["$ref"], ctx) if "$ref" in part else part
            for key, val in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **val}
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *val]
                else:
                    merged.setdefault(key, val)
        return _value(merged, name, ctx)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return _enum(schema["enum"], name, ctx)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            if not isinstance(options, Sequence) or not options:
                raise SchemaError(f"{key} must be a non-empty list")
            # Prefer a non-null option, as a model filling a field would.
            chosen = next((o for o in options if o.get("type") != "null"), options[0])
            return _value(chosen, name, ctx)
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or ["null"]
        kind = kinds[0]
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    maker = _MAKERS.get(kind)
    if maker is None:
        raise SchemaError(f"unknown type {kind!r}")
    return maker(schema, name, ctx)


def _enum(values: Any, name: str, ctx: _Context) -> Any:
    if not isinstance(values, Sequence) or isinstance(values, str) or not values:
        raise SchemaError(f"enum of {name or 'the root'} must be a non-empty list")
    strings = [v for v in values if isinstance(v, str)]
    if len(strings) == len(values):
        mentioned = [v for v in strings if re.search(rf"\b{re.escape(v)}\b", ctx.text, re.I)]
        if len(mentioned) == 1:
            return mentioned[0]
        return choose_label(strings, ctx.text)
    return values[digest(ctx.text + name) % len(values)]


def _object(schema: Mapping[str, Any], name: str, ctx: _Context) -> dict[str, Any]:
    props = schema.get("properties") or {}
    required = list(schema.get("required") or [])
    extra = schema.get("additionalProperties", True)
    missing = [r for r in required if r not in props]
    if missing and extra is False:
        raise SchemaError(f"required property {missing[0]!r} is not in properties")
    out: dict[str, Any] = {}
    for key, sub in props.items():
        out[key] = _value(sub if isinstance(sub, Mapping) else {}, key, ctx)
    for key in missing:
        sub = extra if isinstance(extra, Mapping) else {}
        out[key] = _value(sub, key, ctx)
    low = schema.get("minProperties", 0)
    if len(out) < low:
        raise SchemaError(f"cannot make {low} properties for {name or 'the root'}")
    return out


def _array(schema: Mapping[str, Any], name: str, ctx: _Context) -> list[Any]:
    low = int(schema.get("minItems", 0))
    high = schema.get("maxItems")
    if high is not None and high < low:
        raise SchemaError(f"minItems > maxItems for {name or 'the root'}")
    count = max(low, 1) if high is None else min(max(low, 1), int(high))
    items = schema.get("items") or {}
    prefix = schema.get("prefixItems") or []
    out = [_value(p, name, ctx) for p in prefix]
    singular = name[:-1] if name.endswith("s") else name
    while len(out) < count:
        value = _value(items, singular, ctx)
        if schema.get("uniqueItems") and value in out:
            if isinstance(value, str):
                value = f"{value} {len(out) + 1}"
            else:
                raise SchemaError(f"cannot make {count} unique items for {name}")
        out.append(value)
    return out


def _bounds(schema: Mapping[str, Any]) -> tuple[float, float]:
    low = schema.get("minimum", schema.get("exclusiveMinimum", float("-inf")))
    high = schema.get("maximum", schema.get("exclusiveMaximum", float("inf")))
    if "exclusiveMinimum" in schema and "minimum" not in schema:
        low += 1e-9
    if "exclusiveMaximum" in schema and "maximum" not in schema:
        high -= 1e-9
    if low > high:
        raise SchemaError("minimum is greater than maximum")
    return low, high


def _integer(schema: Mapping[str, Any], name: str, ctx: _Context) -> int:
    low, high = _bounds(schema)
    year = _YEAR.search(ctx.text) if "year" in name.lower() else None
    numbers = [int(float(n)) for n in _NUMBER.findall(ctx.text)]
    guess = int(year.group()) if year else (numbers[0] if numbers else 1)
    lo = math.ceil(low) if low != float("-inf") else guess
    hi = math.floor(high) if high != float("inf") else guess
    if lo > hi:
        raise SchemaError(f"no integer between the bounds of {name or 'the root'}")
    return min(max(guess, lo), hi)


def _number(schema: Mapping[str, Any], name: str, ctx: _Context) -> float:
    low, high = _bounds(schema)
    if "confidence" in name.lower() or "score" in name.lower() or "probability" in name.lower():
        guess = 0.5 + (digest(ctx.text + name) % 50) / 100
    else:
        numbers = [float(n) for n in _NUMBER.findall(ctx.text)]
        guess = numbers[0] if numbers else 1.0
    return float(min(max(guess, low), high))


def _proper_noun(text: str, name: str) -> str:
    """A capitalised name from the text, preferring one that does not start a sentence."""
    found = []
    for m in _CAPITALISED.finditer(text):
        words = m.group().split()
        initial = m.start() == 0 or text[: m.start()].rstrip()[-1:] in ".!?\n"
        if initial:
            words = words[1:]  # "What is ...", "The Paris trip": the first word is not a name
        if words:
            found.append(" ".join(words))
    return found[digest(name) % len(found)] if found else name.replace("_", " ").title()


def _string(schema: Mapping[str, Any], name: str, ctx: _Context) -> str:
    fmt = schema.get("format")
    lowered = name.lower()
    if fmt == "date-time":
        value = "2025-01-01T00:00:00Z"
    elif fmt == "date":
        value = "2025-01-01"
    elif fmt in ("uri", "url") or lowered.endswith("url"):
        value = "https://example.com/"
    elif fmt == "email" or "email" in lowered:
        value = "user@example.com"
    elif fmt == "uuid":
        value = "00000000-0000-4000-8000-000000000000"
    elif any(k in lowered for k in _PROPER_NOUN_FIELDS):
        value = _proper_noun(ctx.text, name)
    elif "sql" in (schema.get("description") or "").lower() or lowered == "query":
        nouns = [w for w in _WORD.findall(ctx.text.lower()) if len(w) > 4]
        value = f"SELECT * FROM {nouns[0] if nouns else 'items'} LIMIT 10"
    else:
        words = _WORD.findall(ctx.text)
        value = " ".join(words[:8]) if words else name or "value"
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    if high is not None and int(high) < low:
        raise SchemaError(f"minLength > maxLength for {name or 'the root'}")
    if len(value) < low:
        value = value + "x" * (low - len(value))
    if high is not None:
        value = value[: int(high)]
    pattern = schema.get("pattern")
    if pattern is not None and re.search(pattern, value) is None:
        raise SchemaError(f"cannot make a string of {name or 'the root'} match {pattern!r}")
    return value


_MAKERS: dict[str, Any] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": lambda schema, name, ctx: True,
    "null": lambda schema, name, ctx: None,
}
