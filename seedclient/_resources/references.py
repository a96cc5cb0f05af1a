"""Reference images and videos as the API takes them: a URL, or a path or bytes as a data URL."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from .._errors import ConfigurationError

__all__ = ["MAX_REFERENCES", "format_of", "MAX_REFERENCE_BYTES", "reference_url", "references"]

#: Image formats Seedream takes as references, by their first bytes.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
#: Seedream's limits on reference images.
MAX_REFERENCES = 14
MAX_REFERENCE_BYTES = 10 * 1024 * 1024


def format_of(data: bytes) -> str | None:
    """The image format of ``data`` by its first bytes, or None when it is none of them."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return None


def reference_url(value: Any) -> str:
    """A reference image as Seedream takes it: a URL as it is; a path or bytes as a data URL."""
    if isinstance(value, str) and value.startswith(("http://", "https://", "data:image/")):
        return value
    where = "the bytes given"
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    elif isinstance(value, (str, os.PathLike)):
        path = Path(value)
        if not path.is_file():
            raise ConfigurationError(
                f"image {str(value)[:200]!r} is neither an http(s) or data: URL nor a file"
            )
        where = str(path)
        if path.stat().st_size > MAX_REFERENCE_BYTES:
            raise ConfigurationError(f"image {where} is over Seedream's 10 MB per reference")
        data = path.read_bytes()
    else:
        raise ConfigurationError(
            f"image must be a URL, a path or bytes (or a list of them), got {type(value).__name__}"
        )
    if len(data) > MAX_REFERENCE_BYTES:
        raise ConfigurationError(f"image ({where}) is over Seedream's 10 MB per reference")
    kind = format_of(data)
    if kind is None:
        raise ConfigurationError(f"image ({where}) is not a jpeg, png, webp, bmp, tiff or gif file")
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def references(value: Any) -> str | list[str]:
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_REFERENCES:
            raise ConfigurationError(
                f"Seedream takes at most {MAX_REFERENCES} reference images, got {len(value)}"
            )
        return [reference_url(v) for v in value]
    return reference_url(value)
