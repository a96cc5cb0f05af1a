"""Both transports over real sockets on 127.0.0.1, and httpx-only behaviour.

The stream behaviour of both transports is in test_stream.py (every test there runs on each).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest

from seedclient import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BatchRunner,
    ConfigurationError,
    QuotaExceededError,
    SeedClient,
    Timeout,
)
from seedclient.testing import FakeClock, FakeSeedServer, FaultPlan
from seedclient.transports import AiohttpTransport, HttpxTransport, Request, Transport

MSGS = [
    {"role": "system", "content": "Classify the review.\nLabels: positive, negative, neutral"},
    {"role": "user", "content": "Awful: the battery died in a day"},
]


@pytest.fixture(params=["aiohttp", "httpx"])
async def transport(request: pytest.FixtureRequest) -> AsyncIterator[Transport]:
    t: Transport = AiohttpTransport() if request.param == "aiohttp" else HttpxTransport()
    yield t
    await t.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: connecting to it is refused


async def test_create_same_answer_and_request_id(transport: Transport) -> None:
    async with FakeSeedServer(api_key="t") as server:
        client = SeedClient(
            provider=server.provider, base_url=server.url, api_key="t", transport=transport
        )
        done = await client.chat.completions.create(model="seed-1.6-flash", messages=MSGS)
    assert done.content == "negative"
    assert done.request_id is not None


async def test_httpx_sends_the_same_request_as_aiohttp() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"error": {"code": "ServerOverloaded", "message": "x"}})

    own = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = SeedClient(
        provider="byteplus", api_key="k-1", transport=HttpxTransport(own), max_retries=1
    )
    with pytest.raises(Exception, match="ServerOverloaded"):
        await client.chat.completions.create(
            model="seed-1.6-flash", messages=MSGS, max_tokens=3, extra_headers={"X-Trace": "a"}
        )
    await own.aclose()
    assert len(seen) == 2  # one retry
    first, second = seen
    assert str(first.url) == "https://ark.ap-southeast.bytepluses.com/api/v3/chat/completions"
    assert first.headers["authorization"] == "Bearer k-1"
    assert first.headers["content-type"] == "application/json"
    assert first.headers["x-trace"] == "a"
    assert first.headers["x-client-request-id"] == second.headers["x-client-request-id"]
    assert msgspec.json.decode(first.content) == {
        "model": "seed-1-6-flash-250715",
        "messages": MSGS,
        "max_tokens": 3,
    }


async def test_faults_are_retried_then_succeed(transport: Transport, clock: FakeClock) -> None:
    plan = FaultPlan(script=["rate_limit", "overloaded", "reset", "server_error"], retry_after=0.7)
    async with FakeSeedServer(faults=plan) as server:
        client = SeedClient(
            clock=clock, base_url=server.url, api_key="t", transport=transport, max_retries=4
        )
        done = await client.chat.completions.create(model="seed-1.8", messages=MSGS)
    assert done.content
    assert server.stats.received == 5
    assert len(clock.sleeps) == 4
    assert clock.sleeps[0] == pytest.approx(
        0.7
    )  # the server's retry-after-ms, read via each library


async def test_quota_is_not_retried(transport: Transport, clock: FakeClock) -> None:
    async with FakeSeedServer(faults=FaultPlan(script=["quota"])) as server:
        client = SeedClient(clock=clock, base_url=server.url, api_key="t", transport=transport)
        with pytest.raises(QuotaExceededError):
            await client.chat.completions.create(model="seed-1.8", messages=MSGS)
    assert server.stats.received == 1
    assert clock.sleeps == []


async def test_refused_connection_is_a_connection_error(transport: Transport) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    client = SeedClient(base_url=url, api_key="t", transport=transport, max_retries=0)
    with pytest.raises(APIConnectionError, match="connection error") as info:
        await client.chat.completions.create(model="seed-1.8", messages=MSGS)
    assert not isinstance(info.value, APITimeoutError)
    # The HTTP library's error by type and message, unchained (it may hold request headers).
    assert "Error" in str(info.value).split("connection error: ", 1)[1]
    assert info.value.__cause__ is None and info.value.__context__ is None


async def test_read_timeout_is_a_timeout_error(transport: Transport) -> None:
    async with FakeSeedServer(ttft=2.0) as server:
        client = SeedClient(
            base_url=server.url,
            api_key="t",
            transport=transport,
            timeout=Timeout(read=0.2),
            max_retries=0,
        )
        with pytest.raises(APITimeoutError):
            await client.chat.completions.create(model="seed-1.8", messages=MSGS)


async def test_batch_runner_on_each_transport(transport: Transport) -> None:
    async with FakeSeedServer(faults=FaultPlan(rates={"overloaded": 0.1}, seed=3)) as server:
        # Ten retries: an item fails only after 11 faults in a row (p = 1e-11).
        client = SeedClient(
            provider=server.provider,
            base_url=server.url,
            api_key="t",
            transport=transport,
            max_retries=10,
        )
        requests = (
            {
                "id": str(i),
                "model": "seed-1.6-flash",
                "messages": [{"role": "user", "content": f"{i}"}],
            }
            for i in range(200)
        )
        runner = BatchRunner(client, concurrency=20)
        async with runner.run(requests) as results:
            ids = [r.id async for r in results if r.ok]
    assert sorted(ids, key=int) == [str(i) for i in range(200)]
    assert server.stats.faults["overloaded"] > 0


async def test_httpx_client_passed_in_stays_open_and_redirects_are_not_followed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"location": "https://elsewhere.example/v1"})

    own = httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=True)
    transport = HttpxTransport(own)
    client = SeedClient(
        base_url="https://ark.example/v1", api_key="secret", transport=transport, max_retries=0
    )
    with pytest.raises(APIStatusError) as info:
        await client.chat.completions.create(model="seed-1.8", messages=MSGS)
    assert info.value.status_code == 307
    assert "secret" not in str(info.value)
    assert [str(r.url) for r in seen] == ["https://ark.example/v1/chat/completions"]
    await transport.aclose()
    assert not own.is_closed  # the caller's client stays the caller's
    await own.aclose()


async def test_invalid_url_is_a_configuration_error() -> None:
    transport = HttpxTransport()
    try:
        with pytest.raises(ConfigurationError):
            await transport.handle(
                Request(
                    "POST",
                    "http://[::1/v1",
                    headers={},
                    client_headers={},
                    body=b"{}",
                    timeout=Timeout(),
                )
            )
    finally:
        await transport.aclose()


async def test_closed_transport_refuses() -> None:
    transport = HttpxTransport()
    await transport.aclose()
    await transport.aclose()  # idempotent
    with pytest.raises(APIConnectionError, match="closed"):
        await transport.handle(
            Request(
                "GET",
                "http://127.0.0.1:1/v1",
                headers={},
                client_headers={},
                body=None,
                timeout=Timeout(),
            )
        )


_LAZY = {
    # seedclient.transports loads no HTTP library until one is asked for.
    "http-libraries": (
        "import sys, seedclient.transports as t;"
        "print('aiohttp' in sys.modules, 'httpx' in sys.modules);"
        "t.HttpxTransport;"
        "print('httpx' in sys.modules)"
    ),
    # urllib.request (with http.client and the email package) is a twentieth of the import
    # time; it is needed only for the environment's proxies and image downloads.
    "urllib.request": (
        "import sys, seedclient;"
        "print('urllib.request' in sys.modules, 'http.client' in sys.modules);"
        "seedclient.SeedClient(api_key='k', base_url='http://127.0.0.1:1/v1');"
        "print('urllib.request' in sys.modules)"
    ),
}


@pytest.mark.parametrize("code", list(_LAZY.values()), ids=list(_LAZY))
def test_a_module_is_loaded_only_when_it_is_needed(code: str) -> None:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]


def test_missing_httpx_extra_says_how_to_install() -> None:
    code = (
        "import sys; sys.modules['httpx'] = None\n"
        "import seedclient.transports as t\n"
        "try:\n"
        "    t.HttpxTransport\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "seedclient[httpx]"' in out.stdout


class _Waiting:
    """An httpx response stand-in whose body never comes."""

    status_code = 200
    headers: dict[str, str] = {}  # noqa: RUF012
    is_stream_consumed = False

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        await asyncio.Event().wait()
        yield b""  # pragma: no cover

    async def aclose(self) -> None:
        pass


async def test_httpx_abort_interrupts_a_read_and_spends_its_own_cancel() -> None:
    from seedclient._transports._httpx import _HttpxStream

    closing: set[asyncio.Task[None]] = set()
    stream = _HttpxStream(_Waiting(), closing)  # type: ignore[arg-type]
    reader = asyncio.create_task(stream.read())
    await asyncio.sleep(0)  # the read is waiting
    stream.abort(APITimeoutError("idle"))
    with pytest.raises(APITimeoutError, match="idle"):
        await reader
    # nothing left pending for the caller's next await (3.10 tasks do not count cancels)
    assert getattr(reader, "cancelling", lambda: 0)() == 0
    await asyncio.gather(*closing)
    with pytest.raises(APITimeoutError):  # and every later read says the same
        await stream.read()


@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="3.10 tasks do not count cancel requests: a cancel in the same tick as an abort "
    "cannot be told from the abort's own, and the read raises the abort's error",
)
async def test_httpx_abort_does_not_swallow_a_cancel_from_elsewhere() -> None:
    from seedclient._transports._httpx import _HttpxStream

    closing: set[asyncio.Task[None]] = set()
    stream = _HttpxStream(_Waiting(), closing)  # type: ignore[arg-type]
    reader = asyncio.create_task(stream.read())
    await asyncio.sleep(0)
    stream.abort(APITimeoutError("idle"))
    reader.cancel()  # the caller cancels in the same tick
    with pytest.raises(asyncio.CancelledError):
        await reader
    await asyncio.gather(*closing)
