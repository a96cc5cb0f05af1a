"""``client.responses``: Ark's Responses API (``/responses``): create, stream, retrieve,
delete and the input items of a stored response."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, overload

from msgspec.structs import replace

from .._call.call import Call
from .._call.requester import Requester
from .._catalog import family_of
from .._config import resolve_model
from .._errors import ConfigurationError, StructuredOutputError
from .._wire.base import encode_body
from .._wire.responses import (
    Response,
    ResponseDeleted,
    ResponseItems,
    deleted_decoder,
    items_decoder,
    response_decoder,
)
from .conversation import Conversation
from .response_stream import ResponseStream
from .response_tools import ResponsesToolRun, run_response_tools
from .structured import OutputType
from .tools import Tool

__all__ = ["InputItems", "Responses"]

#: Ark's built-in tools and the beta header each needs (set here, as the Ark SDKs do).
BETA_HEADERS = {
    "web_search": "ark-beta-web-search",
    "mcp": "ark-beta-mcp",
    "knowledge_search": "ark-beta-knowledge-search",
    "doubao_app": "ark-beta-doubao-app",
    "image_process": "ark-beta-image-process",
}
#: Request options: not sent in the body.
_OPTIONS = frozenset({"extra_body", "extra_headers", "extra_query", "timeout", "max_retries"})
#: How long Ark keeps a stored response at most (``expire_at``), and by default.
MAX_STORE_SECONDS = 7 * 24 * 3600


def response_body(requester: Requester, params: Mapping[str, Any], stream: bool) -> bytes:
    """Check a Responses request as Ark would, before sending; its JSON body."""
    provider = requester.provider
    if "model" not in params or "input" not in params:
        raise ConfigurationError("responses need model= and input= (a text or a list of items)")
    caching = params.get("caching")
    if isinstance(caching, str):
        caching = {"type": caching}
    if (
        isinstance(caching, Mapping)
        and caching.get("type") == "enabled"
        and params.get("instructions")
    ):
        raise ConfigurationError(
            "instructions cannot go with caching (Ark refuses them together): put them in "
            "the first input as a system message, or turn caching off"
        )
    for tool in params.get("tools") or ():
        if isinstance(tool, Mapping) and "function" in tool:
            raise ConfigurationError(
                "Responses tools are flat: {'type': 'function', 'name': ..., 'parameters': ...}"
                " (the nested {'function': {...}} form is Chat's)"
            )
    limit = params.get("max_output_tokens")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigurationError(f"max_output_tokens must be a positive integer, got {limit!r}")
    expire_at = params.get("expire_at")
    if expire_at is not None:
        now = time.time()
        if not isinstance(expire_at, int) or not now < expire_at <= now + MAX_STORE_SECONDS:
            raise ConfigurationError(
                "expire_at must be a Unix time in the next 7 days (Ark keeps a response 3 "
                f"days by default, 7 at most), got {expire_at!r}"
            )
    model = resolve_model(provider, str(params["model"]))
    spec = family_of(model) if provider.seed else None
    body: dict[str, Any] = {}
    for name, value in params.items():
        if name in _OPTIONS or value is None:
            continue
        if name == "thinking" and isinstance(value, str):
            value = {"type": value}
        if name == "caching":
            value = caching
        body[name] = value
    if spec is not None:
        kind = (body.get("thinking") or {}).get("type")
        if kind is not None and kind not in spec.thinking:
            takes = ", ".join(sorted(spec.thinking))
            raise ConfigurationError(f"thinking {kind!r} is not one {spec.family} takes ({takes})")
        effort = (body.get("reasoning") or {}).get("effort")
        if effort is not None and effort not in spec.efforts:
            raise ConfigurationError(
                f"reasoning.effort {effort!r} is not one {spec.family} takes "
                f"({', '.join(sorted(spec.efforts))})"
            )
    body["model"] = model
    if stream:
        body["stream"] = True
    body.update(params.get("extra_body") or {})
    return encode_body(body)


def request_headers(params: Mapping[str, Any]) -> dict[str, str] | None:
    """The call's own headers: ``extra_headers``, and the beta header of each built-in tool."""
    headers = dict(params.get("extra_headers") or {})
    for tool in params.get("tools") or ():
        beta = BETA_HEADERS.get(tool.get("type", "")) if isinstance(tool, Mapping) else None
        if beta is not None:
            headers.setdefault(beta, "true")
    return headers or None


def stored_call(
    requester: Requester,
    path: str,
    options: Mapping[str, Any],
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
) -> Call:
    """A call about a stored response (``GET`` / ``DELETE /responses/...``)."""
    return requester.call(
        path,
        None,
        options.get("timeout"),
        {**(headers or {}), **(options.get("extra_headers") or {})} or None,
        method=method,
        operation="responses",
    )


def response_call(requester: Requester, params: Mapping[str, Any], *, stream: bool) -> Call:
    """The call that creates a response (streamed or not), checked before it is made."""
    return requester.call(
        "/responses",
        response_body(requester, params, stream=stream),
        params.get("timeout"),
        request_headers(params),
        stream=stream,
        query=params.get("extra_query"),
        max_retries=params.get("max_retries"),
        operation="responses",
        model=params.get("model"),
    )


class InputItems:
    """``client.responses.input_items``: what a stored response was given."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def list(self, response_id: str, **options: Any) -> ResponseItems:
        """The input items of a stored response (``data``, as Ark sends them)."""
        call = stored_call(self._requester, f"/responses/{response_id}/input_items", options)
        page: ResponseItems = await call.send_decoded(items_decoder, "input items")
        return page


class Responses:
    """``client.responses``: Ark's Responses API.

    ``create(model=..., input=...)`` returns a [Response][seedclient.Response]; with
    ``stream=True`` (or ``stream(...)``) a [ResponseStream][seedclient.ResponseStream] of
    typed events. Parameters are Ark's: ``input`` (a text or items), ``instructions``,
    ``previous_response_id``, ``caching`` (``{"type": "enabled"}``; not with
    ``instructions``), ``store``, ``expire_at`` (at most 7 days ahead), ``thinking``,
    ``reasoning`` (``{"effort": ...}``), ``max_output_tokens``, ``text`` (``format``),
    ``tools`` (flat; a built-in tool's ``ark-beta-*`` header is added), ``include``,
    ``temperature``, ``top_p``, plus ``extra_body``, ``extra_headers``, ``extra_query``,
    ``timeout``, ``max_retries``. Each is checked before anything is sent, as Ark would
    refuse it.
    """

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
        self.input_items = InputItems(requester)

    @overload
    async def create(self, *, stream: Literal[False] = False, **params: Any) -> Response: ...

    @overload
    async def create(self, *, stream: Literal[True], **params: Any) -> ResponseStream: ...

    async def create(self, *, stream: bool = False, **params: Any) -> Response | ResponseStream:
        """Create a response; with ``stream=True`` the opened
        [ResponseStream][seedclient.ResponseStream]."""
        if stream:
            return await self.stream(**params).__aenter__()
        call = response_call(self._requester, params, stream=False)
        done: Response = await call.send_decoded(response_decoder, "response")
        return done

    async def parse(
        self, *, response_format: type[Any], max_attempts: int = 2, **params: Any
    ) -> Response:
        """A response whose ``parsed`` is ``response_format`` (a msgspec Struct, dataclass,
        TypedDict or pydantic model), asked for through ``text.format`` as a JSON schema.

        An answer that does not validate is asked for again (``max_attempts`` in all); one
        cut at ``max_output_tokens`` is not. Raises
        [StructuredOutputError][seedclient.StructuredOutputError] with each attempt's error.
        """
        output: OutputType[Any] = OutputType(response_format)
        fmt = {"type": "json_schema", "name": output.name, "schema": output.schema, "strict": True}
        params = {**params, "text": {**(params.get("text") or {}), "format": fmt}}
        errors: list[str] = []
        done: Response | None = None
        for _ in range(max(1, max_attempts)):
            done = await self.create(**params)
            if done.status == "incomplete":
                errors.append("the answer was cut at max_output_tokens")
                break
            try:
                return replace(done, parsed=output.parse(done.output_text))
            except ValueError as exc:
                errors.append(str(exc))
        assert done is not None
        raise StructuredOutputError(
            f"no answer validated as {output.name} ({len(errors)} attempt(s)): {errors[-1]}",
            content=done.output_text,
            errors=errors,
            finish_reason="length" if done.status == "incomplete" else None,
        )

    async def run_tools(
        self,
        *,
        model: str,
        input: Any,
        tools: Sequence[Callable[..., Any] | Tool],
        max_turns: int = 10,
        max_parallel: int = 8,
        **params: Any,
    ) -> ResponsesToolRun:
        """Let the model call Python functions until it answers (see ``chat.completions.
        run_tools``): each turn continues the last response, sending the calls' outputs
        as ``function_call_output`` items. Returns a
        [ResponsesToolRun][seedclient.ResponsesToolRun]."""
        return await run_response_tools(
            self.create,
            model=model,
            input=input,
            tools=tools,
            max_turns=max_turns,
            max_parallel=max_parallel,
            **params,
        )

    def conversation(
        self, *, model: str, caching: bool | None = None, **options: Any
    ) -> Conversation:
        """A [Conversation][seedclient.Conversation]: turns chained by
        ``previous_response_id``, cached, replayed if the chain is lost.

        ``caching`` (None): on, unless the provider's own listing
        (``models.list(refresh_rules=True)``) says the model has no context cache.
        """
        if caching is None:
            provider = self._requester.provider
            spec = provider.specs.get(resolve_model(provider, model))
            caching = spec is None or spec.caching is not False
        return Conversation(self, model=model, caching=caching, **options)

    def stream(self, **params: Any) -> ResponseStream:
        """A streamed response, as an async context manager of typed events."""
        call = response_call(self._requester, params, stream=True)
        return ResponseStream(call, max_event_bytes=self._requester.max_event_bytes)

    async def retrieve(self, response_id: str, **options: Any) -> Response:
        """A stored response by its id."""
        call = stored_call(self._requester, f"/responses/{response_id}", options)
        done: Response = await call.send_decoded(response_decoder, "response")
        return done

    async def delete(self, response_id: str, **options: Any) -> ResponseDeleted:
        """Delete a stored response (and what caching kept of it)."""
        path = f"/responses/{response_id}"
        call = stored_call(self._requester, path, options, "DELETE", {"Accept": "*/*"})
        done: ResponseDeleted = await call.send_decoded(deleted_decoder, "delete")
        return done
