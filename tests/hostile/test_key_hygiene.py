"""The API key never shows: in no log record (DEBUG everywhere), no exception or its chain,
no CLI output, whichever way the requests succeed or fail."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from seedclient import ConfigurationError, SeedClient, SeedError, Timeout
from seedclient.testing import FakeSeedServer, FaultPlan

from ..cli.cli_helpers import cli_env, run_cli
from .conftest import KEY, read_request, serve

MSGS = [{"role": "user", "content": "hi"}]


def chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def assert_clean(exc: BaseException) -> None:
    for e in chain(exc):
        for text in (str(e), repr(e), repr(getattr(e, "body", None)), repr(e.args)):
            assert KEY not in text, f"{type(e).__name__} leaks the key"


async def test_no_log_record_or_exception_holds_the_key(
    make_client: Callable[..., SeedClient], caplog: pytest.LogCaptureFixture
) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()

    errors: list[BaseException] = []
    plan = FaultPlan(
        script=[
            "server_error",
            "overloaded",
            "reset",
            "rate_limit",
            "quota",
            "truncate",
            "malformed",
            "error_event",
        ],
        retry_after=0.01,
    )
    with caplog.at_level(logging.DEBUG):  # every logger, aiohttp's and httpx's included
        async with FakeSeedServer(faults=plan) as server:
            client = make_client(server.url, max_retries=1, timeout=Timeout(total=20))
            for _ in range(8):
                for stream in (False, True):
                    try:
                        if stream:
                            async with client.chat.completions.stream(
                                model="seed-1.8", messages=MSGS
                            ) as s:
                                _ = [c async for c in s]
                        else:
                            await client.chat.completions.create(model="seed-1.8", messages=MSGS)
                    except SeedError as exc:
                        errors.append(exc)
        async with FakeSeedServer(api_key="another") as server:  # a 401
            with pytest.raises(SeedError) as info:
                await make_client(server.url).chat.completions.create(
                    model="seed-1.8", messages=MSGS
                )
            errors.append(info.value)
        async with serve(garbage) as url:  # a garbage status line (aiohttp's error holds headers)
            with pytest.raises(SeedError) as info:
                await make_client(url, max_retries=1).chat.completions.create(
                    model="seed-1.8", messages=MSGS
                )
            errors.append(info.value)
        with pytest.raises(SeedError) as info:  # nothing listening
            await make_client("http://127.0.0.1:9/v1", max_retries=1).chat.completions.create(
                model="seed-1.8", messages=MSGS
            )
        errors.append(info.value)
    assert len(errors) >= 8
    for exc in errors:
        assert_clean(exc)
    assert caplog.records and not [r for r in caplog.records if KEY in r.getMessage()]


@pytest.mark.parametrize("bad", [KEY + "\n", " " + KEY, KEY.replace("-", " ", 1), KEY + "\u00e9"])
def test_a_malformed_key_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        SeedClient(api_key=bad)
    assert_clean(info.value)
    assert "API key" in str(info.value)


async def test_cli_output_never_shows_the_key(tmp_path: Any) -> None:
    src = tmp_path / "t.txt"
    src.write_text("good\nbad\n")
    async with FakeSeedServer(api_key="another") as server:
        r = await run_cli(
            "classify",
            str(src),
            "--labels",
            "a,b",
            "--base-url",
            server.url,
            env=cli_env(SEED_API_KEY=KEY),
        )
        r2 = await run_cli(
            "chat", "hi", "--base-url", server.url, env=cli_env(SEED_API_KEY=KEY + "\n")
        )
    assert r.code == 3 and r2.code == 2
    for out in (r.out, r.err, r2.out, r2.err):
        assert KEY not in out
    assert "ends with whitespace or a newline" in r2.err
