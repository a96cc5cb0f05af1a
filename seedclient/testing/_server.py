"""FakeSeedServer: a real HTTP server on 127.0.0.1 that speaks the Seed wire.

The router is here; the front door (request id, key, body, accounting) is in ``_core``, the
handlers in ``_chat`` and ``_endpoints``, the bodies they answer with in ``_bodies``.
"""

from __future__ import annotations

from types import TracebackType

from aiohttp import web

from ._chat import ChatHandlers
from ._endpoints import EndpointHandlers
from ._responses import ResponsesHandlers
from ._rules import DIALECTS
from ._stats import ServerStats

__all__ = ["FakeSeedServer", "ServerStats"]


class FakeSeedServer(ChatHandlers, EndpointHandlers, ResponsesHandlers):
    """An embedded Seed endpoint on 127.0.0.1 with a free port, for tests and demos.

    ``async with FakeSeedServer() as server:`` then ``SeedClient(provider=server.provider,
    base_url=server.url, api_key="anything")``. It serves chat completions (JSON and SSE),
    Seedream image generation and the model list under ``/v1`` and ``/api/v3``, answers with
    a deterministic fake model, and injects the faults of a
    [FaultPlan][seedclient.testing.FaultPlan].

    Args:
        api_key: accept only this bearer key (default: any non-empty key).
        dialect: which provider it plays. ``"ark"`` (BytePlus / Volcengine: errors under
            ``error``, ``ep-`` endpoints, no image ``n``), ``"aiml"`` (AI/ML API: top-level
            errors, ``meta.usage`` costs, strict unknown-field checks, its image field
            names), ``"aisa"`` (AIsa: its error envelope, ``X-RateLimit-*`` headers on
            every answer, image ``n``) or ``"openai"`` (a strict OpenAI-spec server: any
            model id, 400 for an unknown field in the body or a message and for values
            outside OpenAI's ranges, no reasoning). The Seed dialects accept the
            catalogue's friendly names and their providers' pinned ids, and answer 404 to
            any other model.
        faults: the fault plan (default: no faults).
        ttft: seconds before the first streamed token.
        tokens_per_second: streaming pace (None: as fast as possible).
        rpm_limit: answer 429 past this many requests per ``rpm_window`` seconds.
        rpm_window: the RPM limiter's window, in seconds.
        thinking_default: whether the model reasons unless told not to (as Seed does).
        failed_images: indices of the images of a request that fail (as Seedream's
            sensitive-content check fails one image of a group while the others come back).
        batch_delay: seconds a Batch Chat request (``/batch/chat/completions``, Ark dialect)
            waits in the queue before it is answered.
        rate_limit_headers: send ``x-ratelimit-{limit,remaining,reset}-requests`` (reset as
            a Unix time) on every chat answer while ``rpm_limit`` is set, as AIsa does
            (default: on for the aisa dialect only).
        response_formats: the ``response_format`` types it takes (None: all the dialect
            does); another is refused as llama.cpp's server refuses it, with a 500 that
            names ``response_format``.
        extra_fields: request fields the openai dialect takes beyond OpenAI's (as
            llama.cpp's server takes ``grammar``).
        port: the port (0: a free one).
        ssl: an ``ssl.SSLContext`` to serve https with (a test CA's certificate, e.g.
            made with ``trustme``); the URL is then ``https://``.
    """

    @property
    def url(self) -> str:
        """The base URL to give a client (``http://127.0.0.1:PORT/v1``)."""
        if not self._actual_port:
            raise RuntimeError("the server is not started")
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://127.0.0.1:{self._actual_port}/v1"

    @property
    def provider(self) -> str:
        """The provider a client should name to talk to it as to the one it plays
        (``byteplus`` for the ark dialect, ``openai-compatible`` for openai)."""
        return next(iter(DIALECTS[self.dialect]), "openai-compatible")

    @property
    def port(self) -> int:
        """The port it listens on (0 before start)."""
        return self._actual_port

    def app(self) -> web.Application:
        """The aiohttp application, for embedding in another server or test harness."""
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[self._front_door])
        for prefix in ("/v1", "/api/v3"):
            app.router.add_post(f"{prefix}/chat/completions", self._chat)
            if self.dialect == "ark":
                app.router.add_post(f"{prefix}/batch/chat/completions", self._batch_chat)
            app.router.add_post(f"{prefix}/images/generations", self._images)
            app.router.add_post(f"{prefix}/embeddings", self._embeddings)
            if self.dialect == "ark":
                app.router.add_post(f"{prefix}/embeddings/multimodal", self._embeddings)
                app.router.add_post(f"{prefix}/responses", self._responses)
                app.router.add_get(f"{prefix}/responses/{{id}}", self._get_response)
                app.router.add_delete(f"{prefix}/responses/{{id}}", self._get_response)
                app.router.add_get(f"{prefix}/responses/{{id}}/input_items", self._get_response)
            app.router.add_get(f"{prefix}/models", self._models)
        app.router.add_get("/files/{name}", self._file)
        return app

    async def start(self) -> None:
        """Start listening on 127.0.0.1."""
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(
            runner, "127.0.0.1", self._port, reuse_address=True, ssl_context=self._ssl
        )
        await site.start()
        self._runner = runner
        self._actual_port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop listening and end open connections. Idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def aclose(self) -> None:
        """The same as ``close`` (anyio's name)."""
        await self.close()

    async def __aenter__(self) -> FakeSeedServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
