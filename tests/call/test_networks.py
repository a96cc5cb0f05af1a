"""Proxies and certificates as users meet them: a real proxy (Debian's tinyproxy, started
here on 127.0.0.1) and a TLS fake server whose certificate comes from a test CA (trustme)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from seedclient import APIConnectionError, ConfigurationError, SeedClient
from seedclient.testing import FakeSeedServer
from seedclient.transports import HttpxTransport

KEY = "sk-proxy-test-7d1c0f"
MSGS = [{"role": "user", "content": "Is this review positive or negative? I loved it"}]
TINYPROXY = shutil.which("tinyproxy")
needs_tinyproxy = pytest.mark.skipif(
    TINYPROXY is None,
    reason="tinyproxy is not installed (apt-get install tinyproxy; .ci/run installs it)",
)


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    return ctx


def client_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def tinyproxy(tmp_path: Path, *, refuse: bool = False) -> Iterator[tuple[str, Path]]:
    """A tinyproxy on 127.0.0.1: its URL and its log (one line per request it handled)."""
    assert TINYPROXY is not None
    port = _free_port()
    log = tmp_path / "tinyproxy.log"
    conf = tmp_path / "tinyproxy.conf"
    conf.write_text(
        textwrap.dedent(
            f"""\
            Port {port}
            Listen 127.0.0.1
            Timeout 30
            LogFile "{log}"
            LogLevel Info
            MaxClients 20
            DisableViaHeader Yes
            {"Deny 127.0.0.1" if refuse else "Allow 127.0.0.1"}
            """
        )
    )
    proc = subprocess.Popen([TINYPROXY, "-d", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert proc.poll() is None, "tinyproxy exited"
            assert time.monotonic() < deadline, "tinyproxy did not listen"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", log
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.asynccontextmanager
async def client(server: FakeSeedServer, **kw: Any) -> AsyncIterator[SeedClient]:
    async with SeedClient(provider=server.provider, base_url=server.url, api_key=KEY, **kw) as made:
        yield made


@needs_tinyproxy
async def test_https_through_the_environments_proxy_is_a_tunnel(
    tmp_path: Path, ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeSeedServer(ssl=server_context(ca)) as server:
        with tinyproxy(tmp_path) as (proxy, log):
            monkeypatch.setenv("HTTPS_PROXY", proxy)
            async with client(server, ssl=client_context(ca)) as c:
                done = await c.chat.completions.create(model="seed-1.8", messages=MSGS)
            assert done.content == "positive"
            seen = log.read_text()
    assert f"CONNECT 127.0.0.1:{server.port}" in seen  # the proxy saw a tunnel...
    assert KEY not in seen and "/chat/completions" not in seen  # ...and nothing inside it
    assert server.stats.received == 1


@needs_tinyproxy
async def test_http_through_the_proxy_and_no_proxy_bypass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeSeedServer() as server:
        with tinyproxy(tmp_path) as (proxy, log):
            monkeypatch.setenv("http_proxy", proxy)
            async with client(server) as c:
                await c.chat.completions.create(model="seed-1.8", messages=MSGS)
            assert f"POST {server.url}/chat/completions" in log.read_text()
            before = log.read_text()
            monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
            async with client(server) as c:
                await c.chat.completions.create(model="seed-1.8", messages=MSGS)
            assert log.read_text() == before  # straight to the server
            # An explicit proxy= wins over the variables; so does HttpxTransport's.
            async with client(server, proxy=proxy) as c:
                await c.chat.completions.create(model="seed-1.8", messages=MSGS)
            transport = HttpxTransport(proxy=proxy)
            async with client(server, transport=transport) as c:
                await c.chat.completions.create(model="seed-1.8", messages=MSGS)
            await transport.aclose()
            assert log.read_text().count(f"POST {server.url}/chat/completions") == 3
    assert server.stats.received == 4


@needs_tinyproxy
async def test_a_proxy_that_refuses(
    tmp_path: Path, ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeSeedServer(ssl=server_context(ca)) as server:
        with tinyproxy(tmp_path, refuse=True) as (proxy, _):
            monkeypatch.setenv("ALL_PROXY", proxy)
            async with client(server, ssl=client_context(ca), max_retries=0) as c:
                with pytest.raises(APIConnectionError, match=r"the proxy at 127\.0\.0\.1:") as info:
                    await c.chat.completions.create(model="seed-1.8", messages=MSGS)
    assert "refused the connection: 403 Access denied" in str(info.value)
    assert KEY not in str(info.value)
    assert server.stats.received == 0


def test_a_proxy_url_is_checked_and_its_password_never_shown() -> None:
    with pytest.raises(ConfigurationError, match="http:// or https://") as info:
        SeedClient(api_key="k", proxy="socks5://user:s3cret@127.0.0.1:1080")
    assert "s3cret" not in str(info.value)
    with pytest.raises(ConfigurationError, match="give them to your transport"):
        SeedClient(api_key="k", proxy="http://127.0.0.1:3128", transport=HttpxTransport())


async def test_tls_with_a_test_ca(tmp_path: Path, ca: trustme.CA) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    async with FakeSeedServer(ssl=server_context(ca)) as server:
        assert server.url.startswith("https://")
        async with client(server, max_retries=0) as c:
            with pytest.raises(APIConnectionError, match="certificate verify failed"):
                await c.chat.completions.create(model="seed-1.8", messages=MSGS)
        for option in (client_context(ca), str(bundle)):
            async with client(server, ssl=option) as c:
                done = await c.chat.completions.create(model="seed-1.8", messages=MSGS)
                assert done.content == "positive"
        transport = HttpxTransport(ssl=str(bundle))
        async with client(server, transport=transport) as c:
            assert (await c.models.list()).data
        await transport.aclose()
        with pytest.raises(ConfigurationError, match="CA bundle file or folder"):
            SeedClient(api_key="k", ssl=str(tmp_path / "missing.pem"))
    assert server.stats.answered == {200: 3}  # the refused handshake reached no handler


async def test_ssl_cert_file_is_honoured(tmp_path: Path, ca: trustme.CA) -> None:
    # Read when the process starts its TLS: a fresh process, as a user's shell would run it.
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    code = textwrap.dedent(
        """
        import asyncio, sys
        from seedclient import SeedClient

        async def main():
            async with SeedClient(provider="byteplus", base_url=sys.argv[1], api_key="k") as c:
                done = await c.chat.completions.create(
                    model="seed-1.8", messages=[{"role": "user", "content": "hi"}]
                )
                print(bool(done.content))

        asyncio.run(main())
        """
    )
    async with FakeSeedServer(ssl=server_context(ca)) as server:
        env = {**os.environ, "SSL_CERT_FILE": str(bundle)}
        proc = await _run(sys.executable, "-c", code, server.url, env=env)
    assert proc == (0, "True\n")


async def _run(*args: str, env: dict[str, str]) -> tuple[int, str]:
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return proc.returncode, out.decode()
