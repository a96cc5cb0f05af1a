"""Embeddings: ``client.embeddings``, text and Ark's multimodal endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._call.requester import Requester
from .._config import Timeout, resolve_model
from .._errors import ConfigurationError
from .._transports import Response
from .._wire.base import encode_body
from .._wire.embeddings import (
    EmbeddingsResponse,
    _MultimodalEmbeddingsResponse,
    embeddings_decoder,
    multimodal_embeddings_decoder,
)
from .model_rules import rules_of
from .raw import WithRawResponse
from .references import reference_url

__all__ = ["Embeddings"]

_PARTS = {"text": "text", "image_url": "image_url", "video_url": "video_url"}


def _fused(done: _MultimodalEmbeddingsResponse, resp: Response) -> EmbeddingsResponse:
    """Ark's single-object ``data`` as the usual list of one."""
    return EmbeddingsResponse(
        id=done.id,
        model=done.model,
        created=done.created,
        data=[done.data],
        usage=done.usage,
        request_id=done.request_id,
    )


def _part(part: Any) -> Any:
    """A multimodal input part; a plain string is text, an image may be a path or bytes."""
    if isinstance(part, str):
        return {"type": "text", "text": part}
    if not isinstance(part, Mapping) or part.get("type") not in _PARTS:
        raise ConfigurationError(
            "each multimodal input is a string or a part whose type is text, image_url or "
            f"video_url, got {str(part)[:100]!r}"
        )
    if part["type"] == "image_url":
        image = part.get("image_url")
        fields = dict(image) if isinstance(image, Mapping) else {"url": image}
        return {
            "type": "image_url",
            "image_url": {**fields, "url": reference_url(fields.get("url"))},
        }
    return dict(part)


class Embeddings:
    """``client.embeddings``: vectors for texts, images and videos."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> WithRawResponse:
        """Each method here, answering with a [RawResponse][seedclient.RawResponse] (status,
        headers,
        request id, elapsed) whose ``parse()`` is what the method returns."""
        return WithRawResponse(self)

    def _body(
        self, model: str, dimensions: int | None, encoding_format: str | None
    ) -> dict[str, Any]:
        """The checked common fields of both endpoints' bodies."""
        sent = resolve_model(self._requester.provider, model)
        spec = rules_of(self._requester.provider, model, sent)
        if dimensions is not None:
            if isinstance(dimensions, bool) or not isinstance(dimensions, int):
                raise ConfigurationError(f"dimensions must be an integer, got {dimensions!r}")
            if spec is not None and spec.dimensions and dimensions not in spec.dimensions:
                sizes = ", ".join(map(str, spec.dimensions))
                raise ConfigurationError(
                    f"dimensions={dimensions} is not made by {spec.family} (it makes {sizes})"
                )
        if encoding_format not in (None, "float", "base64"):
            raise ConfigurationError(
                f"encoding_format must be float or base64, got {encoding_format!r}"
            )
        body: dict[str, Any] = {"model": sent}
        if dimensions is not None:
            body["dimensions"] = dimensions
        if encoding_format is not None:
            body["encoding_format"] = encoding_format
        return body

    async def create(
        self,
        *,
        model: str,
        input: str | Sequence[str],
        dimensions: int | None = None,
        encoding_format: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
    ) -> EmbeddingsResponse:
        """``POST /embeddings``: one vector per text, in ``data`` (openai's shape)."""
        texts = [input] if isinstance(input, str) else list(input)
        if not texts or not all(isinstance(t, str) and t for t in texts):
            raise ConfigurationError("input must be a non-empty text or list of texts")
        body = self._body(model, dimensions, encoding_format)
        body["input"] = input
        body.update(extra_body or {})
        call = self._requester.call(
            "/embeddings",
            encode_body(body),
            timeout,
            extra_headers,
            query=extra_query,
            max_retries=max_retries,
            operation="embeddings",
            model=model,
        )
        done: EmbeddingsResponse = await call.send_decoded(embeddings_decoder, "embeddings")
        return done

    async def create_multimodal(
        self,
        *,
        model: str,
        input: Sequence[Any],
        dimensions: int | None = None,
        encoding_format: str | None = None,
        sparse_embedding: bool | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
    ) -> EmbeddingsResponse:
        """``POST /embeddings/multimodal`` (Ark): one fused vector for all the parts.

        ``input`` holds strings (text) and ``{"type": "image_url" | "video_url", ...}``
        parts; an image URL may be a path or bytes (sent as a data URL). Ark answers with
        ``data`` as one object; it comes back here as ``data[0]``.
        """
        if isinstance(input, (str, Mapping)) or not input:
            raise ConfigurationError("input must be a non-empty list of parts")
        body = self._body(model, dimensions, encoding_format)
        body["input"] = [_part(p) for p in input]
        if sparse_embedding is not None:
            body["sparse_embedding"] = {"type": "enabled" if sparse_embedding else "disabled"}
        body.update(extra_body or {})
        call = self._requester.call(
            "/embeddings/multimodal",
            encode_body(body),
            timeout,
            extra_headers,
            query=extra_query,
            max_retries=max_retries,
            operation="embeddings",
            model=model,
        )
        done: EmbeddingsResponse = await call.send_decoded(
            multimodal_embeddings_decoder, "embeddings", _fused
        )
        return done
