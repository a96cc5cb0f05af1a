"""What the fake server refuses, per dialect, as production does: driven by the catalogue.

Each check returns a ``Rejection`` (status, error code, message) or None. The rules are
those of ``reference/seed-api.md`` and ``field-2026-12.md``: unknown models, bad roles and
message shapes, out-of-range numbers, per-model ``thinking`` / ``reasoning_effort`` /
``response_format`` / output caps, and Seedream's size and ``n`` rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._catalog import FAMILIES, ModelSpec, family_of
from .._catalog import image_size as catalogue_image_size

__all__ = [
    "DIALECTS",
    "Rejection",
    "check_chat",
    "check_embeddings",
    "check_images",
    "image_size",
    "model_of",
]

#: dialect -> the providers whose pinned ids it serves.
DIALECTS: Mapping[str, tuple[str, ...]] = {
    "ark": ("byteplus", "volcengine"),
    "aiml": ("aimlapi",),
    "aisa": ("aisa",),
    "openai": (),  # a generic OpenAI-spec server: any model id it is asked for
}
_ROLES = frozenset({"system", "user", "assistant", "tool"})
_PARTS = frozenset({"text", "image_url", "video_url", "input_audio"})
_AIML_KEYS = frozenset(
    [
        "model",
        "messages",
        "max_tokens",
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "stream",
        "stream_options",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "reasoning_effort",
        "prediction",
        "max_completion_tokens",
        "n",
    ]
)
_AIML_IMAGE_KEYS = frozenset(
    ["model", "prompt", "image_urls", "image_size", "response_format", "seed", "watermark"]
)
_NUMBERS: tuple[tuple[str, float, float], ...] = (
    ("temperature", 0, 2),
    ("top_p", 0, 1),
    ("frequency_penalty", -2, 2),
    ("presence_penalty", -2, 2),
    ("max_tokens", 1, math.inf),
    ("max_completion_tokens", 0, math.inf),
    ("top_logprobs", 0, 20),
)


@dataclass(frozen=True)
class Rejection:
    """A refusal: HTTP status, the provider's error code, and its message."""

    status: int
    code: str
    message: str


def _invalid(param: str, why: str = "") -> Rejection:
    tail = f": {why}" if why else ""
    return Rejection(
        400,
        f"InvalidParameter.{param}",
        f"The parameter `{param}` specified in the request is not valid{tail}.",
    )


def model_of(dialect: str, model: Any) -> tuple[ModelSpec | None, Rejection | None]:
    """The model's family (None for an ``ep-`` endpoint), or the 404 that refuses it."""
    if not isinstance(model, str) or not model:
        return None, Rejection(400, "MissingParameter", "The parameter `model` is missing.")
    if (dialect == "ark" and model.startswith("ep-")) or dialect == "openai":
        return None, None
    spec = family_of(model)
    if spec is not None:
        friendly = model in (spec.family, *spec.aliases)
        served = any(spec.ids.get(p) == model for p in DIALECTS[dialect])
        older = dialect == "ark" and model not in spec.ids.values()  # an older Ark version
        if friendly or served or older:
            return spec, None
    code = {"ark": "InvalidEndpointOrModel.NotFound", "aisa": "unknown_model"}.get(
        dialect, "NotFound"
    )
    return None, Rejection(
        404, code, f"The model or endpoint {model} does not exist or you do not have access to it."
    )


def _check_messages(messages: Any) -> Rejection | None:
    if not isinstance(messages, list) or not messages:
        return Rejection(400, "MissingParameter", "The parameter `messages` is missing.")
    called: set[str] = set()
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            return _invalid(f"messages[{i}]", "each message must be an object")
        role = m.get("role")
        if role not in _ROLES:
            return _invalid(
                f"messages[{i}].role", f"{role!r} is not one of system, user, assistant, tool"
            )
        content = m.get("content")
        if isinstance(content, list):
            for part in content:
                if not isinstance(part, dict) or part.get("type") not in _PARTS:
                    return _invalid(f"messages[{i}].content", "unknown content part")
        elif content is None:
            if not (role == "assistant" and m.get("tool_calls")):
                return _invalid(f"messages[{i}].content", "content is required")
        elif not isinstance(content, str):
            return _invalid(f"messages[{i}].content", "content must be a string or a list of parts")
        if role == "assistant":
            for call in m.get("tool_calls") or []:
                if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
                    return _invalid(f"messages[{i}].tool_calls", "each call needs a function")
                called.add(str(call.get("id")))
        if role == "tool" and m.get("tool_call_id") not in called:
            return _invalid(
                f"messages[{i}].tool_call_id",
                "a tool message must answer a tool call of an earlier assistant message",
            )
    return None


def _check_tools(body: Mapping[str, Any]) -> Rejection | None:
    tools = body.get("tools")
    if tools is None:
        return None
    if not isinstance(tools, list) or len(tools) > 128:
        return _invalid("tools", "a list of at most 128 tools")
    names = []
    for t in tools:
        fn = t.get("function") if isinstance(t, dict) else None
        if not isinstance(t, dict) or t.get("type") != "function" or not isinstance(fn, dict):
            return _invalid("tools", 'each tool must be {"type": "function", "function": {...}}')
        if not isinstance(fn.get("name"), str) or not fn["name"]:
            return _invalid("tools", "each function needs a name")
        names.append(fn["name"])
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name not in names:
            return _invalid("tool_choice", f"no tool is named {name!r}")
    elif choice is not None and choice not in ("none", "auto", "required"):
        return _invalid("tool_choice")
    return None


def _check_model_rules(spec: ModelSpec, body: Mapping[str, Any]) -> Rejection | None:
    thinking = body.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if thinking is not None and kind not in ("enabled", "disabled", "auto"):
        return _invalid("thinking")
    if kind is not None and kind not in spec.thinking:
        return Rejection(
            400, "InvalidParameter", f"Unsupported thinking type for the current model: {kind}"
        )
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in spec.efforts:
        return _invalid("reasoning_effort", f"{effort!r} is not supported by this model")
    if (
        kind == "disabled"
        and effort not in (None, "none", "minimal")
        and not spec.effort_with_disabled
    ):
        return _invalid("reasoning_effort", "a graded effort cannot be used with thinking disabled")
    fmt = body.get("response_format")
    if fmt is not None:
        fkind = fmt.get("type") if isinstance(fmt, dict) else None
        if fkind not in ("text", "json_object", "json_schema"):
            return _invalid("response_format")
        if fkind not in spec.response_formats:
            return _invalid("response_format", f"{fkind} is not supported by this model")
        if fkind == "json_schema" and not isinstance(
            (fmt.get("json_schema") or {}).get("schema"), dict
        ):
            return _invalid(
                "response_format.json_schema.schema", "a JSON schema object is required"
            )
    cap = body.get("max_completion_tokens")
    if isinstance(cap, int) and cap > spec.max_output:
        return _invalid("max_completion_tokens", f"at most {spec.max_output} for this model")
    return None


def check_chat(dialect: str, body: Any) -> Rejection | None:
    """Why production would refuse this chat body, or None."""
    if not isinstance(body, dict):
        return Rejection(400, "InvalidParameter", "The request body must be a JSON object.")
    spec, refused = model_of(dialect, body.get("model"))
    if refused is not None:
        return refused
    if spec is not None and spec.kind != "chat":
        return _invalid("model", f"{body['model']} does not support chat completions")
    if dialect == "aiml" and set(body) - _AIML_KEYS:
        return Rejection(400, "BodyValidation", "Body validation error!")
    problem = _check_messages(body.get("messages")) or _check_tools(body)
    if problem is not None:
        return problem
    for name, low, high in _NUMBERS:
        v = body.get(name)
        if name == "top_p" and dialect == "aiml":
            low = 0.01
        if v is not None and (
            isinstance(v, bool) or not isinstance(v, (int, float)) or not low <= v <= high
        ):
            return _invalid(name)
    if "max_tokens" in body and "max_completion_tokens" in body and dialect == "aiml":
        return Rejection(400, "BodyValidation", "Body validation error!")
    options = body.get("stream_options")
    if body.get("stream") is True and options is not None and not isinstance(options, dict):
        return _invalid("stream_options")
    return _check_model_rules(spec, body) if spec is not None else None


# ---------------------------------------------------------------------------- images


def image_size(spec: ModelSpec | None, size: Any) -> tuple[str | None, Rejection | None]:
    """The ``WxH`` an image ``size`` makes on this model, or the 400 that refuses it."""
    if spec is None:
        spec = next(s for s in FAMILIES if s.family == "seedream-4.5")
    made, problem = catalogue_image_size(spec, size)
    if problem is None:
        return made, None
    return None, Rejection(400, "InvalidParameter", problem)


def check_images(dialect: str, body: Any) -> tuple[ModelSpec | None, Rejection | None]:
    """The image model's family, or why production would refuse this image body."""
    if not isinstance(body, dict):
        return None, Rejection(400, "InvalidParameter", "The request body must be a JSON object.")
    spec, refused = model_of(dialect, body.get("model"))
    if refused is not None:
        return None, refused
    if spec is not None and spec.kind != "image":
        return None, _invalid("model", f"{body['model']} does not generate images")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return None, Rejection(400, "MissingParameter.prompt", "The parameter `prompt` is missing.")
    if dialect == "aiml":
        if set(body) - _AIML_IMAGE_KEYS:
            return None, Rejection(400, "BodyValidation", "Body validation error!")
        size = body.get("image_size")
        if isinstance(size, dict) and not all(
            isinstance(size.get(k), int) and 1440 <= size[k] <= 4096 for k in ("width", "height")
        ):
            return None, Rejection(400, "BodyValidation", "Body validation error!")
        _, refused = image_size(spec, size)
        return spec, refused
    if dialect == "ark" and "n" in body:
        return None, _invalid(
            "n", "Seedream has no n; use sequential_image_generation=auto with max_images"
        )
    if dialect == "aisa":
        n = body.get("n", 1)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 15:
            return None, _invalid("n", "an integer in [1, 15]")
        if "size" not in body:
            return None, Rejection(400, "MissingParameter", "The parameter `size` is missing.")
    seq = body.get("sequential_image_generation_options") or {}
    count = seq.get("max_images", 1) if isinstance(seq, dict) else None
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 15:
        return None, _invalid("sequential_image_generation_options.max_images", "in [1, 15]")
    if body.get("response_format", "url") not in ("url", "b64_json"):
        return None, _invalid("response_format")
    _, refused = image_size(spec, body.get("size"))
    return spec, refused


# ---------------------------------------------------------------------------- embeddings

_EMBED_PARTS = {"text": "text", "image_url": "image_url", "video_url": "video_url"}


def check_embeddings(
    dialect: str, body: Any, *, multimodal: bool
) -> tuple[ModelSpec | None, Rejection | None]:
    """The embedding model's family, or why production would refuse this body."""
    if not isinstance(body, dict):
        return None, Rejection(400, "InvalidParameter", "The request body must be a JSON object.")
    spec, refused = model_of(dialect, body.get("model"))
    if refused is not None:
        return None, refused
    if spec is not None and spec.kind != "embedding":
        return None, _invalid("model", f"{body['model']} does not make embeddings")
    given = body.get("input")
    if multimodal:
        if not isinstance(given, list) or not given:
            return None, Rejection(400, "MissingParameter", "The parameter `input` is missing.")
        for part in given:
            kind = part.get("type") if isinstance(part, dict) else None
            inner = part.get(_EMBED_PARTS[kind]) if kind in _EMBED_PARTS else None
            ok = (
                isinstance(inner, str)
                if kind == "text"
                else (isinstance(inner, dict) and isinstance(inner.get("url"), str))
            )
            if not ok:
                return None, _invalid("input", "each part is text, image_url or video_url")
    elif isinstance(given, list):
        if not given or not all(isinstance(t, str) and t for t in given):
            return None, _invalid("input", "a text or a list of texts")
    elif not isinstance(given, str) or not given:
        return None, Rejection(400, "MissingParameter", "The parameter `input` is missing.")
    dims = body.get("dimensions")
    if dims is not None and spec is not None and dims not in spec.dimensions:
        sizes = " or ".join(map(str, spec.dimensions))
        return None, _invalid("dimensions", f"{spec.family} makes {sizes}")
    if body.get("encoding_format", "float") not in ("float", "base64"):
        return None, _invalid("encoding_format")
    return spec, None
