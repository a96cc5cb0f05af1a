"""seedclient: an asyncio-first client for ByteDance Seed models.

Quick start::

    from seedclient import SeedClient

    async with SeedClient(provider="byteplus") as client:
        done = await client.chat.completions.create(
            model="seed-1.6-flash", messages=[{"role": "user", "content": "hi"}]
        )
        print(done.content)
"""

from __future__ import annotations

from typing import Any

from ._bulk.classify import Classification, Classifier
from ._bulk.estimate import CostEstimate
from ._bulk.outcome import BatchResult
from ._bulk.pacing import SharedBudget
from ._bulk.pool import BatchRun
from ._bulk.runner import BatchRunner
from ._bulk.stats import BatchStats
from ._call.retry import RetryPolicy
from ._client import SeedClient
from ._clock import Clock
from ._config import PROVIDERS, Timeout
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CheckpointLockedError,
    ConfigurationError,
    ContextLengthError,
    CostLimitError,
    EmptyTextError,
    IncompleteStreamError,
    InternalServerError,
    InvalidLabelError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ResponseTooLargeError,
    SeedError,
    StreamError,
    StructuredOutputError,
    UnsupportedParameterWarning,
)
from ._prices import Price
from ._resources.chat import Chat, Completions
from ._resources.chat_params import ChatParams
from ._resources.chat_stream import ChatStream
from ._resources.conversation import Conversation
from ._resources.embeddings import Embeddings
from ._resources.images import Images, ImageStream
from ._resources.models import Models
from ._resources.raw import RawResponse
from ._resources.response_stream import ResponseStream
from ._resources.response_tools import ResponsesToolRun
from ._resources.responses import Responses
from ._resources.tools import Tool, ToolEvent, ToolRun
from ._sync.client import SyncClassifier, SyncSeedClient
from ._sync.streams import SyncChatStream, SyncImageStream, SyncResponseStream
from ._version import get_version as _get_version
from ._wire.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    Choice,
    ChoiceLogprobs,
    ChunkChoice,
    CompletionTokensDetails,
    Delta,
    Function,
    FunctionDelta,
    ImageURL,
    ImageURLPart,
    Message,
    Meta,
    MetaUsage,
    PromptTokensDetails,
    RateLimit,
    TextPart,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    TopLogprob,
    Usage,
    VideoURL,
    VideoURLPart,
)
from ._wire.embeddings import Embedding, EmbeddingsResponse, EmbeddingsUsage
from ._wire.images import ImageData, ImageEvent, ImagesResponse, ImagesUsage
from ._wire.models import ModelInfo, ModelsPage
from ._wire.responses import (
    OutputItem,
    Response,
    ResponseDeleted,
    ResponseEvent,
    ResponseItems,
    ResponseUsage,
)
from ._wire.sse import ServerSentEvent, SSEDecoder


def __getattr__(name: str) -> Any:
    # __version__ is read from the installed metadata on first use (see _version).
    if name == "__version__":
        value = _get_version()
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'seedclient' has no attribute {name!r}")


__all__ = [
    "PROVIDERS",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchResult",
    "BatchRun",
    "BatchRunner",
    "BatchStats",
    "Chat",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatMessage",
    "ChatParams",
    "ChatStream",
    "CheckpointLockedError",
    "Choice",
    "ChoiceLogprobs",
    "ChunkChoice",
    "Classification",
    "Classifier",
    "Clock",
    "CompletionTokensDetails",
    "Completions",
    "ConfigurationError",
    "ContextLengthError",
    "Conversation",
    "CostEstimate",
    "CostLimitError",
    "Delta",
    "Embedding",
    "Embeddings",
    "EmbeddingsResponse",
    "EmbeddingsUsage",
    "EmptyTextError",
    "Function",
    "FunctionDelta",
    "ImageData",
    "ImageEvent",
    "ImageStream",
    "ImageURL",
    "ImageURLPart",
    "Images",
    "ImagesResponse",
    "ImagesUsage",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidLabelError",
    "Message",
    "Meta",
    "MetaUsage",
    "ModelInfo",
    "Models",
    "ModelsPage",
    "NotFoundError",
    "OutputItem",
    "PermissionDeniedError",
    "Price",
    "PromptTokensDetails",
    "QuotaExceededError",
    "RateLimit",
    "RateLimitError",
    "RawResponse",
    "Response",
    "ResponseDeleted",
    "ResponseEvent",
    "ResponseItems",
    "ResponseStream",
    "ResponseTooLargeError",
    "ResponseUsage",
    "Responses",
    "ResponsesToolRun",
    "RetryPolicy",
    "SSEDecoder",
    "SeedClient",
    "SeedError",
    "ServerSentEvent",
    "SharedBudget",
    "StreamError",
    "StructuredOutputError",
    "SyncChatStream",
    "SyncClassifier",
    "SyncImageStream",
    "SyncResponseStream",
    "SyncSeedClient",
    "TextPart",
    "Timeout",
    "TokenLogprob",
    "Tool",
    "ToolCall",
    "ToolCallDelta",
    "ToolEvent",
    "ToolRun",
    "TopLogprob",
    "UnsupportedParameterWarning",
    "Usage",
    "VideoURL",
    "VideoURLPart",
    "__version__",
]
