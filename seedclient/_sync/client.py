"""SyncSeedClient: the async client without ``await``, for scripts, notebooks and threads.

Every method is the async one run on the facade's own event loop (a daemon thread, see
``portal``); they are made from the async methods by ``blocking``, so their
names, signatures and docstrings are those of the async API, and there is no second
implementation to drift.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import weakref
from collections.abc import Container, Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, overload

from .._bulk.classify import Classifier
from .._bulk.estimate import CostEstimate
from .._client import SeedClient
from .._config import Timeout
from .._resources.chat import Completions
from .._resources.chat_stream import ChatStream
from .._resources.embeddings import Embeddings
from .._resources.image_stream import ImageStream
from .._resources.images import Images
from .._resources.models import Models
from .._resources.raw import RawResponse
from .._resources.responses import InputItems, Responses
from .._wire.chat import ChatCompletion
from .._wire.responses import Response
from .portal import Facade, Portal, blocking, iterate
from .streams import SyncChatStream, SyncImageStream, SyncResponseStream, sync_stream

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._bulk.stats import BatchStats
    from .._call.retry import RetryPolicy
    from .._resources.chat_params import ChatParams
    from .._resources.tools import ToolEvent

__all__ = ["SyncClassifier", "SyncSeedClient"]


class SyncWithRawResponse(Facade):
    """``with_raw_response`` without ``await``: each method answers with a
    [RawResponse][seedclient.RawResponse]; a stream in it is a sync stream, opened."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._target, name)
        portal = self._portal

        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
            raw: RawResponse[Any] = portal.call(functools.partial(method, *args, **kwargs))
            value = raw.parse()
            if isinstance(value, (ChatStream, ImageStream)):
                raw._value = sync_stream(portal, value)
            return raw

        return call


class _Resource(Facade):
    """A sync resource: its ``with_raw_response`` too."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> SyncWithRawResponse:
        """Each method here, answering with a [RawResponse][seedclient.RawResponse]."""
        return SyncWithRawResponse(self._portal, self._target.with_raw_response)


class SyncCompletions(_Resource):
    """``client.chat.completions`` without ``await`` (see [Completions][seedclient.Completions])."""

    __slots__ = ()

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatParams]
    ) -> ChatCompletion: ...

    @overload
    def create(self, *, stream: Literal[True], **params: Unpack[ChatParams]) -> SyncChatStream: ...

    def create(
        self, *, stream: bool = False, **params: Unpack[ChatParams]
    ) -> ChatCompletion | SyncChatStream:
        """Create a chat completion; with ``stream=True`` the opened
        [SyncChatStream][seedclient.SyncChatStream]."""
        if stream:
            return self.stream(**params).__enter__()
        done: ChatCompletion = self._portal.call(functools.partial(self._target.create, **params))
        return done

    def stream(self, **params: Unpack[ChatParams]) -> SyncChatStream:
        """A streamed chat completion: ``with ... as stream: for chunk in stream: ...``."""
        made = self._portal.call(functools.partial(self._target.stream, **params))
        return SyncChatStream(self._portal, made)

    def stream_tools(self, **params: Any) -> Iterator[ToolEvent]:
        """``run_tools``, as events while they happen (see
        [Completions.stream_tools][seedclient.Completions.stream_tools])."""
        return iterate(self._portal, self._target.stream_tools(**params))

    parse = blocking(Completions.parse)  # type: ignore[arg-type]
    run_tools = blocking(Completions.run_tools)  # type: ignore[arg-type]
    create_batch = blocking(Completions.create_batch)


class SyncChat:
    """``client.chat`` without ``await``."""

    __slots__ = ("completions",)

    def __init__(self, portal: Portal, completions: Completions) -> None:
        self.completions = SyncCompletions(portal, completions)


class SyncImages(_Resource):
    """``client.images`` without ``await`` (see [Images][seedclient.Images])."""

    __slots__ = ()

    generate = blocking(Images.generate)  # type: ignore[arg-type]

    def stream(self, **params: Any) -> SyncImageStream:
        """Images as they are made: ``with ... as events: for event in events: ...``."""
        made = self._portal.call(functools.partial(self._target.stream, **params))
        return SyncImageStream(self._portal, made)

    def save(self, images: Any, folder: Any, **options: Any) -> list[Any]:
        """Write the images to ``folder`` (see [Images.save][seedclient.Images.save]); their
        paths."""
        if isinstance(images, SyncImageStream):
            images = images._target
        paths: list[Any] = self._portal.call(
            functools.partial(self._target.save, images, folder, **options)
        )
        return paths


class SyncInputItems(Facade):
    """``client.responses.input_items`` without ``await``."""

    __slots__ = ()

    list = blocking(InputItems.list)  # type: ignore[arg-type]


class SyncResponses(Facade):
    """``client.responses`` without ``await`` (see [Responses][seedclient.Responses])."""

    __slots__ = ("input_items",)

    def __init__(self, portal: Portal, target: Responses) -> None:
        super().__init__(portal, target)
        self.input_items = SyncInputItems(portal, target.input_items)

    def create(self, **params: Any) -> Response:
        """Create a response (use ``stream`` for events)."""
        done: Response = self._portal.call(functools.partial(self._target.create, **params))
        return done

    def stream(self, **params: Any) -> SyncResponseStream:
        """A streamed response: ``with ... as stream: for event in stream: ...``."""
        made = self._portal.call(functools.partial(self._target.stream, **params))
        return SyncResponseStream(self._portal, made)

    parse = blocking(Responses.parse)  # type: ignore[arg-type]
    run_tools = blocking(Responses.run_tools)  # type: ignore[arg-type]
    retrieve = blocking(Responses.retrieve)  # type: ignore[arg-type]
    delete = blocking(Responses.delete)  # type: ignore[arg-type]


class SyncEmbeddings(_Resource):
    """``client.embeddings`` without ``await`` (see [Embeddings][seedclient.Embeddings])."""

    __slots__ = ()

    create = blocking(Embeddings.create)
    create_multimodal = blocking(Embeddings.create_multimodal)


class SyncModels(_Resource):
    """``client.models`` without ``await`` (see [Models][seedclient.Models])."""

    __slots__ = ()

    list = blocking(Models.list)


def _shut(portal: Portal, client: SeedClient, owns_portal: bool) -> None:
    """Close the client on its loop, then stop the loop (run once: close, GC or exit)."""
    with contextlib.suppress(RuntimeError):  # the loop is already gone
        portal.call(client.aclose)
    if owns_portal:
        portal.stop()


class SyncSeedClient:
    """The client without ``await``: the same arguments as [SeedClient][seedclient.SeedClient].

    ``client = SyncSeedClient(provider="byteplus")`` then
    ``client.chat.completions.create(...)`` returns the [ChatCompletion][seedclient.ChatCompletion];
    streams are ``with client.chat.completions.stream(...) as stream: for text in stream.text()``.
    Each facade runs one event loop in a daemon thread; many threads may share one facade, and it
    works inside a running event loop (a notebook cell). ``close`` (or ``with``) closes it; one
    never closed is closed when it is collected or at interpreter exit.
    """

    def __init__(self, **options: Any) -> None:
        self._portal = Portal()
        try:
            self._client: SeedClient = self._portal.call(functools.partial(SeedClient, **options))
        except BaseException:
            self._portal.stop()
            raise
        self._bind(owns_portal=True)

    def _bind(self, *, owns_portal: bool) -> None:
        portal, client = self._portal, self._client
        self.chat = SyncChat(portal, client.chat.completions)
        self.images = SyncImages(portal, client.images)
        self.embeddings = SyncEmbeddings(portal, client.embeddings)
        self.responses = SyncResponses(portal, client.responses)
        self.models = SyncModels(portal, client.models)
        self._finalizer = weakref.finalize(self, _shut, portal, client, owns_portal)

    @property
    def async_client(self) -> SeedClient:
        """The async client underneath (its coroutines run only on this facade's loop)."""
        return self._client

    @property
    def provider(self) -> str:
        """The provider's name."""
        return self._client.provider

    @property
    def base_url(self) -> str:
        """The base URL requests go to."""
        return self._client.base_url

    @property
    def key_source(self) -> str:
        """Where the key came from."""
        return self._client.key_source

    @property
    def timeout(self) -> Timeout:
        """The default timeouts."""
        return self._client.timeout

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy."""
        return self._client.retry_policy

    def with_options(self, **options: Any) -> SyncSeedClient:
        """A copy with other defaults (see
        [SeedClient.with_options][seedclient.SeedClient.with_options]), sharing this
        client's connections and event loop; closing it closes neither."""
        other = object.__new__(SyncSeedClient)
        other._portal = self._portal
        other._client = self._client.with_options(**options)
        other._bind(owns_portal=False)
        return other

    def close(self) -> None:
        """Close the connections and stop the event loop. Idempotent."""
        self._finalizer()

    def __enter__(self) -> SyncSeedClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Sync{self._client!r}"


SyncSeedClient.__init__.__signature__ = inspect.signature(SeedClient.__init__)  # type: ignore[attr-defined]


class SyncClassifier(Facade):
    """A [Classifier][seedclient.Classifier] without ``await``: the same arguments, a
    [SyncSeedClient][seedclient.SyncSeedClient] in place of the async client.

    ``SyncClassifier(client, labels=[...]).classify_all(texts)`` returns a
    [Classification][seedclient.Classification] per text, in input order.
    """

    __slots__ = ()

    def __init__(self, client: SyncSeedClient, *, labels: Sequence[str], **options: Any) -> None:
        made = client._portal.call(
            functools.partial(Classifier, client.async_client, labels=labels, **options)
        )
        super().__init__(client._portal, made)

    classify_all = blocking(Classifier.classify_all)

    def estimate(self, texts: Iterable[Any], *, done: Container[str] | None = None) -> CostEstimate:
        """What classifying ``texts`` would send and cost, sending nothing (see
        [Classifier.estimate][seedclient.Classifier.estimate])."""
        estimate: CostEstimate = self._target.estimate(texts, done=done)
        return estimate

    @property
    def labels(self) -> list[str]:
        """The allowed labels."""
        labels: list[str] = self._target.labels
        return labels

    @property
    def stats(self) -> BatchStats:
        """The runner's counters (requests, retries, tokens...)."""
        stats: BatchStats = self._target.runner.stats
        return stats
