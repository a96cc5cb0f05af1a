"""msgspec Structs for the Seed wire: chat requests, responses, stream chunks, usage and images.

Responses tolerate unknown fields (msgspec ignores them) and the nulls real servers send
(``usage: null`` on every Ark chunk, ``content: ""`` while the model reasons). Requests omit
unset fields. Each response type has one cached decoder, below.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "Embedding",
    "EmbeddingsResponse",
    "EmbeddingsUsage",
    "ImageEvent",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatMessage",
    "Choice",
    "ChoiceLogprobs",
    "ChunkChoice",
    "CompletionTokensDetails",
    "Delta",
    "Function",
    "FunctionDelta",
    "ImageData",
    "ImageURL",
    "ImageURLPart",
    "ImagesResponse",
    "ImagesUsage",
    "Message",
    "Meta",
    "MetaUsage",
    "ModelInfo",
    "ModelsPage",
    "PromptTokensDetails",
    "RateLimit",
    "TextPart",
    "TokenLogprob",
    "ToolCall",
    "ToolCallDelta",
    "TopLogprob",
    "Usage",
    "VideoURL",
    "VideoURLPart",
]

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]


#: Fields the client fills in (not sent by the server): left out of dumps.
_CLIENT_FIELDS = frozenset({"request_id", "parsed", "rate_limit"})


def _dump(obj: Any) -> Any:
    if isinstance(obj, msgspec.Struct):
        config = obj.__struct_config__
        out: dict[str, Any] = {}
        if config.tag_field is not None:
            out[config.tag_field] = config.tag
        for name in obj.__struct_fields__:
            value = getattr(obj, name)
            if value is not None and name not in _CLIENT_FIELDS:
                out[name] = _dump(value)
        return out
    if isinstance(obj, list):
        return [_dump(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _dump(v) for k, v in obj.items() if v is not None}
    return obj


class _Wire(msgspec.Struct, kw_only=True):
    """Base of every wire Struct: keyword-only fields, and openai-style dumps."""

    def model_dump(self) -> dict[str, Any]:
        """The object as plain builtins with the wire's field names.

        Fields that are null or absent on the wire are left out, and so are the fields the
        client fills in itself (``request_id``): the result is what the server sent, as far
        as this type models it.
        """
        data: dict[str, Any] = _dump(self)
        return data

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """:meth:`model_dump` as JSON text (``indent``: pretty-print with that many spaces)."""
        raw = json_encoder.encode(self.model_dump())
        return (msgspec.json.format(raw, indent=indent) if indent else raw).decode()


class _Request(_Wire, omit_defaults=True):
    """Base of request Structs: unset fields are left out of the body."""


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
    """One choice of a :class:`ChatCompletion`."""

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


class Delta(_Wire):
    """What one stream chunk adds to a choice."""

    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(_Wire):
    """One choice of a :class:`ChatCompletionChunk`."""

    index: int = 0
    delta: Delta = msgspec.field(default_factory=Delta)
    finish_reason: FinishReason | str | None = None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionChunk(_Wire):
    """One ``data:`` event of a chat stream. The usage chunk has ``choices == []``.

    ``error`` is set only on an error payload (``data: {"error": ...}``), which
    :class:`~seedclient.ChatStream` raises as an exception instead of yielding.
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


# ---------------------------------------------------------------------------- images


class ImageData(_Wire):
    """One generated image: a URL (valid for 24 h on Ark) or base64 data, or a per-item error."""

    url: str | None = None
    b64_json: str | None = None
    size: str | None = None
    error: dict[str, Any] | None = None


class ImagesUsage(_Wire):
    """Image generation usage."""

    generated_images: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


class ImagesResponse(_Wire):
    """The answer to ``images.generate``."""

    model: str = ""
    created: int = 0
    data: list[ImageData] = []
    usage: ImagesUsage | None = None
    meta: Meta | None = None
    request_id: str | None = None


# ---------------------------------------------------------------------------- models


class ModelInfo(_Wire):
    """One entry of ``GET /models``. Ark adds capabilities (``features``), ``token_limits``
    (``context_window``, ``max_output_token_length``...), ``status`` and ``domain``."""

    id: str = ""
    object: str = "model"
    created: int = 0
    owned_by: str | None = None
    status: str | None = None
    domain: str | None = None
    features: dict[str, Any] | None = None
    token_limits: dict[str, Any] | None = None


class ModelsPage(_Wire):
    """The answer to ``models.list()``."""

    object: str = "list"
    data: list[ModelInfo] = []
    request_id: str | None = None


# One cached decoder per type: building a decoder is far costlier than using one.
completion_decoder = msgspec.json.Decoder(ChatCompletion)


class ImageEvent(_Wire):
    """One event of ``client.images.stream()``: an image made or failed, or the end.

    ``type`` is ``image_generation.partial_succeeded`` (``url`` or ``b64_json``, ``size``),
    ``image_generation.partial_failed`` (``error`` with ``code`` and ``message``; the other
    images still come) or ``image_generation.completed`` (``usage``).
    """

    type: str = ""
    model: str = ""
    image_index: int | None = None
    url: str | None = None
    b64_json: str | None = None
    size: str | None = None
    error: dict[str, Any] | None = None
    usage: ImagesUsage | None = None
    created: int | None = None
    created_at: int | None = None

    @property
    def kind(self) -> str:
        """The type without its prefix: ``partial_succeeded``, ``partial_failed``, ``completed``."""
        return self.type.rsplit(".", 1)[-1]

    def image(self) -> ImageData:
        """The image this event carries (or its error), as in a whole response's ``data``."""
        return ImageData(url=self.url, b64_json=self.b64_json, size=self.size, error=self.error)


class Embedding(_Wire):
    """One embedding: ``embedding`` is the vector (a base64 string with
    ``encoding_format="base64"``); Ark's multimodal endpoint may add ``sparse_embedding``
    (``[{index, value}]``, text only)."""

    index: int = 0
    object: str = "embedding"
    embedding: list[float] | str = []
    sparse_embedding: list[dict[str, Any]] | None = None


class EmbeddingsUsage(_Wire):
    """Embedding usage (``prompt_tokens_details`` splits text and image tokens on Ark)."""

    prompt_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: dict[str, Any] | None = None


class EmbeddingsResponse(_Wire):
    """The answer to ``embeddings.create`` (and ``create_multimodal``, whose single fused
    vector becomes ``data[0]``)."""

    id: str | None = None
    object: str = "list"
    model: str = ""
    created: int | None = None
    data: list[Embedding] = []
    usage: EmbeddingsUsage | None = None
    request_id: str | None = None


class _MultimodalEmbeddingsResponse(_Wire):
    # Ark's /embeddings/multimodal: `data` is one object, not a list.
    id: str | None = None
    object: str = "list"
    model: str = ""
    created: int | None = None
    data: Embedding = msgspec.field(default_factory=Embedding)
    usage: EmbeddingsUsage | None = None
    request_id: str | None = None


chunk_decoder = msgspec.json.Decoder(ChatCompletionChunk)
embeddings_decoder = msgspec.json.Decoder(EmbeddingsResponse)
multimodal_embeddings_decoder = msgspec.json.Decoder(_MultimodalEmbeddingsResponse)
images_decoder = msgspec.json.Decoder(ImagesResponse)
image_event_decoder = msgspec.json.Decoder(ImageEvent)
models_decoder = msgspec.json.Decoder(ModelsPage)
json_encoder = msgspec.json.Encoder()
