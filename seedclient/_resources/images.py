"""Seedream image generation: ``client.images``, its parameters and per-model rules."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import anyio

from .._call.call import Call
from .._call.requester import Requester
from .._config import Timeout, resolve_model
from .._errors import APIConnectionError, ConfigurationError, SeedError
from .._wire.base import encode_body
from .._wire.images import (
    ImageData,
    ImagesResponse,
    images_decoder,
)
from .image_stream import ImageStream
from .model_rules import check_image, rules_of
from .raw import WithRawResponse
from .references import format_of, references

__all__ = ["ImageStream", "Images"]


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


#: The largest image downloaded by save().
_SAVE_LIMIT = 64 * 1024 * 1024


def _aiml_size(size: Any) -> Any:
    """AI/ML API's ``image_size``: ``"2K"`` as it is, ``"WxH"`` as ``{width, height}``."""
    if isinstance(size, str) and "x" in size.lower():
        width, _, height = size.lower().partition("x")
        if width.strip().isdigit() and height.strip().isdigit():
            return {"width": int(width), "height": int(height)}
    return size


def _download(url: str, timeout: float) -> bytes:
    """A generated image's bytes (no key is sent: the URL carries its own signature)."""
    import urllib.request  # (here: it pulls in http.client and email, rarely needed)

    with urllib.request.urlopen(url, timeout=timeout) as resp:
        data: bytes = resp.read(_SAVE_LIMIT + 1)
    if len(data) > _SAVE_LIMIT:
        raise SeedError(f"image at {url[:80]} is over {_SAVE_LIMIT} bytes")
    return data


class Images:
    """``client.images``: Seedream image generation, streamed or whole, and saving results."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> WithRawResponse:
        """Each method here, answering with a [RawResponse][seedclient.RawResponse] (status,
        headers,
        request id, elapsed) whose ``parse()`` is what the method returns."""
        return WithRawResponse(self)

    def _call(
        self,
        model: str,
        prompt: str,
        params: dict[str, Any],
        extra_body: Mapping[str, Any] | None,
        extra_headers: Mapping[str, str] | None,
        timeout: Timeout | float | None,
        *,
        stream: bool = False,
        extra_query: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> Call:
        """The checked request, in the provider's field names."""
        requester = self._requester
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
        sent = resolve_model(requester.provider, model)
        check_image(requester.provider, rules_of(requester.provider, model, sent), params)
        body: dict[str, Any] = {"model": sent, "prompt": prompt}
        aiml = requester.provider.name == "aimlapi"
        for key, value in params.items():
            if value is None:
                continue
            if key == "image":
                value = references(value)
                if aiml:  # AI/ML API: a list under image_urls
                    key, value = "image_urls", value if isinstance(value, list) else [value]
            elif key == "size" and aiml:
                key, value = "image_size", _aiml_size(value)
            body[key] = value
        if extra_body:
            body.update(extra_body)
        return requester.call(
            "/images/generations",
            encode_body(body),
            timeout,
            extra_headers,
            stream=stream,
            query=extra_query,
            max_retries=max_retries,
            operation="images",
            model=model,
        )

    async def generate(
        self,
        *,
        model: str,
        prompt: str,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: Timeout | float | None = None,  # noqa: ASYNC109 - the client's Timeout
        max_retries: int | None = None,
        **params: Any,
    ) -> ImagesResponse:
        """Generate images with Seedream (``model="seedream-4.5"`` or a pinned id).

        Keyword parameters are Ark's (``size``, ``image``, ``seed``, ``watermark``,
        ``response_format``, ``sequential_image_generation``...). ``image`` (references)
        may be URLs, paths or bytes: files and bytes are sent as data URLs. On AI/ML API,
        ``image`` and ``size`` are sent under its names ``image_urls`` and ``image_size``
        (``"WxH"`` as ``{width, height}``).
        """
        call = self._call(
            model,
            prompt,
            params,
            extra_body,
            extra_headers,
            timeout,
            extra_query=extra_query,
            max_retries=max_retries,
        )
        images: ImagesResponse = await call.send_decoded(images_decoder, "images")
        return images

    def stream(
        self,
        *,
        model: str,
        prompt: str,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        **params: Any,
    ) -> ImageStream:
        """Generate images as a stream of [ImageEvent][seedclient.ImageEvent] (Ark): each image as
        it is made.

        ``async with client.images.stream(...) as events: async for event in events: ...``.
        The parameters are those of ``generate``; a failed image is a
        ``partial_failed`` event and the others still come.
        """
        requester = self._requester
        if requester.provider.name == "aimlapi":
            raise ConfigurationError("AI/ML API has no image streams: use images.generate()")
        call = self._call(
            model,
            prompt,
            {**params},
            {**(extra_body or {}), "stream": True},
            extra_headers,
            timeout,
            stream=True,
            extra_query=extra_query,
            max_retries=max_retries,
        )
        return ImageStream(call, max_event_bytes=requester.max_event_bytes)

    async def save(
        self,
        images: ImagesResponse | ImageStream | Iterable[ImageData],
        folder: str | os.PathLike[str],
        *,
        prefix: str = "image",
        timeout: float = 60.0,  # noqa: ASYNC109 - a download's own socket timeout
    ) -> list[Path]:
        """Write the images to ``folder`` as ``{prefix}-{n}.{png|jpeg|...}``; their paths.

        ``b64_json`` images are decoded; URL images are downloaded (Ark's URLs expire after
        24 hours: save soon), without the API key. Failed images are skipped.
        """
        if isinstance(images, ImagesResponse):
            items = list(images.data)
        elif isinstance(images, ImageStream):
            items = [images.images[i] for i in sorted(images.images)]
        else:
            items = list(images)
        return await anyio.to_thread.run_sync(_write, items, Path(folder), prefix, timeout)


def _write(items: list[ImageData], out: Path, prefix: str, timeout: float) -> list[Path]:
    """save(), in a worker thread: decode or download each image and write it."""
    if not out.is_dir():
        raise ConfigurationError(f"folder {str(out)!r} does not exist")
    paths: list[Path] = []
    for n, item in enumerate(items, 1):
        if item.b64_json:
            data = base64.b64decode(item.b64_json)
        elif item.url:
            if not item.url.startswith(("http://", "https://")):
                raise ConfigurationError(f"image {n} has no http(s) URL: {item.url[:80]!r}")
            try:
                data = _download(item.url, timeout)
            except OSError as exc:
                raise APIConnectionError(f"downloading image {n} failed: {exc}") from None
        else:
            continue  # a failed image: nothing to save
        path = out / f"{prefix}-{n}.{format_of(data) or 'bin'}"
        path.write_bytes(data)
        paths.append(path)
    return paths
