"""The model catalogue: Seed models as data, per family and per provider.

Each family has one ``ModelSpec`` (limits and the parameter values it accepts) and one
pinned id per provider that serves it. Friendly aliases (``seed-1.6-flash``) name a family;
the providers table in ``_config`` and the fake server's validation both read this table, so a
new model is one entry here. Sources: ``reference/seed-api.md`` and ``field-2026-12.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["FAMILIES", "ModelSpec", "family_of", "image_size", "pinned_ids", "suggest"]

_SIZE = re.compile(r"^(\d{2,5})[x*](\d{2,5})$")

_EFFORTS_1X = frozenset({"minimal", "low", "medium", "high"})
_EFFORTS_2X = frozenset({"none", "minimal", "low", "medium", "high", "xhigh", "max"})
_JSON = frozenset({"text", "json_object", "json_schema"})


@dataclass(frozen=True)
class ModelSpec:
    """What one model family accepts.

    Attributes:
        family: the friendly name, e.g. ``"seed-1.6-flash"``.
        kind: ``"chat"`` or ``"image"``.
        ids: provider name -> the pinned model id it serves for this family.
        aliases: more friendly names for the family.
        context: the context window in tokens.
        max_output: the largest ``max_completion_tokens`` (reasoning included).
        thinking: the ``thinking.type`` values it accepts.
        efforts: the ``reasoning_effort`` values it accepts.
        effort_with_disabled: whether ``thinking: disabled`` may come with a graded effort.
        response_formats: the ``response_format`` types it accepts.
        no_reasoning: the cheapest parameters that switch reasoning off.
        sizes: image ``size`` presets -> the pixel size they make.
        pixels: the range of ``WxH`` total pixels an image may have.
        dimensions: the embedding sizes an embedding model makes (its largest first).
        caching: whether the Responses API caches its context (None: not stated; the
            provider's ``GET /models`` says it in ``features.cache``).
    """

    family: str
    kind: str = "chat"
    ids: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    context: int = 262_144
    max_output: int = 32_768
    thinking: frozenset[str] = frozenset({"enabled", "disabled"})
    efforts: frozenset[str] = _EFFORTS_1X
    effort_with_disabled: bool = True
    response_formats: frozenset[str] = _JSON
    no_reasoning: Mapping[str, object] = field(
        default_factory=lambda: {"thinking": {"type": "disabled"}}
    )
    sizes: Mapping[str, str] = field(default_factory=dict)
    pixels: tuple[int, int] = (0, 0)
    dimensions: tuple[int, ...] = ()
    caching: bool | None = None


def _seed2(family: str, ids: Mapping[str, str], **kw: object) -> ModelSpec:
    options: dict[str, object] = {
        "max_output": 131_072,
        "efforts": _EFFORTS_2X,
        "effort_with_disabled": False,
        "no_reasoning": {"reasoning_effort": "minimal"},
        **kw,
    }
    return ModelSpec(family, ids=ids, **options)  # type: ignore[arg-type]


FAMILIES: tuple[ModelSpec, ...] = (
    ModelSpec(
        "seed-1.6",
        ids={
            "byteplus": "seed-1-6-250915",
            "volcengine": "doubao-seed-1-6-251015",
            "aimlapi": "bytedance-seed/seed-1.6",
            "aisa": "seed-1-6-250915",
        },
    ),
    ModelSpec(
        "seed-1.6-flash",
        ids={
            "byteplus": "seed-1-6-flash-250715",
            "volcengine": "doubao-seed-1-6-flash-250715",
            "aimlapi": "bytedance-seed/seed-1.6-flash",
            "aisa": "seed-1-6-flash-250715",
        },
        thinking=frozenset({"enabled", "disabled", "auto"}),
    ),
    ModelSpec(
        "seed-1.8",
        ids={
            "byteplus": "seed-1-8-251228",
            "volcengine": "doubao-seed-1-8-251228",
            "aimlapi": "bytedance/seed-1-8",
            "aisa": "seed-1-8-251228",
        },
        max_output=65_536,
    ),
    _seed2(
        "seed-2.0-pro",
        {
            "byteplus": "seed-2-0-pro-260328",
            "volcengine": "doubao-seed-2-0-pro-260215",
            "aimlapi": "bytedance/dola-seed-2-0-pro",
        },
    ),
    _seed2(
        "seed-2.0-lite",
        {
            "byteplus": "seed-2-0-lite-260228",
            "volcengine": "doubao-seed-2-0-lite-260215",
            "aimlapi": "bytedance/dola-seed-2-0-lite",
        },
    ),
    _seed2(
        "seed-2.0-mini",
        {
            "byteplus": "seed-2-0-mini-260215",
            "volcengine": "doubao-seed-2-0-mini-260215",
            "aimlapi": "bytedance/dola-seed-2-0-mini",
        },
    ),
    _seed2(
        "seed-2.0-code",
        {
            "volcengine": "doubao-seed-2-0-code-preview-260215",
            "aimlapi": "bytedance/dola-seed-2-0-code",
        },
        aliases=("dola-seed-2.0-code",),
        efforts=frozenset({"low", "medium", "high"}),
        response_formats=frozenset(),
        no_reasoning={"thinking": {"type": "disabled"}},
    ),
    _seed2(
        "seed-2.1-pro",
        {"volcengine": "doubao-seed-2-1-pro-260628"},
    ),
    ModelSpec(
        "seedream-4.0",
        kind="image",
        ids={"byteplus": "seedream-4-0-250828", "volcengine": "doubao-seedream-4-0-250828"},
        sizes={"1K": "1024x1024", "2K": "2048x2048", "4K": "4096x4096"},
        pixels=(921_600, 16_777_216),
    ),
    ModelSpec(
        "seedream-4.5",
        kind="image",
        ids={
            "byteplus": "seedream-4-5-251128",
            "volcengine": "doubao-seedream-4-5-251128",
            "aimlapi": "bytedance/seedream-4-5",
            "aisa": "seedream-4-5-251128",
        },
        sizes={"2K": "2048x2048", "4K": "4096x4096"},
        pixels=(3_686_400, 16_777_216),
    ),
    ModelSpec(
        "seedream-5.0-lite",
        kind="image",
        ids={"byteplus": "seedream-5-0-260128", "volcengine": "doubao-seedream-5-0-260128"},
        sizes={"2K": "2048x2048", "3K": "3072x3072"},
        pixels=(3_686_400, 10_404_496),
    ),
    ModelSpec(
        "embedding-vision",
        kind="embedding",
        ids={
            "byteplus": "skylark-embedding-vision-251215",
            "volcengine": "doubao-embedding-vision-251215",
        },
        context=131_072,
        dimensions=(2048, 1024),
    ),
)

_BY_NAME: dict[str, ModelSpec] = {}
_BY_ID: dict[str, ModelSpec] = {}
for _spec in FAMILIES:
    for _name in (_spec.family, *_spec.aliases):
        _BY_NAME[_name] = _spec
    for _pinned in _spec.ids.values():
        _BY_ID[_pinned] = _spec
# Older pinned versions still served, so still known.
for _old, _family in (
    ("seed-1-6-250615", "seed-1.6"),
    ("doubao-seed-1-6-250615", "seed-1.6"),
    ("doubao-seed-1-6-flash-250615", "seed-1.6-flash"),
    ("doubao-seed-1-6-flash-250828", "seed-1.6-flash"),
    ("doubao-seed-2-0-lite-260428", "seed-2.0-lite"),
    ("doubao-seed-2-0-mini-260428", "seed-2.0-mini"),
    ("seedream-5-0-lite-260128", "seedream-5.0-lite"),
    ("doubao-seedream-5-0-lite-260128", "seedream-5.0-lite"),
    ("skylark-embedding-vision-250615", "embedding-vision"),
    ("doubao-embedding-vision-250615", "embedding-vision"),
    ("doubao-embedding-vision-250328", "embedding-vision"),
):
    _BY_ID[_old] = _BY_NAME[_family]


def family_of(model: str) -> ModelSpec | None:
    """The family of a friendly name or a pinned id of any provider (None: not known)."""
    return _BY_NAME.get(model) or _BY_ID.get(model)


def from_listing(
    model_id: str, features: Mapping[str, Any] | None, token_limits: Mapping[str, Any] | None
) -> ModelSpec:
    """The rules of ``model_id`` as its provider's ``GET /models`` states them.

    Ark's capability matrix gives the context window, the output cap and the structured
    output kinds; what it does not state comes from the catalogue's family of the id, or,
    for an id the catalogue does not know, is left open (the server is the judge).
    """
    base = family_of(model_id)
    spec = base or ModelSpec(
        family=model_id,
        thinking=frozenset({"enabled", "disabled", "auto"}),
        efforts=_EFFORTS_2X,
    )
    changes: dict[str, Any] = {}
    limits = token_limits or {}
    if isinstance(limits.get("context_window"), int):
        changes["context"] = limits["context_window"]
    if isinstance(limits.get("max_output_token_length"), int):
        changes["max_output"] = limits["max_output_token_length"]
    structured = (features or {}).get("structured_outputs")
    if isinstance(structured, Mapping):
        kinds = {"text"} | {k for k in ("json_object", "json_schema") if structured.get(k)}
        changes["response_formats"] = frozenset(kinds)
    cache = (features or {}).get("cache")
    if isinstance(cache, Mapping):
        changes["caching"] = bool(cache.get("prefix_cache") or cache.get("session_cache"))
    return replace(spec, **changes) if changes else spec


def pinned_ids(provider: str) -> dict[str, str]:
    """Every friendly name -> the pinned id ``provider`` serves for it."""
    out: dict[str, str] = {}
    for spec in FAMILIES:
        pinned = spec.ids.get(provider)
        if pinned is not None:
            for name in (spec.family, *spec.aliases):
                out[name] = pinned
    return out


def known_names() -> frozenset[str]:
    """Every friendly name and pinned id in the catalogue."""
    return frozenset(_BY_NAME) | frozenset(_BY_ID)


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def suggest(model: str, names: frozenset[str] | None = None) -> str | None:
    """A known name one edit away from ``model`` (a likely typo), or None."""
    for name in sorted(known_names() if names is None else names):
        if _one_edit(model, name):
            return name
    return None


def image_size(spec: ModelSpec, size: Any) -> tuple[str | None, str | None]:
    """``(WxH made, None)`` for an image ``size`` this model takes, else ``(None, why)``.

    ``size`` is a preset (``2K``), ``"WxH"``, ``{"width": W, "height": H}`` or None (the
    model's first preset).
    """
    if size is None:
        return next(iter(spec.sizes.values())), None
    if isinstance(size, Mapping):
        size = f"{size.get('width')}x{size.get('height')}"
    if not isinstance(size, str):
        return None, f"size must be a preset or WxH, got {size!r}"
    preset = spec.sizes.get(size.upper())
    if preset is not None:
        return preset, None
    low, high = spec.pixels
    hint = f"use {' or '.join(spec.sizes)}, or WxH with {low:,} to {high:,} pixels (e.g. 2560x1440)"
    m = _SIZE.match(size.strip().lower())
    if m is None:
        return None, f"size {size!r} is not one of {spec.family}'s sizes: {hint}"
    w, h = int(m.group(1)), int(m.group(2))
    if w * h < low:
        return None, (
            f"image size must be at least {low} pixels on {spec.family}, got {size} "
            f"({w * h:,}): {hint}"
        )
    if w * h > high:
        return None, (
            f"image size must be at most {high} pixels on {spec.family}, got {size} "
            f"({w * h:,}): {hint}"
        )
    if not 1 / 16 <= w / h <= 16:
        return None, f"size {size}: the aspect ratio must be between 1:16 and 16:1"
    return f"{w}x{h}", None


_PROVIDER_ORDER = ("byteplus", "volcengine", "aimlapi", "aisa")
_NONE = "\u2013"  # an en dash: not served


def aliases_table() -> str:
    """The README's models table (Markdown), made from this catalogue.

    Regenerate it with ``python -c "from seedclient._catalog import aliases_table;
    print(aliases_table())"``; a test keeps the README equal to it.
    """
    head = "| alias | " + " | ".join(_PROVIDER_ORDER) + " | max output | notes |"
    rows = [head, "|" + "---|" * (len(_PROVIDER_ORDER) + 3)]
    for spec in FAMILIES:
        ids = [f"`{spec.ids[p]}`" if p in spec.ids else _NONE for p in _PROVIDER_ORDER]
        if spec.kind == "image":
            notes = f"sizes {', '.join(spec.sizes)} or WxH, {spec.pixels[0]:,}+ px"
            cap = _NONE
        elif spec.kind == "embedding":
            notes = "dimensions " + ", ".join(map(str, spec.dimensions)) + "; text and images"
            cap = _NONE
        else:
            order = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
            notes = "effort " + "/".join(e for e in order if e in spec.efforts)
            if "auto" in spec.thinking:
                notes += "; thinking auto"
            if not spec.response_formats:
                notes += "; no response_format"
            cap = f"{spec.max_output // 1024}K"
        names = ", ".join(f"`{n}`" for n in (spec.family, *spec.aliases))
        rows.append(f"| {names} | " + " | ".join(ids) + f" | {cap} | {notes} |")
    return "\n".join(rows)
