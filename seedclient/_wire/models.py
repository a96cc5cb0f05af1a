"""``GET /models`` on the wire."""

from __future__ import annotations

from typing import Any

import msgspec

from .base import _Wire

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


models_decoder = msgspec.json.Decoder(ModelsPage)
