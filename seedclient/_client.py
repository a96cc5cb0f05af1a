"""SeedClient and its resources: ``chat.completions`` and ``images``."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ._catalog import from_listing
from ._config import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RETRIES,
    Provider,
    Timeout,
    resolve_model,
    resolve_settings,
)
from ._embeddings import Embeddings
from ._errors import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ConfigurationError,
    StructuredOutputError,
    parse_reset,
)
from ._images import Images
from ._params import ChatParams, chat_body, encode_body
from ._request import Call
from ._retry import RetryPolicy
from ._stream import ChatStream
from ._structured import OutputType, repair_message
from ._transports import Response, Transport, default_transport
from ._types import (
    ChatCompletion,
    ModelsPage,
    RateLimit,
    completion_decoder,
    models_decoder,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._tools import Tool, ToolEvent, ToolRun

T = TypeVar("T")

__all__ = ["SeedClient"]

_ALPHANUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_UNSET: Any = object()


def _version() -> str:
    from . import __version__

    return __version__


class SeedClient:
    """An async client for Seed models on any of their OpenAI-compatible endpoints.

    Args:
        provider: ``"byteplus"`` (default), ``"volcengine"``, ``"aimlapi"``, ``"aisa"`` or
            ``"openai-compatible"`` (any base URL). Falls back to ``SEED_PROVIDER``.
        api_key: the key; else ``SEED_API_KEY``, then the provider's own variable
            (``ARK_API_KEY``, ``AIMLAPI_API_KEY``, ``AISA_API_KEY``).
        base_url: overrides the provider's URL; else ``SEED_BASE_URL``. A base URL with no
            provider means a generic OpenAI-compatible endpoint.
        timeout: a :class:`Timeout`, or a number of seconds for the total deadline.
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

    Use it as ``async with SeedClient(...) as client:``, or call :meth:`aclose`.
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
    ) -> None:
        settings = resolve_settings(provider, api_key, base_url, allow_http=allow_http)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        if max_event_bytes < 1024:
            raise ConfigurationError("max_event_bytes must be at least 1024")
        self._provider: Provider = settings.provider
        self._key_source = settings.key_source
        self._base_url = settings.base_url
        self._timeout = Timeout.coerce(timeout)
        self._retry = retry_policy or RetryPolicy(max_retries=max_retries)
        self._max_event_bytes = max_event_bytes
        self._owns_transport = transport is None
        if max_response_bytes < 1024:
            raise ConfigurationError("max_response_bytes must be at least 1024")
        self._max_response_bytes = max_response_bytes
        self._transport: Transport = transport or default_transport(
            max_connections, max_response_bytes
        )
        self._headers = {
            "Authorization": f"Bearer {settings.api_key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"seedclient/{_version()} python",
        }
        # X-Client-Request-Id: a per-client prefix plus a counter, unique and cheap.
        rand = os.urandom(8)
        self._rid_prefix = time.strftime("%Y%m%d%H%M%S") + "".join(_ALPHANUM[b % 62] for b in rand)
        self._rid_counter = 0
        self._closed = False
        self._chat = Chat(self)
        self._images = Images(self)
        self._models = Models(self)
        self._embeddings = Embeddings(self)

    # ------------------------------------------------------------------ lifecycle

    @property
    def provider(self) -> str:
        """The provider's name."""
        return self._provider.name

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
        return self._base_url

    @property
    def timeout(self) -> Timeout:
        """The default timeouts of this client."""
        return self._timeout

    @property
    def transport(self) -> Transport:
        """The transport this client sends with."""
        return self._transport

    def __repr__(self) -> str:
        return f"SeedClient(provider={self._provider.name!r}, base_url={self._base_url!r})"

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
        other = copy.copy(self)
        if timeout is not _UNSET:
            other._timeout = Timeout.coerce(timeout)
        if retry_policy is not _UNSET:
            other._retry = retry_policy
        elif max_retries is not _UNSET:
            if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
                raise ConfigurationError(
                    f"max_retries must be an integer >= 0, got {max_retries!r}"
                )
            other._retry = dataclasses.replace(self._retry, max_retries=max_retries)
        other._owns_transport = False
        other._chat = Chat(other)
        other._images = Images(other)
        other._models = Models(other)
        other._embeddings = Embeddings(other)
        return other

    async def aclose(self) -> None:
        """Close the connections this client owns. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._owns_transport:
            await self._transport.aclose()

    async def close(self) -> None:
        """The same as :meth:`aclose` (openai-python's name)."""
        await self.aclose()

    async def __aenter__(self) -> SeedClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ plumbing

    def _call(
        self,
        path: str,
        body: bytes | None,
        timeout: Timeout | float | None,
        extra_headers: Mapping[str, str] | None,
        *,
        method: str = "POST",
    ) -> Call:
        if self._closed:
            raise ConfigurationError("the client is closed")
        self._rid_counter += 1
        headers = {"X-Client-Request-Id": f"{self._rid_prefix}{self._rid_counter:012d}"}
        if extra_headers:
            headers.update(extra_headers)
        return Call(
            self._transport,
            self._retry,
            method,
            self._base_url + path,
            headers,
            self._headers,
            body,
            self._timeout if timeout is None else Timeout.coerce(timeout),
        )


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(float(raw)) if raw is not None else None
    except ValueError:
        return None


def _rate_limit(headers: Mapping[str, str], remaining: str) -> RateLimit:
    return RateLimit(
        limit=_int_or_none(headers.get("x-ratelimit-limit-requests")),
        remaining=_int_or_none(remaining),
        reset=parse_reset(headers.get("x-ratelimit-reset-requests")),
    )


def _finish_completion(completion: ChatCompletion, resp: Response) -> ChatCompletion:
    """What a completion's response headers add besides its request id: the rate limits."""
    remaining = resp.headers.get("x-ratelimit-remaining-requests")
    if remaining is not None:
        completion.rate_limit = _rate_limit(resp.headers, remaining)
    return completion


class Completions:
    """``client.chat.completions``: chat completions, whole or streamed."""

    def __init__(self, client: SeedClient) -> None:
        self._client = client

    @overload
    async def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatParams]
    ) -> ChatCompletion: ...

    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[ChatParams]
    ) -> ChatStream: ...

    async def create(
        self, *, stream: bool = False, **params: Unpack[ChatParams]
    ) -> ChatCompletion | ChatStream:
        """Create a chat completion.

        With ``stream=True`` the stream is opened (errors before the first byte raise here)
        and returned as a :class:`ChatStream`; else the whole :class:`ChatCompletion`.
        Parameters are those of :class:`~seedclient._params.ChatParams`; each is checked
        before anything is sent.
        """
        if stream:
            chat_stream = self.stream(**params)
            return await chat_stream.__aenter__()
        return await self._complete("/chat/completions", params)

    def _complete(self, path: str, params: Mapping[str, Any]) -> Awaitable[ChatCompletion]:
        """Send a whole (non-streamed) chat request to ``path``: the awaitable of its answer.

        A plain function (the checks raise at once): one coroutine fewer per request.
        """
        client = self._client
        body = encode_body(chat_body(client._provider, params, stream=False))
        call = client._call(path, body, params.get("timeout"), params.get("extra_headers"))
        sent: Awaitable[ChatCompletion] = call.send_decoded(
            completion_decoder, "chat completion", _finish_completion
        )
        return sent

    async def parse(self, *, response_format: type[T], **params: Any) -> ChatCompletion:
        """A chat completion whose answer is decoded and validated into ``response_format``.

        ``response_format`` is a msgspec Struct, a dataclass, a TypedDict, or a pydantic model
        (when pydantic is installed). Its JSON schema is sent the best way the model takes
        it (``json_schema``, strict; else ``json_object`` with the schema in a system
        message). Each choice's ``message.parsed`` is the decoded instance. An answer that
        does not validate is asked again once, with the validation error; then
        :class:`StructuredOutputError` (with the raw ``content``) is raised. The other
        parameters are those of :meth:`create`.
        """
        output = OutputType(response_format)
        model = params.get("model")
        extra, messages = output.request(
            resolve_model(self._client._provider, model) if isinstance(model, str) else "",
            params.get("messages") or [],
        )
        errors: list[str] = []
        content: str | None = None
        for _attempt in range(2):
            done: ChatCompletion = await self.create(**{**params, **extra, "messages": messages})
            problem = None
            for choice in done.choices:
                try:
                    choice.message.parsed = output.parse(choice.message.content)
                except ValueError as exc:
                    problem = str(exc)
                    content = choice.message.content
                    break
            if problem is None:
                return done
            errors.append(problem)
            messages = [
                *messages,
                {"role": "assistant", "content": content or ""},
                repair_message(problem),
            ]
        raise StructuredOutputError(
            f"the answer did not validate as {output.name} after {len(errors)} attempts: "
            f"{errors[-1]}",
            content=content,
            errors=errors,
        )

    async def run_tools(
        self,
        *,
        model: str,
        messages: Sequence[Any],
        tools: Sequence[Callable[..., Any] | Tool],
        max_turns: int = 10,
        max_parallel: int = 8,
        **params: Any,
    ) -> ToolRun:
        """Let the model call Python functions until it answers in prose.

        ``tools`` are plain functions (sync ones run in a thread) or :class:`Tool` objects;
        each one's schema comes from its signature, type hints and docstring. Arguments are
        validated before the call; a validation error or an exception goes back to the
        model as the tool's result (and is counted in ``tool_errors``). Parallel calls run
        concurrently, at most ``max_parallel`` at a time. At most ``max_turns`` model calls
        are made. Returns a :class:`ToolRun` with the final completion, the transcript and
        the usage of each turn. Other parameters are those of :meth:`create`.
        """
        from ._tools import run_tools

        return await run_tools(
            self,
            model=model,
            messages=messages,
            tools=tools,
            max_turns=max_turns,
            max_parallel=max_parallel,
            **params,
        )

    def stream_tools(
        self,
        *,
        model: str,
        messages: Sequence[Any],
        tools: Sequence[Callable[..., Any] | Tool],
        max_turns: int = 10,
        max_parallel: int = 8,
        **params: Any,
    ) -> AsyncIterator[ToolEvent]:
        """:meth:`run_tools`, streamed: yields :class:`ToolEvent` objects as things happen.

        Text and reasoning deltas, each tool call and its result, and last a ``done`` event
        whose ``run`` is the :class:`ToolRun`.
        """
        from ._tools import stream_tools

        return stream_tools(
            self,
            model=model,
            messages=messages,
            tools=tools,
            max_turns=max_turns,
            max_parallel=max_parallel,
            **params,
        )

    async def create_batch(self, **params: Unpack[ChatParams]) -> ChatCompletion:
        """A chat completion through Ark's Batch Chat (``/batch/chat/completions``).

        Half the price of online inference, no TPM guarantee, no streaming, and answers may
        take minutes: ``model`` must be a batch endpoint id (``ep-bi-...``). Use it through
        ``BatchRunner(client, endpoint="batch")``, which sets the long timeouts and high
        concurrency the endpoint expects.
        """
        model = params.get("model")
        if not isinstance(model, str) or not model.startswith("ep-bi-"):
            raise ConfigurationError(
                f"Batch Chat needs a batch endpoint id as model (ep-bi-...), got {model!r}; "
                "create one in the Ark console"
            )
        return await self._complete("/batch/chat/completions", params)

    def stream(self, **params: Unpack[ChatParams]) -> ChatStream:
        """A streamed chat completion; use it as ``async with ... as stream``.

        ``stream_options.include_usage`` is on unless you pass ``stream_options``. Iterating
        the stream yields the chunks that carry choices, so ``chunk.choices[0]`` is always
        safe; the usage lands on ``stream.usage``. Pass ``stream_options`` yourself to get
        every chunk as the wire has it (the usage-only chunk has ``choices == []``).
        """
        client = self._client
        parse = None
        if isinstance(params.get("response_format"), type):
            output: OutputType[Any] = OutputType(params["response_format"])  # type: ignore[arg-type]
            extra, messages = output.request(
                resolve_model(client._provider, params["model"]), params["messages"]
            )
            params = {**params, **extra, "messages": messages}  # type: ignore[typeddict-item]
            if not extra:
                params.pop("response_format", None)
            parse = output.parse
        body = encode_body(chat_body(client._provider, params, stream=True))
        call = client._call(
            "/chat/completions", body, params.get("timeout"), params.get("extra_headers")
        )
        return ChatStream(
            call,
            max_event_bytes=client._max_event_bytes,
            all_chunks=params.get("stream_options") is not None,
            parse=parse,
            max_kept=client._max_response_bytes,
        )


def _chat_signature(method: Any, *, first: Sequence[inspect.Parameter] = ()) -> None:
    """Give ``method`` a signature that lists every chat parameter (for help() and IDEs)."""
    # The annotations as written (strings): evaluating them would import typing_extensions.
    hints: dict[str, Any] = {}
    for name, hint in ChatParams.__annotations__.items():
        raw = getattr(hint, "__forward_arg__", hint)
        if isinstance(raw, str) and raw.startswith("Required["):
            raw = raw[len("Required[") : -1]
        hints[name] = raw
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *first]
    taken = {p.name for p in params}
    for name, hint in hints.items():
        if name not in taken:
            params.append(
                inspect.Parameter(
                    name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=hint
                )
            )
    old = inspect.signature(method)
    method.__signature__ = old.replace(parameters=params)


_kw = inspect.Parameter.KEYWORD_ONLY
_chat_signature(
    Completions.create, first=[inspect.Parameter("stream", _kw, default=False, annotation=bool)]
)
_chat_signature(Completions.stream)
_chat_signature(Completions.create_batch)
_chat_signature(
    Completions.parse, first=[inspect.Parameter("response_format", _kw, annotation=type)]
)


class Chat:
    """``client.chat``."""

    def __init__(self, client: SeedClient) -> None:
        self.completions = Completions(client)


class Models:
    """``client.models``: the models the endpoint lists."""

    def __init__(self, client: SeedClient) -> None:
        self._client = client

    async def list(
        self,
        *,
        refresh_rules: bool = False,
        timeout: Timeout | float | None = None,
    ) -> ModelsPage:
        """``GET /models``: on Ark each entry carries its capabilities and token limits.

        With ``refresh_rules=True`` the client takes its per-model rules from the answer
        (output caps, context windows, structured-output kinds) in place of the
        catalogue's, and ids the catalogue does not know pass the "did you mean" check.
        Copies made by ``with_options()`` (and runners made) before keep the old rules.
        """
        client = self._client
        call = client._call("/models", None, timeout, None, method="GET")
        page: ModelsPage = await call.send_decoded(models_decoder, "models")
        if refresh_rules:
            specs = dict(client._provider.specs)
            for info in page.data:  # a plain list (no matrix) still says which ids exist
                if info.id:
                    specs[info.id] = from_listing(info.id, info.features, info.token_limits)
            client._provider = dataclasses.replace(client._provider, specs=specs)
        return page
