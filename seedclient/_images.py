"""Seedream image generation: ``client.images``, its parameters and per-model rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._catalog import ModelSpec, family_of
from ._catalog import image_size as catalogue_image_size
from ._config import Provider, Timeout, resolve_model
from ._errors import ConfigurationError, request_id_of
from ._params import encode_body
from ._transports import Response
from ._types import ImagesResponse, images_decoder

if TYPE_CHECKING:
    from ._client import SeedClient

__all__ = ["Images"]


_IMAGE_PARAMS = frozenset(
    {
        "image",
        "size",
        "seed",
        "watermark",
        "response_format",
        "sequential_image_generation",
        "sequential_image_generation_options",
        "optimize_prompt_options",
        "output_format",
        "guidance_scale",
        "n",
    }
)


_ARK = frozenset({"byteplus", "volcengine"})


def _check_image(provider: Provider, spec: ModelSpec | None, params: Mapping[str, Any]) -> None:
    """Seedream's rules before sending: the size per model, and no ``n`` on Ark."""
    if "n" in params and provider.name in _ARK:
        raise ConfigurationError(
            "Seedream on Ark has no n: pass sequential_image_generation='auto' and "
            "sequential_image_generation_options={'max_images': N} for several images"
        )
    if spec is not None and spec.kind == "image" and params.get("size") is not None:
        _, problem = catalogue_image_size(spec, params["size"])
        if problem is not None:
            raise ConfigurationError(problem)


def _with_id(images: ImagesResponse, resp: Response) -> ImagesResponse:
    images.request_id = request_id_of(resp.headers)
    return images


class Images:
    """``client.images``: Seedream image generation."""

    def __init__(self, client: SeedClient) -> None:
        self._client = client

    async def generate(
        self,
        *,
        model: str,
        prompt: str,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: Timeout | float | None = None,
        **params: Any,
    ) -> ImagesResponse:
        """Generate images with Seedream (``model="seedream-4.5"`` or a pinned id).

        Keyword parameters are Ark's (``size``, ``image``, ``seed``, ``watermark``,
        ``response_format``, ``sequential_image_generation``...). On AI/ML API, ``image``
        and ``size`` are sent under its names ``image_urls`` and ``image_size``.
        """
        client = self._client
        if not isinstance(prompt, str) or not prompt.strip():
            raise ConfigurationError("prompt must be a non-empty string")
        unknown = set(params) - _IMAGE_PARAMS
        if unknown:
            raise ConfigurationError(
                f"unknown image parameter(s) {sorted(unknown)}; use extra_body for others"
            )
        response_format = params.get("response_format")
        if response_format not in (None, "url", "b64_json"):
            raise ConfigurationError(
                f"response_format must be url or b64_json, got {response_format!r}"
            )
        sent = resolve_model(client._provider, model)
        _check_image(client._provider, family_of(sent) or family_of(model), params)
        body: dict[str, Any] = {"model": sent, "prompt": prompt}
        renames = (
            {"image": "image_urls", "size": "image_size"} if client.provider == "aimlapi" else {}
        )
        for key, value in params.items():
            if value is not None:
                if key == "image" and renames and isinstance(value, str):
                    value = [value]
                body[renames.get(key, key)] = value
        if extra_body:
            body.update(extra_body)
        call = client._call("/images/generations", encode_body(body), timeout, extra_headers)
        images: ImagesResponse = await call.send_decoded(images_decoder, "images", _with_id)
        return images
