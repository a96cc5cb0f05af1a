"""A client dropped unclosed: its connections are closed, with one warning that says where
it was made, not aiohttp's wall of "Unclosed client session" and "Unclosed connector"."""

from __future__ import annotations

import asyncio
import sys
import textwrap

from seedclient.testing import FakeSeedServer

SCRIPT = """
import asyncio, gc, sys
from seedclient import SeedClient

async def main():
    client = SeedClient(provider="byteplus", base_url=sys.argv[1], api_key="k")
    for _ in range(3):  # a few pooled connections' worth of work
        await asyncio.gather(*[
            client.chat.completions.create(
                model="seed-1.8", messages=[{"role": "user", "content": "hi"}]
            )
            for _ in range(4)
        ])
    completions = client.chat.completions
    del client  # still held through its resource: nothing closes yet
    await completions.create(model="seed-1.8", messages=[{"role": "user", "content": "hi"}])
    del completions  # now dropped unclosed, on a live loop
    gc.collect()
    print("done")

asyncio.run(main())
"""


async def run(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_one_warning_naming_where_the_client_was_made() -> None:
    async with FakeSeedServer() as server:
        code, out, err = await run("-W", "always", "-c", textwrap.dedent(SCRIPT), server.url)
    assert (code, out) == (0, "done\n")
    assert err.count("ResourceWarning") == 1, err
    assert "made at <string>:6, was never closed: use `async with SeedClient(...)" in err
    assert "Unclosed client session" not in err and "Unclosed connector" not in err
