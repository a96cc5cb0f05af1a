"""Chat request parameters: their types, their allowed ranges, and the body a provider gets.

Everything is checked before a request is made; a bad value is a
[ConfigurationError][seedclient.ConfigurationError] that names the parameter and what it allows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict

from .._call.requester import CALL_OPTIONS
from .._config import OPENAI_ONLY, Provider, Timeout, resolve_model
from .._errors import ConfigurationError, UnsupportedParameterWarning
from .._wire.chat import ChatMessage, Message
from .messages import check_messages
from .model_rules import check_model, check_rules

if TYPE_CHECKING:
    from typing_extensions import Required

__all__ = ["ChatParams", "chat_body"]


class _ResponseMessage(Protocol):
    """A message object as responses carry it (ours, or openai-python's)."""

    @property
    def role(self) -> str: ...


MessageParam = ChatMessage | Message | Mapping[str, Any] | _ResponseMessage


class ChatParams(TypedDict, total=False):
    """The parameters of a chat completion; each is checked before anything is sent.

    On a Seed provider (``byteplus``, ``volcengine``, ``aimlapi``, ``aisa``) Seed's ranges
    and each model's own rules apply, as below. On ``openai-compatible`` the client is a
    plain OpenAI client: types are checked, values pass through as given (the server
    judges its own ranges), and nothing Seed-only (``thinking``, ``reasoning_content`` in
    messages) is sent.

    Attributes:
        model: a friendly alias (``seed-1.6-flash``, ``seed-2.0-pro``...), a provider's
            pinned id, or an ``ep-...`` endpoint id; on a generic server, any id it serves.
            Required.
        messages: dicts, [ChatMessage][seedclient.ChatMessage] or response messages (``Message`` or
            openai-python's), each with a ``role``. Required.
        max_tokens: at least 1; caps the answer, not the reasoning (Ark). Exclusive with
            ``max_completion_tokens`` on Seed.
        max_completion_tokens: 0 or more, up to the model's cap (32K-128K); reasoning included.
            Not on AI/ML API's ``bytedance/`` routes.
        temperature: 0 to 2.
        top_p: 0 to 1 (AI/ML API: at least 0.01; lower values are raised with a warning).
        frequency_penalty: -2 to 2.
        presence_penalty: -2 to 2.
        seed: an integer (AI/ML API: at least 1); not sent to Ark, which does not take it.
        stop: a string or up to 4 (any number on a generic server); not sent to AI/ML API.
        n: how many choices to generate (>= 1).
        logit_bias: token id -> bias (-100 to 100 on Seed); not sent to AI/ML API.
        tools: up to 128 function tools.
        tool_choice: ``none``, ``auto``, ``required`` or
            ``{"type": "function", "function": {"name": ...}}``.
        parallel_tool_calls: whether several tools may be called in one turn.
        response_format: ``{"type": "text" | "json_object" | "json_schema", ...}``, per model
            (seed-2.0-code takes none); see ``parse()`` for typed answers.
        logprobs: log probabilities of the answer's tokens (not on AI/ML API).
        top_logprobs: 0 to 20, with ``logprobs=True``.
        reasoning_effort: ``minimal | low | medium | high`` on Seed 1.x, also ``none``,
            ``xhigh``, ``max`` on Seed 2.x; ``none``/``minimal`` switch reasoning off.
        thinking: ``enabled``, ``disabled`` or (seed-1.6-flash only) ``auto``; Ark and AIsa
            only (not sent to AI/ML API or a generic server).
        service_tier: ``auto`` or ``default`` (Ark); any tier a generic server names.
        user: an end-user id (not sent to AI/ML API).
        stream_options: ``{"include_usage": ...}``; passing it also makes a stream yield
            the usage-only chunk.
        metadata: OpenAI's request metadata (generic servers only).
        store: OpenAI's stored completions switch (generic servers only).
        modalities: OpenAI's output modalities (generic servers only).
        audio: OpenAI's audio output options (generic servers only).
        verbosity: OpenAI's answer length hint (generic servers only).
        web_search_options: OpenAI's web search options (generic servers only).
        prompt_cache_key: OpenAI's prompt cache key (generic servers only).
        safety_identifier: OpenAI's end-user safety id (generic servers only).
        extra_body: fields sent as they are, after every check (also a brand-new model id).
        extra_headers: headers added to this request.
        extra_query: query parameters added to this request's URL.
        timeout: a [Timeout][seedclient.Timeout], or seconds for the total deadline of this call.
        max_retries: retries for this call (the client's retry policy otherwise).
        hooks: more hooks for this call, after the client's (see ``seedclient.hooks``).
    """

    model: Required[str]
    messages: Required[Sequence[MessageParam]]
    max_tokens: int
    max_completion_tokens: int
    temperature: float
    top_p: float
    frequency_penalty: float
    presence_penalty: float
    seed: int
    stop: str | Sequence[str]
    n: int
    logit_bias: Mapping[str, float]
    tools: Sequence[Mapping[str, Any]]
    tool_choice: Literal["none", "auto", "required"] | Mapping[str, Any]
    parallel_tool_calls: bool
    response_format: Mapping[str, Any]
    logprobs: bool
    top_logprobs: int
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
    thinking: Literal["enabled", "disabled", "auto"]
    service_tier: Literal["auto", "default"]
    user: str
    stream_options: Mapping[str, Any]
    metadata: Mapping[str, str]
    store: bool
    modalities: Sequence[str]
    audio: Mapping[str, Any]
    verbosity: str
    web_search_options: Mapping[str, Any]
    prompt_cache_key: str
    safety_identifier: str
    extra_body: Mapping[str, Any]
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, str]
    timeout: Timeout | float
    max_retries: int
    hooks: Sequence[Callable[[Any], Any]]


# name -> (low, high, kind); None means unbounded on that side.
_NUMBERS: dict[str, tuple[float | None, float | None, type]] = {
    "max_tokens": (1, None, int),
    "max_completion_tokens": (0, 131072, int),
    "temperature": (0.0, 2.0, float),
    "top_p": (0.0, 1.0, float),
    "frequency_penalty": (-2.0, 2.0, float),
    "presence_penalty": (-2.0, 2.0, float),
    "seed": (None, None, int),
    "top_logprobs": (0, 20, int),
    "n": (1, None, int),
}
_CHOICES: dict[str, frozenset[str]] = {
    # Every value any model takes; the model's own set is checked in _rules.
    "reasoning_effort": frozenset({"none", "minimal", "low", "medium", "high", "xhigh", "max"}),
    "thinking": frozenset({"enabled", "disabled", "auto"}),
    "service_tier": frozenset({"auto", "default"}),
}
_BOOLS = frozenset({"logprobs", "parallel_tool_calls"})
_TOOL_CHOICES = frozenset({"none", "auto", "required"})
_RESPONSE_FORMATS = frozenset({"text", "json_object", "json_schema"})
_PASSED_AS_IS = frozenset({"user", "stream_options"}) | OPENAI_ONLY
_SKIP = CALL_OPTIONS | {"model", "messages", "extra_body"}
#: Numbers that take part in a rule between parameters (see _cross_check).
_CROSS_CHECKED = frozenset({"max_completion_tokens", "top_logprobs", "top_p", "seed"})


def _bad(name: str, allowed: str, value: Any) -> ConfigurationError:
    return ConfigurationError(f"{name} must be {allowed}, got {value!r}")


def _check_number(name: str, value: Any, ranged: bool = True) -> None:
    """Refuse a number of the wrong type or (``ranged``: Seed's rules) out of its range."""
    low, high, kind = _NUMBERS[name]
    if not ranged:
        low = high = None
    exact = type(value)  # exact types first (a bool is an int, but not a number here)
    if (exact is int or (exact is float and kind is not int)) and (
        (low is None or value >= low) and (high is None or value <= high)
    ):
        return
    ok_type = isinstance(value, int) if kind is int else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        raise _bad(name, "an integer" if kind is int else "a number", value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise _bad(name, f"in [{lo}, {hi}]", value)


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _check_other(name: str, value: Any, seed: bool) -> Any:
    """Check a non-numeric parameter; return its wire form.

    ``seed``: Seed's rules (its value sets and counts); else OpenAI's types only, the
    values being the server's to judge.
    """
    if name in _CHOICES:
        if name == "thinking" and type(value) is not str and isinstance(value, Mapping):
            value = value.get("type")
        if value not in _CHOICES[name] and (seed or not isinstance(value, str)):
            raise _bad(name, "one of " + ", ".join(sorted(_CHOICES[name])), value)
        return {"type": value} if name == "thinking" else value
    if name in _BOOLS:
        if not isinstance(value, bool):
            raise _bad(name, "True or False", value)
        return value
    if name == "stop":
        if isinstance(value, str):
            return value
        if (
            _is_list(value)
            and 0 < len(value) <= (4 if seed else len(value))
            and all(isinstance(s, str) for s in value)
        ):
            return list(value)
        raise _bad("stop", "a string or a list of at most 4 strings", value)
    if name == "tools":
        if not _is_list(value) or (seed and len(value) > 128):
            raise _bad("tools", "a list of at most 128 function tools", value)
        return list(value)
    if name == "tool_choice":
        if isinstance(value, Mapping):
            fn = value.get("function")
            if not seed or (
                value.get("type") == "function" and isinstance(fn, Mapping) and fn.get("name")
            ):
                return value
        elif value in _TOOL_CHOICES or (not seed and isinstance(value, str)):
            return value
        raise _bad(
            "tool_choice",
            'none, auto, required or {"type": "function", "function": {"name": ...}}',
            value,
        )
    if name == "response_format":
        if isinstance(value, Mapping) and (
            value.get("type") in _RESPONSE_FORMATS
            or (not seed and isinstance(value.get("type"), str))
        ):
            return value
        raise _bad("response_format", "a dict with type text, json_object or json_schema", value)
    if name == "logit_bias":
        if isinstance(value, Mapping) and all(
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and (not seed or -100 <= v <= 100)
            for v in value.values()
        ):
            return {str(k): v for k, v in value.items()}
        raise _bad("logit_bias", "a dict of token id -> bias in [-100, 100]", value)
    if name in _PASSED_AS_IS:
        return value
    raise ConfigurationError(
        f"unknown parameter {name!r}; send provider-specific fields with extra_body={{...}}"
    )


def _cross_check(provider: Provider, body: dict[str, Any]) -> bool:
    """Rules between parameters, and the provider's own ranges; True if it warned."""
    if "max_tokens" in body and "max_completion_tokens" in body:
        raise ConfigurationError(
            "max_tokens and max_completion_tokens are mutually exclusive on Seed "
            "(the server ignores max_tokens when both are set): pass one"
        )
    if "top_logprobs" in body and body.get("logprobs") is not True:
        raise ConfigurationError("top_logprobs needs logprobs=True")
    top_p = body.get("top_p")
    if top_p is not None and top_p < provider.top_p_min:
        warnings.warn(
            f"{provider.name} accepts top_p >= {provider.top_p_min}; sent {provider.top_p_min}",
            UnsupportedParameterWarning,
            stacklevel=5,
        )
        body["top_p"] = provider.top_p_min
    seed = body.get("seed")
    if seed is not None and provider.seed_min is not None and seed < provider.seed_min:
        raise _bad("seed", f"an integer >= {provider.seed_min} on {provider.name}", seed)
    return top_p is not None and top_p < provider.top_p_min


#: Left out of a memo key unless a plain string or int: the messages (checked on every
#: call) and the call's options (keyed, they are harmless; testing the name first would
#: cost a lookup per parameter on every call).
_NOT_KEYED = CALL_OPTIONS | {"messages"}
#: Parameter sets memoised per provider; past this many the memo starts again.
_MEMO_SIZE = 256


def _memo_key(params: Mapping[str, Any], stream: bool) -> tuple[Any, ...] | None:
    """What a body's checked part depends on, or None when a value is not a plain string,
    number, boolean or None.

    A float, bool or None goes in with its type: ``1``, ``1.0`` and ``True`` are equal but
    not alike (a type object never equals a value, so the flat key cannot line up wrongly).
    """
    key: list[Any] = [stream]
    append = key.append
    for name, value in params.items():
        kind = type(value)
        if kind is str or kind is int:
            append(name)
            append(value)
        elif name in _NOT_KEYED:
            continue
        elif kind is float or kind is bool or value is None:
            append(name)
            append(kind)
            append(value)
        else:
            return None
    return tuple(key)


def chat_body(provider: Provider, params: Mapping[str, Any], *, stream: bool) -> dict[str, Any]:
    """Validate ``params`` and build the JSON body for ``provider``.

    Parameters the provider rejects are left out with an
    [UnsupportedParameterWarning][seedclient.UnsupportedParameterWarning] (``extra_body`` still
    sends anything). A body's checked part is memoised per parameter set (numbers, strings
    and booleans only; none that warned): a repeated call checks only its messages.
    """
    key = _memo_key(params, stream)
    if key is not None:
        known = provider.memo.get(key)
        if known is not None:
            again = {
                "model": known[0],
                "messages": check_messages(params.get("messages"), provider.reasoning_in_messages),
            }
            again.update(known[1])
            return again
    model = params.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("model", "a non-empty model name", model)
    messages = check_messages(params.get("messages"), provider.reasoning_in_messages)
    sent = resolve_model(provider, model)
    extra = params.get("extra_body")
    own_model = isinstance(extra, Mapping) and "model" in extra
    seed = provider.seed
    spec = None if own_model else check_model(provider, model, sent)
    body: dict[str, Any] = {"model": sent, "messages": messages}
    rejects = provider.rejects
    cross = warned = False
    for name, value in params.items():
        if value is None or name in _SKIP:
            continue
        if name in _NUMBERS:
            _check_number(name, value, seed)
            cross = cross or name in _CROSS_CHECKED
        else:
            value = _check_other(name, value, seed)
        if rejects and name in rejects:
            warnings.warn(
                f"{provider.name} does not accept {name!r}; it was not sent "
                "(use extra_body to send it anyway)",
                UnsupportedParameterWarning,
                stacklevel=4,
            )
            warned = True
            continue
        body[name] = value
    if cross and seed:
        warned = _cross_check(provider, body) or warned
    if stream:
        body["stream"] = True
        if provider.usage_in_stream and "stream_options" not in body:
            body["stream_options"] = {"include_usage": True}
    if spec is not None and spec.kind == "chat":
        check_rules(spec, body)
    if extra:
        if not isinstance(extra, Mapping):
            raise _bad("extra_body", "a dict", extra)
        body.update(extra)
    if key is not None and not warned:  # a warning is given on every call that earns it
        memo = provider.memo
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = (sent, {k: v for k, v in body.items() if k != "model" and k != "messages"})
    return body
