"""The README's structured-output and tools sections run as written on the fake server."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from seedclient import SeedClient
from seedclient.testing import FakeSeedServer

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def section_code(heading: str) -> str:
    body = README.split(f"### {heading}\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", body, re.S)
    assert match is not None
    return match.group(1)


async def run_block(code: str) -> dict[str, Any]:
    source = "async def _block(client):\n" + textwrap.indent(code, "    ") + "    return locals()\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "README.md", "exec", dont_inherit=True), namespace)
    async with FakeSeedServer() as server, SeedClient(base_url=server.url, api_key="t") as client:
        result: dict[str, Any] = await namespace["_block"](client)
    return result


async def test_structured_output_section() -> None:
    names = await run_block(section_code("Structured output"))
    parsed = names["done"].choices[0].message.parsed
    assert isinstance(parsed, names["Review"])
    assert parsed.sentiment == "positive" and parsed.stars == 5


async def test_tools_section() -> None:
    names = await run_block(section_code("Tools"))
    run = names["run"]
    assert run.finished and run.tool_calls == 1 and run.tool_errors == 0
    assert "Paris" in (run.content or "")
