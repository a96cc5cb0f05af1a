"""Seedream on the wire: generated images, their usage and stream events."""

from __future__ import annotations

from typing import Any

import msgspec

from .base import _Wire
from .chat import Meta

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


images_decoder = msgspec.json.Decoder(ImagesResponse)
image_event_decoder = msgspec.json.Decoder(ImageEvent)
