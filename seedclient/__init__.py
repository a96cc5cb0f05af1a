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

from ._batch import BatchResult, BatchRunner, BatchStats
from ._classify import Classification, Classifier, InvalidLabelError
from ._client import SeedClient
from ._config import PROVIDERS, Timeout
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
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
from ._images import ImageStream
from ._pacing import SharedBudget
from ._params import ChatParams
from ._pool import BatchRun
from ._retry import RetryPolicy
from ._sse import ServerSentEvent, SSEDecoder
from ._stream import ChatStream
from ._tools import Tool, ToolEvent, ToolRun
from ._types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    Choice,
    ChunkChoice,
    Delta,
    Embedding,
    EmbeddingsResponse,
    EmbeddingsUsage,
    Function,
    ImageData,
    ImageEvent,
    ImagesResponse,
    ImageURL,
    ImageURLPart,
    Message,
    ModelInfo,
    ModelsPage,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    VideoURL,
    VideoURLPart,
)


def __getattr__(name: str) -> Any:
    # __version__ comes from the installed metadata, read on first use: importing
    # importlib.metadata would triple the cost of `import seedclient`.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("seedclient")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            value = "0.0.0"
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
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatMessage",
    "ChatParams",
    "ChatStream",
    "Choice",
    "ChunkChoice",
    "Classification",
    "Classifier",
    "ConfigurationError",
    "Delta",
    "Embedding",
    "EmbeddingsResponse",
    "EmbeddingsUsage",
    "Function",
    "ImageData",
    "ImageEvent",
    "ImageStream",
    "ImageURL",
    "ImageURLPart",
    "ImagesResponse",
    "InternalServerError",
    "InvalidLabelError",
    "Message",
    "ModelInfo",
    "ModelsPage",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SSEDecoder",
    "SeedClient",
    "SeedError",
    "ServerSentEvent",
    "SharedBudget",
    "StreamError",
    "StructuredOutputError",
    "TextPart",
    "Timeout",
    "Tool",
    "ToolCall",
    "ToolCallDelta",
    "ToolEvent",
    "ToolRun",
    "UnsupportedParameterWarning",
    "Usage",
    "VideoURL",
    "VideoURLPart",
    "__version__",
]
