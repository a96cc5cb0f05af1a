"""Defaults, the providers table, model aliases, timeouts; the only reader of ``os.environ``."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from ._catalog import FAMILIES, ModelSpec, pinned_ids
from ._errors import ConfigurationError

__all__ = ["PROVIDERS", "Provider", "Timeout", "resolve_settings"]

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_CONNECTIONS = 1000
#: SSE lines/events larger than this are an error (Seedream streams base64 images).
DEFAULT_MAX_EVENT_BYTES = 32 * 1024 * 1024
#: The largest response body read by default (a client option: ``max_response_bytes``).
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: Error bodies are read up to this much, then cut: they are for messages, not payloads.
MAX_ERROR_BODY_BYTES = 64 * 1024
DEFAULT_PROVIDER = "byteplus"

#: Parameters that only Ark-family servers accept; others reject them or ignore them.
ARK_ONLY = frozenset({"thinking"})
#: OpenAI parameters that no Seed provider documents: sent to generic servers only.
OPENAI_ONLY = frozenset(
    {
        "metadata",
        "store",
        "modalities",
        "audio",
        "verbosity",
        "web_search_options",
        "prompt_cache_key",
        "safety_identifier",
    }
)


def check_int(name: str, value: object, minimum: int, *, optional: bool = False) -> None:
    """Raise [ConfigurationError][seedclient.ConfigurationError] unless ``value`` is an int >=
    ``minimum`` (or None,
    when ``optional``). A bool is not an int here."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        also = " or None" if optional else ""
        raise ConfigurationError(f"{name} must be an integer >= {minimum}{also}, got {value!r}")


@dataclass(frozen=True)
class Timeout:
    """Timeouts in seconds; ``None`` switches one off.

    Attributes:
        total: deadline for the whole call: every attempt, every retry sleep and, for a
            stream, reading it to the end.
        connect: establishing a connection (TCP and TLS).
        read: waiting for a non-streamed response body (a thinking model may be silent
            for minutes: ``None`` leaves it to ``total``).
        first_event: a stream's wait for its first data event after the request was sent;
            it also bounds the wait for the stream's response headers.
        headers: a whole (non-streamed) response's wait for its headers and body, per
            attempt (``None``: until ``total``). Seed answers a non-streamed request only
            when the whole completion is generated, so leave it long for thinking models;
            it cuts a server that dribbles its response at that limit.
        idle: a stream's longest gap between two data events. Keep-alive comments do not
            reset it, so a gateway that pings forever still times out.
    """

    total: float | None = 600.0
    connect: float | None = 10.0
    read: float | None = None
    first_event: float | None = 120.0
    idle: float | None = 120.0
    headers: float | None = None

    def __post_init__(self) -> None:
        for name in ("total", "connect", "read", "first_event", "idle", "headers"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value > 0):
                raise ConfigurationError(f"Timeout.{name} must be a positive number or None")

    @classmethod
    def coerce(cls, value: Timeout | float | None) -> Timeout:
        """A [Timeout][seedclient.Timeout] from a Timeout, a number (the total deadline) or None."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigurationError("timeout must be a Timeout or a number of seconds")
        return replace(cls(), total=float(value))


@dataclass(frozen=True)
class Provider:
    """How to talk to one provider.

    Attributes:
        name: the provider's name in this table.
        base_url: the URL that ``/chat/completions`` is appended to.
        key_vars: environment variables that may hold its key, after ``SEED_API_KEY``.
        aliases: friendly model names to this provider's pinned ids.
        rejects: request parameters it does not accept (not sent, with a warning).
        top_p_min: the smallest ``top_p`` it accepts (values below are raised to it).
        seed_min: the smallest ``seed`` it accepts.
        usage_in_stream: whether it accepts ``stream_options.include_usage``.
        reasoning_in_messages: whether an assistant turn's ``reasoning_content`` is sent back
            (Ark's thinking models expect it in tool loops; strict gateways reject it).
        specs: model id -> rules read from the provider's own ``GET /models``
            (``client.models.list(refresh_rules=True)``); they win over the catalogue's.
        seed: whether Seed's rules apply (a Seed provider): the catalogue's per-model
            rules, Seed's ranges and the did-you-mean check. ``False`` for a generic
            OpenAI-compatible server, where OpenAI's parameters pass through as given and
            the server is the judge of their values.
        reports_cost: whether each answer states what it cost (AI/ML API's
            ``meta.usage.usd_spent``), so a bulk run's cost needs no price table.
    """

    name: str
    base_url: str
    key_vars: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    rejects: frozenset[str] = frozenset()
    top_p_min: float = 0.0
    seed_min: int | None = None
    usage_in_stream: bool = True
    reasoning_in_messages: bool = True
    specs: Mapping[str, ModelSpec] = field(default_factory=dict)
    seed: bool = True
    reports_cost: bool = False
    #: Checked request bodies by parameter set, less their messages (``chat_body``): one
    #: provider object's, so rules refreshed into a new provider start with an empty one.
    memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


PROVIDERS: Mapping[str, Provider] = {
    "byteplus": Provider(
        name="byteplus",
        base_url="https://ark.ap-southeast.bytepluses.com/api/v3",
        key_vars=("ARK_API_KEY",),
        aliases=pinned_ids("byteplus"),
        rejects=OPENAI_ONLY | {"seed"},
    ),
    "volcengine": Provider(
        name="volcengine",
        base_url="https://ark.cn-beijing.volces.com/api/v3",
        key_vars=("ARK_API_KEY",),
        aliases=pinned_ids("volcengine"),
        rejects=OPENAI_ONLY | {"seed"},
    ),
    "aimlapi": Provider(
        name="aimlapi",
        base_url="https://api.aimlapi.com/v1",
        key_vars=("AIMLAPI_API_KEY",),
        aliases=pinned_ids("aimlapi"),
        # AI/ML validates bodies strictly; its Seed specs list none of these.
        rejects=ARK_ONLY
        | OPENAI_ONLY
        | {"logprobs", "top_logprobs", "logit_bias", "service_tier", "user", "stop"},
        top_p_min=0.01,
        seed_min=1,
        reasoning_in_messages=False,
        reports_cost=True,
    ),
    "aisa": Provider(
        name="aisa",
        base_url="https://api.aisa.one/v1",
        key_vars=("AISA_API_KEY",),
        aliases=pinned_ids("aisa"),
        # AIsa documents no reasoning_content on input: it is not sent back.
        rejects=OPENAI_ONLY,
        reasoning_in_messages=False,
    ),
    # Any OpenAI-compatible server: a faithful OpenAI client, nothing Seed-only sent.
    "openai-compatible": Provider(
        name="openai-compatible",
        base_url="",
        rejects=ARK_ONLY,
        reasoning_in_messages=False,
        seed=False,
    ),
}

#: Every alias any provider knows: asking one provider for another's alias is an error.
KNOWN_ALIASES = frozenset(spec.family for spec in FAMILIES) | frozenset(
    a for spec in FAMILIES for a in spec.aliases
)


def resolve_model(provider: Provider, model: str) -> str:
    """The id to send for ``model``: an alias is mapped, anything else passes through."""
    pinned = provider.aliases.get(model)
    if pinned is not None:
        return pinned
    if model in KNOWN_ALIASES and provider.aliases:
        raise ConfigurationError(
            f"model alias {model!r} has no pinned id on provider {provider.name!r}; "
            f"pass the provider's model id or an ep- endpoint id instead "
            f"(known aliases here: {', '.join(sorted(provider.aliases))})"
        )
    return model


def key_problem(key: str) -> str | None:
    """What makes ``key`` unusable in an ``Authorization`` header (never the key itself)."""
    if key != key.strip():
        where = "ends" if key.rstrip() != key else "starts"
        return f"{where} with whitespace or a newline (read from a file?): strip it"
    for i, ch in enumerate(key):
        if ord(ch) < 32 or ord(ch) == 127:
            return f"holds a control character at position {i + 1}"
        if ch.isspace():
            return f"holds whitespace at position {i + 1}"
        if ord(ch) > 126:
            return f"holds a non-ASCII character at position {i + 1}"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, allow_http: bool) -> str:
    """Validate a base URL: http(s) only, and plain http only to loopback unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http:// to {parts.hostname}: the API key would travel "
            "unencrypted; use https, or pass allow_http=True if you mean it"
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class Settings:
    """What ``resolve_settings`` decided: provider, base URL and key."""

    provider: Provider
    base_url: str
    api_key: str
    key_source: str = "api_key"


def resolve_settings(
    provider: str | None,
    api_key: str | None,
    base_url: str | None,
    *,
    allow_http: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Apply the precedence: argument > ``SEED_*`` variables > the provider's own > default.

    A base URL with no provider (from either source) means a generic OpenAI-compatible
    endpoint.
    """
    env = os.environ if environ is None else environ
    base_url = base_url or env.get("SEED_BASE_URL") or None
    name = provider or env.get("SEED_PROVIDER") or None
    if name is None:
        name = "openai-compatible" if base_url else DEFAULT_PROVIDER
    prov = PROVIDERS.get(name)
    if prov is None:
        raise ConfigurationError(
            f"unknown provider {name!r}; choose one of: {', '.join(sorted(PROVIDERS))}"
        )
    url = base_url or prov.base_url
    if not url:
        raise ConfigurationError(
            "provider 'openai-compatible' needs a base_url (argument or SEED_BASE_URL)"
        )
    looked = ("SEED_API_KEY", *prov.key_vars)
    if not prov.key_vars:  # a bare base URL: any provider's variable may hold its key
        looked = ("SEED_API_KEY", *dict.fromkeys(v for p in PROVIDERS.values() for v in p.key_vars))
    key = api_key
    source = "api_key"
    if key is None:
        for var in looked:
            key = env.get(var) or None
            if key:
                source = var
                break
    if not key:
        raise ConfigurationError(
            f"no API key: pass api_key=... or set one of {', '.join(looked)}. To try it "
            "without one: SEED_BASE_URL=<the URL `seedclient fake-server` prints> and any "
            "SEED_API_KEY, or seedclient.testing.FakeSeedServer in tests"
        )
    problem = key_problem(key)
    if problem is not None:
        raise ConfigurationError(f"the API key ({source}) {problem}")
    return Settings(prov, check_base_url(url, allow_http=allow_http), key, source)


#: Requests in flight by default on Ark's Batch Chat, which expects very many.
BATCH_CONCURRENCY = 2000
#: Per-request deadline on Batch Chat: the endpoint queues requests for a long time.
BATCH_TIMEOUT = Timeout(total=24 * 3600.0, connect=30.0, read=None)
