"""``client.chat``: chat completions, whole or streamed, structured, with tools, in batch."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .._call.requester import Requester
from .._config import resolve_model
from .._errors import APIStatusError, ConfigurationError, StructuredOutputError
from .._transports import Response
from .._wire.base import encode_body
from .._wire.chat import ChatCompletion, completion_decoder
from .._wire.headers import rate_limit_of
from .chat_params import ChatParams, chat_body
from .chat_stream import ChatStream
from .model_rules import rules_of
from .raw import WithRawResponse
from .structured import OutputType, StructuredOutput, forms_for, refuses_format, repair_message

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .tools import Tool, ToolEvent, ToolRun

T = TypeVar("T")

__all__ = ["Chat", "Completions"]


def _finish_completion(completion: ChatCompletion, resp: Response) -> ChatCompletion:
    """What a completion's response headers add besides its request id: the rate limits."""
    if "x-ratelimit-remaining-requests" in resp.headers:
        completion.rate_limit = rate_limit_of(resp.headers)
    return completion


class Completions:
    """``client.chat.completions``: chat completions, whole or streamed."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> WithRawResponse:
        """Each method here, answering with a [RawResponse][seedclient.RawResponse] (status,
        headers,
        request id, elapsed) whose ``parse()`` is what the method returns."""
        return WithRawResponse(self)

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
        and returned as a [ChatStream][seedclient.ChatStream]; else the whole
        [ChatCompletion][seedclient.ChatCompletion]. Parameters are those of
        [ChatParams][seedclient.ChatParams]; each is checked before anything is sent.
        """
        if stream:
            chat_stream = self.stream(**params)
            return await chat_stream.__aenter__()
        return await self._complete("/chat/completions", params)

    def _complete(self, path: str, params: Mapping[str, Any]) -> Awaitable[ChatCompletion]:
        """Send a whole (non-streamed) chat request to ``path``: the awaitable of its answer.

        A plain function (the checks raise at once): one coroutine fewer per request.
        """
        requester = self._requester
        body = encode_body(chat_body(requester.provider, params, stream=False))
        call = requester.call_with(path, body, params)
        sent: Awaitable[ChatCompletion] = call.send_decoded(
            completion_decoder, "chat completion", _finish_completion
        )
        return sent

    async def parse(
        self,
        *,
        response_format: type[T],
        structured_output: StructuredOutput = "auto",
        **params: Any,
    ) -> ChatCompletion:
        """A chat completion whose answer is decoded and validated into ``response_format``.

        ``response_format`` is a msgspec Struct, a dataclass, a TypedDict, or a pydantic model
        (when pydantic is installed). ``structured_output`` says how its JSON schema travels:
        ``json_schema`` (strict), ``json_object`` (with the schema in a system message),
        ``prompt`` (the schema in a system message alone) or ``auto``: a Seed model's best
        form from the catalogue; elsewhere each form best first, the next one when the
        server refuses a form (400/422, or a 5xx naming the schema; a refused form is not
        retried), and what worked is remembered for the client and model. Each choice's
        ``message.parsed`` is the decoded instance. An answer that does not validate is
        asked again once, with the validation error; then
        [StructuredOutputError][seedclient.StructuredOutputError] (with the raw ``content``) is
        raised; an answer cut at the token limit (``finish_reason == "length"``) raises it at once.
        The other parameters are those of ``create``.
        """
        output = OutputType(response_format)
        done, sent = await self._first_structured(output, structured_output, params)
        messages = sent["messages"]
        errors: list[str] = []
        while True:
            problem = content = finish = None
            for choice in done.choices:
                try:
                    choice.message.parsed = output.parse(choice.message.content)
                except ValueError as exc:
                    problem, content, finish = (
                        str(exc),
                        choice.message.content,
                        choice.finish_reason,
                    )
                    break
            if problem is None:
                return done
            errors.append(problem)
            if finish == "length":
                raise StructuredOutputError(
                    f"the answer was cut at the token limit before its JSON was complete "
                    f"(finish_reason='length'): raise max_tokens; {problem}",
                    content=content,
                    errors=errors,
                    finish_reason=finish,
                )
            if len(errors) == 2:
                raise StructuredOutputError(
                    f"the answer did not validate as {output.name} after {len(errors)} "
                    f"attempts: {problem}",
                    content=content,
                    errors=errors,
                    finish_reason=finish,
                )
            messages = [
                *messages,
                {"role": "assistant", "content": content or ""},
                repair_message(problem),
            ]
            done = await self.create(**{**sent, "messages": messages})

    async def _first_structured(
        self, output: OutputType[Any], mode: StructuredOutput, params: Mapping[str, Any]
    ) -> tuple[ChatCompletion, dict[str, Any]]:
        """The first answer in the best form the server takes, and the parameters sent.

        Forms not yet known to work are tried without retries: a refusal moves on to the
        next form; another error that may clear is sent again with the normal retries.
        """
        requester = self._requester
        model = params.get("model")
        forms = _forms(requester, mode, model)
        given = params.get("messages") or []
        for i, form in enumerate(forms):
            extra, messages = output.request(form, given)
            sent: dict[str, Any] = {**params, **extra, "messages": messages}
            if i == len(forms) - 1:
                done = await self.create(**sent)
            else:
                try:
                    done = await self.create(**{**sent, "max_retries": 0})
                except APIStatusError as exc:
                    if refuses_format(exc):
                        continue
                    if not requester.retry.is_retryable(exc):
                        raise
                    done = await self.create(**sent)
            if mode == "auto":
                requester.learned[_learned_key(model)] = form
            return done, sent
        raise AssertionError("unreachable: the last form returns or raises")

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

        ``tools`` are plain functions (sync ones run in a thread) or [Tool][seedclient.Tool]
        objects; each one's schema comes from its signature, type hints and docstring. Arguments are
        validated before the call; a validation error or an exception goes back to the model as the
        tool's result (and is counted in ``tool_errors``). Parallel calls run concurrently, at most
        ``max_parallel`` at a time. At most ``max_turns`` model calls are made. Returns a
        [ToolRun][seedclient.ToolRun] with the final completion, the transcript and the usage of
        each turn. Other parameters are those of ``create``.
        """
        from .tools import run_tools

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
        """``run_tools``, streamed: yields [ToolEvent][seedclient.ToolEvent] objects as things
        happen.

        Text and reasoning deltas, each tool call and its result, and last a ``done`` event
        whose ``run`` is the [ToolRun][seedclient.ToolRun].
        """
        from .tools import stream_tools

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
        requester = self._requester
        parse = None
        if isinstance(params.get("response_format"), type):
            output: OutputType[Any] = OutputType(params["response_format"])  # type: ignore[arg-type]
            form = _forms(requester, "auto", params["model"])[0]
            extra, messages = output.request(form, params["messages"])
            params = {**params, **extra, "messages": messages}  # type: ignore[typeddict-item]
            if not extra:
                params.pop("response_format", None)
            parse = output.parse
        body = encode_body(chat_body(requester.provider, params, stream=True))
        call = requester.call_with("/chat/completions", body, params, stream=True)
        return ChatStream(
            call,
            max_event_bytes=requester.max_event_bytes,
            all_chunks=params.get("stream_options") is not None,
            parse=parse,
            max_kept=requester.max_response_bytes,
        )


def _learned_key(model: object) -> tuple[str, str]:
    return ("structured_output", model if isinstance(model, str) else "")


def _forms(requester: Requester, mode: str, model: object) -> tuple[str, ...]:
    """The structured-output forms to try for ``model``, best first: under ``auto``, the
    one that worked before for this client and model, else ``forms_for``'s."""
    if mode == "auto":
        learned = requester.learned.get(_learned_key(model))
        if learned is not None:
            return (learned,)
    spec = None
    if isinstance(model, str):
        spec = rules_of(requester.provider, model, resolve_model(requester.provider, model))
    return forms_for(spec, mode)


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
    Completions.parse,
    first=[
        inspect.Parameter("response_format", _kw, annotation=type),
        inspect.Parameter("structured_output", _kw, default="auto", annotation="StructuredOutput"),
    ],
)


class Chat:
    """``client.chat``."""

    def __init__(self, requester: Requester) -> None:
        self.completions = Completions(requester)
