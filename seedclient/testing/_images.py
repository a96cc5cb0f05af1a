"""Seedream on the fake server: how many images a request makes, their sizes, their failures."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .._catalog import ModelSpec
from ._rules import image_size

__all__ = ["Planned", "plan_images", "png"]


@dataclass(frozen=True)
class Planned:
    """One image the request makes: its index and size, or the error that replaced it."""

    index: int
    size: str
    error: dict[str, str] | None = None


def png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A small solid-colour PNG (the real pixels are not the point of a fake)."""
    row = b"\x00" + bytes(rgb) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def plan_images(
    dialect: str, spec: ModelSpec | None, body: Mapping[str, Any], failed: Collection[int]
) -> list[Planned]:
    """The images a (valid) body makes: sequential generation up to ``max_images``, or ``n``."""
    size_field = "image_size" if dialect == "aiml" else "size"
    size, _ = image_size(spec, body.get(size_field))
    assert size is not None  # the body was checked
    if dialect == "aisa":
        count = int(body.get("n", 1))
    elif body.get("sequential_image_generation") == "auto":
        count = int((body.get("sequential_image_generation_options") or {}).get("max_images", 1))
    else:
        count = 1
    refs = body.get("image") or body.get("image_urls") or []
    refs = [refs] if isinstance(refs, str) else refs
    count = max(1, min(count, 15 - len(refs)))
    out = []
    for i in range(count):
        error = None
        if i in failed:
            error = {
                "code": "OutputImageSensitiveContentDetected",
                "message": "The generated image may contain sensitive content.",
            }
        out.append(Planned(i, size, error))
    return out
