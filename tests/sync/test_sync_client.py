"""SyncSeedClient as users call it: a plain script, many threads, a notebook's running loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import msgspec
import pytest

from seedclient import (
    ChatCompletion,
    NotFoundError,
    SyncClassifier,
    SyncSeedClient,
)
from seedclient.testing import FakeSeedServer

MSGS = [{"role": "user", "content": "Is this review positive or negative? I loved it"}]


def weather(city: str) -> str:
    """The weather in a city."""
    return f"21 C in {city}"


def client_for(server: FakeSeedServer, **kw: object) -> SyncSeedClient:
    return SyncSeedClient(provider=server.provider, base_url=server.url, api_key="t", **kw)


SCRIPT = """
import threading
from typing import Literal

import msgspec
from seedclient import SyncClassifier, SyncSeedClient

class Review(msgspec.Struct):
    sentiment: Literal["positive", "negative", "neutral"]
    stars: int

def get_weather(city: str) -> dict:
    \"\"\"The weather in a city.\"\"\"
    return {"city": city, "temp": 21}

client = SyncSeedClient(provider="byteplus", base_url=URL, api_key="t")
done = client.chat.completions.create(
    model="seed-1.6-flash", messages=[{"role": "user", "content": "hi"}], max_tokens=5
)
print("create", bool(done.content))
hi = [{"role": "user", "content": "hi"}]
with client.chat.completions.stream(model="seed-1.8", messages=hi) as s:
    text = "".join(s.text())
print("stream", text == s.completion.content)
parsed = client.chat.completions.parse(
    model="seed-1.8",
    messages=[{"role": "user", "content": "Great trip, 5 stars"}],
    response_format=Review,
)
print("parse", parsed.choices[0].message.parsed)
run = client.chat.completions.run_tools(
    model="seed-1.8",
    messages=[{"role": "user", "content": "What is the weather in Paris?"}],
    tools=[get_weather],
)
print("tools", run.finished, run.tool_calls)
labeller = SyncClassifier(client, labels=["positive", "negative"])
rows = labeller.classify_all(["I love it", "It broke"])
print("classify", [r.label for r in rows])
print("estimate", labeller.estimate(["I love it", "I love it", " "]).distinct)
print("models", len(client.models.list().data) > 0)
"""


def test_a_plain_script(fake_in_thread: FakeSeedServer) -> None:
    # Run as a user runs it, with every warning an error (ResourceWarning too); the client
    # is never closed by hand: the interpreter's exit closes it, with no warning, no hang.
    code = f"URL = {fake_in_thread.url!r}\n" + textwrap.dedent(SCRIPT)
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "create True",
        "stream True",
        "parse Review(sentiment='positive', stars=5)",
        "tools True 1",
        "classify ['positive', 'negative']",
        "estimate 1",
        "models True",
    ]
    assert proc.stderr == ""


def test_sixteen_threads_share_one_client(fake_in_thread: FakeSeedServer) -> None:
    with client_for(fake_in_thread) as client:

        def ask(i: int) -> str | None:
            msgs = [{"role": "user", "content": f"Classify: positive, negative. text {i}"}]
            return client.chat.completions.create(model="seed-1.8", messages=msgs).content

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(ask, range(64)))
    assert len(answers) == 64 and all(answers)
    assert fake_in_thread.stats.answered == {200: 64}


def test_inside_a_running_event_loop() -> None:
    # A notebook cell runs inside the kernel's event loop: the facade's own loop is another.
    async def cell(url: str) -> ChatCompletion:
        with SyncSeedClient(provider="byteplus", base_url=url, api_key="t") as client:
            return client.chat.completions.create(model="seed-1.8", messages=MSGS)

    async def main() -> ChatCompletion:
        async with FakeSeedServer() as server:
            # The server must keep answering while the cell blocks this loop: run the cell
            # in a thread of its own, as a kernel's loop would be blocked by it.
            return await asyncio.to_thread(asyncio.run, cell(server.url))

    assert asyncio.run(main()).content == "positive"


def test_break_releases_the_connection_and_close_ends_the_thread(
    fake_in_thread: FakeSeedServer,
) -> None:
    before = set(threading.enumerate())
    client = client_for(fake_in_thread)
    (loop_thread,) = set(threading.enumerate()) - before
    assert loop_thread.name == "seedclient-sync" and loop_thread.daemon
    with client.chat.completions.stream(model="seed-1.8", messages=MSGS) as stream:
        for _ in stream:
            break
    assert client.async_client.transport.connections_in_use == 0  # type: ignore[attr-defined]
    ask = [{"role": "user", "content": "What is the weather in Paris?"}]
    tools = client.chat.completions.stream_tools(model="seed-1.8", messages=ask, tools=[weather])
    kinds = [e.kind for e in tools]
    assert "tool_result" in kinds and kinds[-1] == "done"
    copy = client.with_options(max_retries=0)
    copy.close()  # a copy closes neither the connections nor the loop
    assert client.chat.completions.create(model="seed-1.8", messages=MSGS).content
    client.close()
    client.close()  # idempotent
    assert not loop_thread.is_alive()  # the loop's thread has ended
    # What may outlive it briefly: anyio's idle worker thread (it ran the tool), a daemon.
    left = set(threading.enumerate()) - before
    assert all(t.daemon and t.name == "AnyIO worker thread" for t in left), left


def test_errors_and_types_are_the_async_ones(fake_in_thread: FakeSeedServer) -> None:
    with client_for(fake_in_thread) as client:
        with pytest.raises(NotFoundError):
            client.chat.completions.create(model="seed-9", messages=MSGS)
        stream = client.chat.completions.create(model="seed-1.8", messages=MSGS, stream=True)
        with stream:
            chunks = list(stream)
        assert chunks and stream.completion.content == "positive"
        assert stream.completion.content == "".join(
            c.choices[0].delta.content or "" for c in chunks
        )
        vectors = client.embeddings.create(model="embedding-vision", input=["a"])
        assert msgspec.structs.asdict(vectors)["data"]
    assert (
        SyncClassifier.classify_all.__doc__ and "input order" in SyncClassifier.classify_all.__doc__
    )
