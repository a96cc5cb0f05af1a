"""SeedClient: settings in, one Requester out, the resources bound to it, and its lifecycle."""

from __future__ import annotations

import dataclasses
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from anyio.abc import AsyncResource

from ._call.requester import Requester
from ._call.retry import RetryPolicy
from ._clock import SYSTEM_CLOCK, Clock
from ._config import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    Timeout,
    check_int,
    resolve_settings,
)
from ._errors import ConfigurationError
from ._resources.chat import Chat
from ._resources.embeddings import Embeddings
from ._resources.images import Images
from ._resources.models import Models
from ._resources.responses import Responses
from ._telemetry.hooks import Hooks
from ._transports import Transport, default_transport
from ._transports._network import SSLOption
from ._version import get_version

__all__ = ["SeedClient"]

_UNSET: Any = object()


class SeedClient(AsyncResource):
    """An async client for Seed models on any of their OpenAI-compatible endpoints.

    Args:
        provider: ``"byteplus"`` (default), ``"volcengine"``, ``"aimlapi"``, ``"aisa"`` or
            ``"openai-compatible"`` (any base URL). Falls back to ``SEED_PROVIDER``.
        api_key: the key; else ``SEED_API_KEY``, then the provider's own variable
            (``ARK_API_KEY``, ``AIMLAPI_API_KEY``, ``AISA_API_KEY``).
        base_url: overrides the provider's URL; else ``SEED_BASE_URL``. A base URL with no
            provider means a generic OpenAI-compatible endpoint.
        timeout: a [Timeout][seedclient.Timeout], or a number of seconds for the total deadline.
        max_retries: retries after the first attempt for retryable failures.
        transport: an object implementing the Transport protocol; by default one aiohttp
            session owned (and closed) by this client.
        max_connections: the default transport's pool size.
        max_event_bytes: the largest server-sent event line or event accepted.
        max_response_bytes: the largest whole response body the default transport reads,
            counted decoded (64 MiB; past it: ResponseTooLargeError). Error bodies are cut at
            64 KiB.
        allow_http: permit plain ``http://`` to a non-loopback host.
        retry_policy: the full retry policy (overrides ``max_retries``).
        clock: how the client reads time and waits: backoff, deadlines, and the pacing and
            rate learning of runners made on it. For tests: ``seedclient.testing.FakeClock``
            runs minutes of retries and rate limits at once. Default: the system clock.
        default_headers: headers every request carries (after the client's own, so they
            may replace ``User-Agent``).
        default_query: query parameters every request's URL carries (an Azure-style
            ``api-version``, a gateway's routing key).
        proxy: an ``http://`` proxy for every request (default: ``HTTPS_PROXY`` /
            ``HTTP_PROXY`` / ``ALL_PROXY``, minus ``NO_PROXY``). https goes through it as a
            CONNECT tunnel, so the key is never readable by the proxy.
        ssl: an ``ssl.SSLContext`` or a CA bundle file or folder to verify the server with
            (default: the system's store, which honours ``SSL_CERT_FILE`` and
            ``SSL_CERT_DIR``).
        hooks: callables each called with every event of every call (see
            ``seedclient.hooks``): requests, responses, retries, first tokens, ends, errors.
        telemetry: OpenTelemetry GenAI spans and metrics for every call (the ``otel`` extra:
            opentelemetry-api; you bring the SDK and its exporters). ``True``: the global
            tracer and meter providers, message content left out; or a
            ``seedclient.telemetry.Telemetry`` to choose providers and content capture.

    ``proxy``, ``ssl`` and ``max_connections`` configure the default transport; with
    ``transport=`` configure that transport instead.

    Use it as ``async with SeedClient(...) as client:``, or call ``aclose``.
    """

    def __init__(
        self,
        *,
        provider: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: Transport | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_http: bool = False,
        retry_policy: RetryPolicy | None = None,
        clock: Clock | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, str] | None = None,
        proxy: str | None = None,
        ssl: SSLOption = None,
        hooks: Iterable[Callable[[Any], Any]] | None = None,
        telemetry: Any = False,
    ) -> None:
        settings = resolve_settings(provider, api_key, base_url, allow_http=allow_http)
        check_int("max_retries", max_retries, 0)
        if max_event_bytes < 1024:
            raise ConfigurationError("max_event_bytes must be at least 1024")
        if max_response_bytes < 1024:
            raise ConfigurationError("max_response_bytes must be at least 1024")
        if transport is not None and (proxy is not None or ssl is not None):
            raise ConfigurationError(
                "proxy= and ssl= configure the default transport: give them to your transport"
            )
        self._key_source = settings.key_source
        self._owns_transport = transport is None
        # Where it was made, for the warning if it is dropped unclosed (tracemalloc cannot
        # say it for instances on every Python this supports).
        caller = sys._getframe(1)
        self._made_at = f"{caller.f_code.co_filename}:{caller.f_lineno}"
        self._requester = Requester(
            provider=settings.provider,
            base_url=settings.base_url,
            headers={
                "Authorization": f"Bearer {settings.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": f"seedclient/{get_version()} python",
                **(default_headers or {}),
            },
            timeout=Timeout.coerce(timeout),
            retry=retry_policy or RetryPolicy(max_retries=max_retries),
            transport=transport
            or default_transport(max_connections, max_response_bytes, proxy, ssl),
            max_event_bytes=max_event_bytes,
            max_response_bytes=max_response_bytes,
            clock=clock or SYSTEM_CLOCK,
            query=default_query,
        )
        # Whatever holds a resource (or a copy) keeps the client that owns the connections.
        self._requester.owner = self
        every = list(hooks or ())
        if telemetry:
            from .telemetry import Telemetry

            chosen = telemetry if isinstance(telemetry, Telemetry) else Telemetry()
            every.append(chosen.hook(self.provider, self.base_url))
        if every:
            self._requester.hooks = Hooks(every)
        self._bind()

    def _bind(self) -> None:
        """Build the resources on this client's Requester."""
        requester = self._requester
        self._chat = Chat(requester)
        self._images = Images(requester)
        self._models = Models(requester)
        self._embeddings = Embeddings(requester)
        self._responses = Responses(requester)

    @property
    def provider(self) -> str:
        """The provider's name."""
        return self._requester.provider.name

    @property
    def chat(self) -> Chat:
        """Chat completions: ``client.chat.completions.create / stream / parse / run_tools``."""
        return self._chat

    @property
    def images(self) -> Images:
        """Seedream image generation: ``client.images.generate(...)``."""
        return self._images

    @property
    def models(self) -> Models:
        """The endpoint's model list: ``await client.models.list()``."""
        return self._models

    @property
    def responses(self) -> Responses:
        """Ark's Responses API: ``client.responses.create / stream / retrieve / delete``."""
        return self._responses

    @property
    def embeddings(self) -> Embeddings:
        """Embeddings: ``client.embeddings.create(...)``, ``create_multimodal(...)`` (Ark)."""
        return self._embeddings

    @property
    def key_source(self) -> str:
        """Where the key came from: ``"api_key"`` or the environment variable's name."""
        return self._key_source

    @property
    def base_url(self) -> str:
        """The base URL requests go to."""
        return self._requester.base_url

    @property
    def timeout(self) -> Timeout:
        """The default timeouts of this client."""
        return self._requester.timeout

    @property
    def transport(self) -> Transport:
        """The transport this client sends with."""
        return self._requester.transport

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy of this client."""
        return self._requester.retry

    @property
    def requester(self) -> Requester:
        """What every request of this client shares (for layers built on the client)."""
        return self._requester

    def __repr__(self) -> str:
        requester = self._requester
        return f"SeedClient(provider={requester.provider.name!r}, base_url={requester.base_url!r})"

    def with_options(
        self,
        *,
        timeout: Timeout | float | None = _UNSET,
        max_retries: int = _UNSET,
        retry_policy: RetryPolicy = _UNSET,
    ) -> SeedClient:
        """A copy with other defaults that shares this client's connections.

        Closing the copy does not close the shared transport; closing the original does.
        """
        requester = self._requester.copy()
        if timeout is not _UNSET:
            requester.timeout = Timeout.coerce(timeout)
        if retry_policy is not _UNSET:
            requester.retry = retry_policy
        elif max_retries is not _UNSET:
            check_int("max_retries", max_retries, 0)
            requester.retry = dataclasses.replace(requester.retry, max_retries=max_retries)
        other = object.__new__(SeedClient)
        other._key_source = self._key_source
        other._owns_transport = False
        other._requester = requester
        other._bind()
        return other

    copy = with_options  # openai-python's name

    def __del__(self) -> None:
        # Dropped unclosed: close what it owns now, and say where it was made.
        requester = getattr(self, "_requester", None)
        if requester is None or requester.closed or not self._owns_transport:
            return
        if not self._close_now():
            return
        warnings.warn(
            f"{self!r}, made at {self._made_at}, was never closed: use `async with "
            "SeedClient(...) as client:` or `await client.aclose()`; its connections are "
            "closed now",
            ResourceWarning,
            stacklevel=2,
        )

    def _close_now(self) -> bool:
        """Close the owned transport without awaiting (for a client's last moments); whether
        it had connections open."""
        requester = self._requester
        requester.closed = True
        abandon = getattr(requester.transport, "abandon", None)
        return bool(self._owns_transport and abandon is not None and abandon())

    async def aclose(self) -> None:
        """Close the connections this client owns. Idempotent."""
        requester = self._requester
        if requester.closed:
            return
        requester.closed = True
        if self._owns_transport:
            await requester.transport.aclose()

    async def close(self) -> None:
        """The same as ``aclose`` (openai-python's name)."""
        await self.aclose()
