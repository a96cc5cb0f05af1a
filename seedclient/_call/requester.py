"""The Requester: everything one client's requests share, and the factory of its calls."""

from __future__ import annotations

import copy
import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from .._clock import SYSTEM_CLOCK, Clock
from .._config import Provider, Timeout, check_int
from .._errors import ConfigurationError
from .._telemetry.hooks import Hooks
from .._transports import Request, Transport
from .call import Call
from .retry import RetryPolicy

__all__ = ["CALL_OPTIONS", "Requester"]

#: A method's parameters that are options of its call, not part of its body.
CALL_OPTIONS = frozenset({"timeout", "extra_headers", "extra_query", "max_retries", "hooks"})
_ALPHANUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class Requester:
    """What every request of one client needs, held in one place below the resources.

    The client builds one; each resource (``chat``, ``images``, ``embeddings``, ``models``)
    is built with it and reads only it, so no resource imports or reaches into the client.

    Attributes:
        provider: the provider (its per-model rules may be refreshed by ``models.list``).
        base_url: the base URL paths are joined to.
        headers: the headers every request carries (the key, content type, user agent).
        timeout: the default timeouts.
        retry: the retry policy.
        transport: the transport requests go through.
        max_event_bytes: the largest server-sent event line or event accepted.
        max_response_bytes: the largest whole body read (also caps what a stream keeps).
        clock: how time is read and waited (backoff, deadlines, pacing).
        closed: set when the owning client closed; a closed requester makes no calls.
        learned: what the server was found to accept, per feature and model (e.g. the
            structured-output form that worked); shared with copies of this requester.
        query: query parameters every request's URL carries (``default_query``).
        hooks: the client's hooks (None: none; each call then builds no event).
    """

    __slots__ = (
        "_rid_counter",
        "_rid_prefix",
        "base_url",
        "clock",
        "closed",
        "headers",
        "hooks",
        "learned",
        "max_event_bytes",
        "max_response_bytes",
        "owner",
        "provider",
        "query",
        "retry",
        "timeout",
        "transport",
    )

    def __init__(
        self,
        *,
        provider: Provider,
        base_url: str,
        headers: Mapping[str, str],
        timeout: Timeout,
        retry: RetryPolicy,
        transport: Transport,
        max_event_bytes: int,
        max_response_bytes: int,
        clock: Clock = SYSTEM_CLOCK,
        query: Mapping[str, str] | None = None,
    ) -> None:
        self.provider = provider
        self.query: dict[str, str] = dict(query or {})
        self.clock = clock
        self.base_url = base_url
        self.headers = dict(headers)
        self.timeout = timeout
        self.retry = retry
        self.transport = transport
        self.max_event_bytes = max_event_bytes
        self.max_response_bytes = max_response_bytes
        self.closed = False
        self.hooks: Hooks | None = None
        self.learned: dict[tuple[str, str], Any] = {}
        #: What owns this requester's connections (the client): kept alive with it.
        self.owner: object = None
        # X-Client-Request-Id: a per-client prefix (the time and 7 random characters) plus
        # a 13-digit counter that starts at 10**12: 34 characters, unique and cheap.
        rand = os.urandom(7)
        self._rid_prefix = time.strftime("%Y%m%d%H%M%S") + "".join(_ALPHANUM[b % 62] for b in rand)
        self._rid_counter = 10**12

    def copy(self) -> Requester:
        """A copy to change (``with_options``): same transport and ``learned``, its own
        settings."""
        return copy.copy(self)

    def call_with(
        self, path: str, body: bytes, params: Mapping[str, Any], *, stream: bool = False
    ) -> Call:
        """A chat ``call`` with its per-call options read from a method's ``params``
        (``timeout``, ``extra_headers``, ``extra_query``, ``max_retries``, ``hooks``)."""
        if CALL_OPTIONS.isdisjoint(params):  # the usual call: one C-level test, no lookups
            return self.call(path, body, None, None, stream=stream, model=params.get("model"))
        get = params.get
        return self.call(
            path,
            body,
            get("timeout"),
            get("extra_headers"),
            stream=stream,
            query=get("extra_query"),
            max_retries=get("max_retries"),
            model=get("model"),
            hooks=get("hooks"),
        )

    def call(
        self,
        path: str,
        body: bytes | None,
        timeout: Timeout | float | None,
        extra_headers: Mapping[str, str] | None,
        *,
        method: str = "POST",
        stream: bool = False,
        query: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        operation: str = "chat",
        model: str | None = None,
        hooks: Iterable[Callable[[Any], Any]] | None = None,
    ) -> Call:
        """A ``Call`` of ``method path`` with this client's headers, timeouts and retries.

        ``query`` adds to the client's query parameters; ``max_retries`` replaces the
        policy's count for this call; ``operation`` and ``model`` name it to the hooks;
        ``hooks`` are this call's own, after the client's.
        """
        if self.closed:
            raise ConfigurationError("the client is closed")
        url = self.base_url + path
        if query or self.query:
            url += "?" + urlencode({**self.query, **(query or {})})
        policy = self.retry
        if max_retries is not None:
            check_int("max_retries", max_retries, 0)
            policy = dataclasses.replace(policy, max_retries=max_retries)
        self._rid_counter = n = self._rid_counter + 1
        headers = {"X-Client-Request-Id": self._rid_prefix + str(n)}  # (no format spec: 3x cheaper)
        if extra_headers:
            headers.update(extra_headers)
        request = Request(  # positional: cheaper than keywords on the hot path
            method,
            url,
            headers,
            self.headers,
            body,
            self.timeout if timeout is None else Timeout.coerce(timeout),
            stream,
        )
        call = Call(self.transport, policy, request, self.clock)
        every = self.hooks
        if hooks:
            every = Hooks([*(every.hooks if every is not None else ()), *hooks])
        if every is not None:
            call.hooks = every
            call.operation = operation
            call.model = model
            call.started = self.clock.monotonic()
        return call
