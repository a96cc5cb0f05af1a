"""Sync streams: ``with ... as stream`` and ``for chunk in stream`` over the async ones."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

from .._resources.chat_stream import ChatStream
from .._resources.image_stream import ImageStream
from .._resources.response_stream import ResponseStream
from .._wire.chat import ChatCompletion, ChatCompletionChunk, Usage
from .._wire.images import ImageData, ImageEvent
from .._wire.responses import Response, ResponseEvent
from .portal import Facade, Portal, iterate

__all__ = ["SyncChatStream", "SyncImageStream", "SyncResponseStream"]

Item = TypeVar("Item")
_S = TypeVar("_S", bound="_SyncStream[Any]")


class _SyncStream(Facade, Generic[Item]):
    """What every sync stream does: enter, iterate, release (on the end, ``break`` inside
    ``with``, an exception, ``close``, or when the object is dropped)."""

    __slots__ = ()

    def __enter__(self: _S) -> _S:
        self._portal.call(self._target.__aenter__)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal.call(self._target.__aexit__, exc_type, exc, tb)

    def __iter__(self) -> Iterator[Item]:
        return self

    def __next__(self) -> Item:
        try:
            item: Item = self._portal.call(self._target.__anext__)
        except StopAsyncIteration:
            raise StopIteration from None
        return item

    def close(self) -> None:
        """Release the connection now. Idempotent."""
        # RuntimeError: the client closed first, and its connections with it.
        with contextlib.suppress(RuntimeError):
            self._portal.call(self._target.aclose)

    @property
    def request_id(self) -> str | None:
        """The server's request id, once open."""
        rid: str | None = self._target.request_id
        return rid


class SyncChatStream(_SyncStream[ChatCompletionChunk]):
    """A streamed chat completion, read without ``await`` (see [ChatStream][seedclient.ChatStream]).

    ``with client.chat.completions.stream(...) as stream:`` then ``for chunk in stream`` or
    ``for text in stream.text()``; ``completion`` holds the whole answer at the end.
    """

    __slots__ = ()

    def text(self) -> Iterator[str]:
        """The content deltas of the first choice, as strings."""
        target: ChatStream = self._target
        return iterate(self._portal, target.text())

    def reasoning(self) -> Iterator[str]:
        """The reasoning deltas of the first choice; ``text()`` follows on the same stream."""
        target: ChatStream = self._target
        return iterate(self._portal, target.reasoning())

    def events(self) -> Iterator[tuple[str, str]]:
        """``("reasoning" | "content", text)`` pairs in order."""
        target: ChatStream = self._target
        return iterate(self._portal, target.events())

    def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return ``completion``."""
        done: ChatCompletion = self._portal.call(self._target.get_final_completion)
        return done

    @property
    def completion(self) -> ChatCompletion:
        """The whole answer, once the stream has ended."""
        done: ChatCompletion = self._target.completion
        return done

    @property
    def usage(self) -> Usage | None:
        """Token usage, once the usage chunk has arrived."""
        usage: Usage | None = self._target.usage
        return usage

    @property
    def chunks_received(self) -> int:
        """How many chunks have been handed over so far."""
        count: int = self._target.chunks_received
        return count


class SyncImageStream(_SyncStream[ImageEvent]):
    """A streamed Seedream generation, read without ``await`` (see
    [ImageStream][seedclient.ImageStream])."""

    __slots__ = ()

    @property
    def images(self) -> dict[int, ImageData]:
        """The images so far, by index (failed ones with ``error``)."""
        target: ImageStream = self._target
        return target.images

    @property
    def usage(self) -> Any:
        """The usage of the ``completed`` event (None before it)."""
        target: ImageStream = self._target
        return target.usage


def sync_stream(portal: Portal, stream: Any) -> Any:
    """The sync face of an async stream."""
    if isinstance(stream, ChatStream):
        return SyncChatStream(portal, stream)
    return SyncImageStream(portal, stream)


class SyncResponseStream(_SyncStream[ResponseEvent]):
    """A streamed response of the Responses API, read without ``await`` (see
    [ResponseStream][seedclient.ResponseStream])."""

    __slots__ = ()

    def text(self) -> Iterator[str]:
        """The output text's pieces, as strings."""
        target: ResponseStream = self._target
        return iterate(self._portal, target.text())

    def reasoning(self) -> Iterator[str]:
        """The reasoning's pieces, as strings."""
        target: ResponseStream = self._target
        return iterate(self._portal, target.reasoning())

    def final(self) -> Response:
        """Read the stream to its end and return ``response``."""
        done: Response = self._portal.call(self._target.final)
        return done

    @property
    def response(self) -> Response:
        """The whole response, once the stream has ended."""
        done: Response = self._target.response
        return done
