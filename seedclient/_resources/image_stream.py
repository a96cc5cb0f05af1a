"""ImageStream: a Seedream generation read as server-sent events, image by image."""

from __future__ import annotations

from typing import Any

import msgspec

from .._call.call import Call
from .._call.events import EventStream, TypedStream
from .._errors import StreamError
from .._wire.images import ImageData, ImageEvent, image_event_decoder
from .._wire.sse import RawEvent

__all__ = ["ImageStream"]


class ImageStream(TypedStream):
    """The events of a streamed Seedream generation: ``async with client.images.stream(...)``.

    Iterate it for [ImageEvent][seedclient.ImageEvent] objects as each image is made (or fails: the
    others still come); ``images`` then holds every image in order of its index and ``usage`` the
    final usage. Events of many megabytes (base64 images) are fine up to the client's
    ``max_event_bytes``.

    It behaves as [ChatStream][seedclient.ChatStream] does: the response opens at ``async with``
    (errors before its first byte raise there, after retries); the first-event, idle and total
    timeouts raise [APITimeoutError][seedclient.APITimeoutError]; a cut before the first event is
    retried, after it raises [StreamError][seedclient.StreamError]; the connection is released on
    every way out.
    """

    def __init__(self, call: Call, *, max_event_bytes: int) -> None:
        self._source = EventStream(
            call, max_event_bytes, end="its completed event", unit="image event"
        )
        self._events: list[RawEvent] = []
        self._pos = 0
        self._delivered = 0
        self._done = False
        self._closed = False
        #: The images so far, by index: made ones with url or b64_json, failed with error.
        self.images: dict[int, ImageData] = {}
        #: The usage of the ``completed`` event (None before it).
        self.usage: Any = None

    @property
    def request_id(self) -> str | None:
        """The server's request id (``x-request-id``), once open."""
        return self._source.request_id

    async def __anext__(self) -> ImageEvent:
        event: ImageEvent = await super().__anext__()
        return event

    def _handle(self, raw: RawEvent) -> ImageEvent | None:
        kind, data = raw[0], raw[1]
        if data == b"[DONE]":
            self._done = True
            return None
        try:
            event = image_event_decoder.decode(data)
        except msgspec.DecodeError as exc:
            raise StreamError(
                f"malformed image event: {exc}",
                chunks=self._delivered,
                data=data[:2000].decode("utf-8", "replace"),
            ) from exc
        if kind == "error" or (event.type in ("", "error") and event.error is not None):
            error = event.error or {}
            raise StreamError(
                f"image stream error: {error.get('code', '')} {error.get('message', '')}".strip(),
                chunks=self._delivered,
            )
        if event.image_index is not None and event.kind in ("partial_succeeded", "partial_failed"):
            self.images[event.image_index] = event.image()
        if event.kind == "completed":  # the last event ([DONE] may follow, or not)
            self.usage = event.usage
            self._done = True
        return event
