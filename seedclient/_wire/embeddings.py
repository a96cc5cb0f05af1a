"""Embeddings on the wire: ``/embeddings`` and Ark's ``/embeddings/multimodal``."""

from __future__ import annotations

from typing import Any

import msgspec

from .base import _Wire


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


embeddings_decoder = msgspec.json.Decoder(EmbeddingsResponse)
multimodal_embeddings_decoder = msgspec.json.Decoder(_MultimodalEmbeddingsResponse)
