"""One logical HTTP call: its headers, its deadline, and its retries."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from time import monotonic

import anyio

from ._config import Timeout
from ._errors import APIConnectionError, APITimeoutError, SeedError, status_error
from ._retry import RetryPolicy
from ._transports import Response, StreamResponse, Transport

__all__ = ["Call"]

log = logging.getLogger("seedclient")


class Call:
    """A request that may be sent several times, all within one total deadline.

    The deadline bounds every attempt and every retry sleep, so ``max_retries`` times a
    timeout can never add up past ``timeout.total``.
    """

    __slots__ = (
        "body",
        "deadline",
        "headers",
        "method",
        "policy",
        "retries",
        "timeout",
        "transport",
        "url",
    )

    def __init__(
        self,
        transport: Transport,
        policy: RetryPolicy,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: Timeout,
    ) -> None:
        self.transport = transport
        self.policy = policy
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        total = timeout.total
        self.deadline = None if total is None else monotonic() + total
        self.retries = 0

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline); raises once it passed."""
        if self.deadline is None:
            return None
        left = self.deadline - monotonic()
        if left <= 0:
            raise APITimeoutError(
                f"total deadline of {self.timeout.total:g}s exceeded"
                f" after {self.retries + 1} attempt(s)"
            )
        return left

    async def retry_or_raise(
        self, error: SeedError, headers: Mapping[str, str] | None = None
    ) -> None:
        """Sleep before the next attempt, or raise ``error`` if it should not be retried."""
        if not self.policy.is_retryable(error, headers):
            raise error
        try:
            remaining = self.remaining()
        except APITimeoutError as timeout:
            raise timeout from error
        wait = self.policy.delay(error, self.retries, remaining)
        if wait is None:
            raise error
        log.debug(
            "retrying %s %s in %.3fs (retry %d of %d) after: %s",
            self.method,
            self.url,
            wait,
            self.retries + 1,
            self.policy.max_retries,
            error,
        )
        self.retries += 1
        await anyio.sleep(wait)

    async def send(self) -> Response:
        """Send until a success, an error not worth retrying, or the deadline."""
        while True:
            try:
                resp = await self.transport.request(
                    self.method,
                    self.url,
                    headers=self.headers,
                    body=self.body,
                    timeout=self.timeout,
                    remaining=self.remaining(),
                )
            except APIConnectionError as exc:
                await self.retry_or_raise(exc)
                continue
            if resp.status < 300:
                return resp
            await self.retry_or_raise(
                status_error(resp.status, resp.body, resp.headers), resp.headers
            )

    async def open_stream(self) -> StreamResponse:
        """Open an event stream: retried until its response headers say 2xx."""
        while True:
            try:
                resp = await self.transport.stream(
                    self.method,
                    self.url,
                    headers=self.headers,
                    body=self.body,
                    timeout=self.timeout,
                    remaining=self.remaining(),
                )
            except APIConnectionError as exc:
                await self.retry_or_raise(exc)
                continue
            if resp.status < 300:
                return resp
            try:
                body = await resp.read_all()
            except APIConnectionError:
                body = b""
            finally:
                resp.close()
            await self.retry_or_raise(status_error(resp.status, body, resp.headers), resp.headers)
