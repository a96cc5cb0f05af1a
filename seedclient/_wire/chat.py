"""Chat on the wire: request parts and messages, completions, chunks, usage, logprobs.

Responses tolerate unknown fields (msgspec ignores them) and the nulls real servers send
(``usage: null`` on every Ark chunk, ``content: ""`` while the model reasons). Requests omit
unset fields. Each response type has one cached decoder, beside it.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from .base import _Request, _Wire

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]


# ---------------------------------------------------------------------------- request parts


class ImageURL(_Request):
    """An image reference: an http(s) URL or a ``data:image/...;base64,`` URL."""

    url: str
    detail: Literal["auto", "low", "high"] | None = None


class VideoURL(_Request):
    """A video reference; ``fps`` sets the sampling rate on Ark."""

    url: str
    fps: float | None = None


class TextPart(_Request, tag="text", tag_field="type"):
    """A text content part: ``{"type": "text", "text": ...}``."""

    text: str


class ImageURLPart(_Request, tag="image_url", tag_field="type"):
    """An image content part: ``{"type": "image_url", "image_url": {...}}``."""

    image_url: ImageURL


class VideoURLPart(_Request, tag="video_url", tag_field="type"):
    """A video content part: ``{"type": "video_url", "video_url": {...}}``."""

    video_url: VideoURL


ContentPart = TextPart | ImageURLPart | VideoURLPart


class ChatMessage(_Request):
    """A request message as a Struct; plain OpenAI-style dicts are accepted too.

    ``reasoning_content`` lets an assistant turn carry its reasoning back to Ark, which
    thinking models with tools expect on the next turn.
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    reasoning_content: str | None = None


# ---------------------------------------------------------------------------- responses


class Function(_Wire):
    """The function a complete tool call names, with its JSON arguments as text."""

    name: str = ""
    arguments: str = ""


class ToolCall(_Wire):
    """A complete tool call in a message."""

    id: str = ""
    type: str = "function"
    function: Function = msgspec.field(default_factory=Function)


class FunctionDelta(_Wire):
    """A fragment of a streamed tool call's function: name and/or a piece of the arguments."""

    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(_Wire):
    """A streamed tool call fragment; fragments with the same ``index`` belong together."""

    index: int = 0
    id: str | None = None
    type: str | None = None
    function: FunctionDelta | None = None


class TopLogprob(_Wire):
    """One alternative token and its log probability."""

    token: str
    logprob: float
    bytes: list[int] | None = None


class TokenLogprob(_Wire):
    """A generated token, its log probability and the most likely alternatives."""

    token: str
    logprob: float
    bytes: list[int] | None = None
    top_logprobs: list[TopLogprob] = []


class ChoiceLogprobs(_Wire):
    """Log probabilities of a choice's content tokens."""

    content: list[TokenLogprob] | None = None


class Message(_Wire):
    """The assistant message of a completed choice.

    ``parsed`` is set by ``chat.completions.parse()`` (and a stream opened with a type as
    ``response_format``): the content decoded into that type. It is never on the wire.
    """

    role: str = "assistant"
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    parsed: Any = None


class Choice(_Wire):
    """One choice of a [ChatCompletion][seedclient.ChatCompletion]."""

    index: int = 0
    message: Message = msgspec.field(default_factory=Message)
    finish_reason: FinishReason | str | None = None
    logprobs: ChoiceLogprobs | None = None
    moderation_hit_type: str | None = None


class PromptTokensDetails(_Wire):
    """Details of the prompt tokens: how many came from the provider's cache."""

    cached_tokens: int = 0


class CompletionTokensDetails(_Wire):
    """Details of the completion tokens: how many were reasoning."""

    reasoning_tokens: int = 0


class Usage(_Wire):
    """Token usage. On Seed, ``completion_tokens`` includes the reasoning tokens."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None

    @property
    def cached_tokens(self) -> int:
        """Prompt tokens served from cache (0 when the provider does not say)."""
        d = self.prompt_tokens_details
        return d.cached_tokens if d is not None else 0

    @property
    def reasoning_tokens(self) -> int:
        """Completion tokens spent on reasoning (0 when the provider does not say)."""
        d = self.completion_tokens_details
        return d.reasoning_tokens if d is not None else 0

    def __add__(self, other: Usage) -> Usage:
        """The usage of two calls together, cached and reasoning tokens included (a detail
        stays None only when neither side has it)."""
        if not isinstance(other, Usage):
            return NotImplemented
        prompt = completion = None
        if self.prompt_tokens_details is not None or other.prompt_tokens_details is not None:
            prompt = PromptTokensDetails(cached_tokens=self.cached_tokens + other.cached_tokens)
        if (
            self.completion_tokens_details is not None
            or other.completion_tokens_details is not None
        ):
            completion = CompletionTokensDetails(
                reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens
            )
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            prompt_tokens_details=prompt,
            completion_tokens_details=completion,
        )


class MetaUsage(_Wire):
    """AI/ML API's cost report: credits used (2M credits = $1) and dollars spent."""

    credits_used: float | None = None
    usd_spent: float | None = None


class Meta(_Wire):
    """AI/ML API's ``meta`` object."""

    usage: MetaUsage | None = None


class RateLimit(_Wire):
    """What the provider's ``x-ratelimit-*`` headers said about the requests budget (AIsa).

    Attributes:
        limit: ``x-ratelimit-limit-requests``.
        remaining: ``x-ratelimit-remaining-requests``.
        reset: seconds until the budget frees (from ``x-ratelimit-reset-requests``: a Unix
            time, or a duration such as ``1s`` / ``6m0s``).
    """

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None


class ChatCompletion(_Wire):
    """A complete chat answer.

    ``request_id`` is not sent by the server in the body: the client fills it from the
    ``x-request-id`` (Ark) or ``x-inference-id`` (AI/ML API) response header.
    """

    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    service_tier: str | None = None
    choices: list[Choice] = []
    usage: Usage | None = None
    meta: Meta | None = None
    request_id: str | None = None
    rate_limit: RateLimit | None = None

    @property
    def content(self) -> str | None:
        """The first choice's content, the common case in one attribute."""
        return self.choices[0].message.content if self.choices else None


class Delta(_Wire, gc=False):
    """What one stream chunk adds to a choice."""

    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(_Wire, gc=False):
    """One choice of a [ChatCompletionChunk][seedclient.ChatCompletionChunk]."""

    index: int = 0
    delta: Delta = msgspec.field(default_factory=Delta)
    finish_reason: FinishReason | str | None = None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionChunk(_Wire, gc=False):
    """One ``data:`` event of a chat stream. The usage chunk has ``choices == []``.

    ``error`` is set only on an error payload (``data: {"error": ...}``), which
    [ChatStream][seedclient.ChatStream] raises as an exception instead of yielding.

    Chunks, their choices and deltas are not tracked by Python's garbage collector (a busy
    stream makes thousands a second, and they hold no reference cycles): do not make one
    refer back to itself.
    """

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    service_tier: str | None = None
    choices: list[ChunkChoice] = []
    usage: Usage | None = None
    meta: Meta | None = None
    error: dict[str, Any] | str | None = None


# One cached decoder per type: building a decoder is far costlier than using one.
completion_decoder = msgspec.json.Decoder(ChatCompletion)
chunk_decoder = msgspec.json.Decoder(ChatCompletionChunk)
