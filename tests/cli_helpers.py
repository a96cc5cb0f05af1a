"""Run the seedclient command as a subprocess without blocking the test's event loop."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass


@dataclass
class Result:
    code: int
    out: str
    err: str


def cli_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SEED_", "ARK_", "AIMLAPI_", "AISA_"))
    }
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def run_cli(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> Result:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "seedclient",
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env or cli_env(),
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())
