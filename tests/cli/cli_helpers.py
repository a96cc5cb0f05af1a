"""Run the seedclient command as a subprocess without blocking the test's event loop."""

from __future__ import annotations

import asyncio
import os
import signal
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


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored, and Python keeps an ignored SIGINT
    # ignored: give the command the Ctrl-C handling it has in a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def spawn_cli(
    *args: str,
    stdin: int = asyncio.subprocess.DEVNULL,
    stdout: int = asyncio.subprocess.PIPE,
    env: dict[str, str] | None = None,
) -> asyncio.subprocess.Process:
    """Start ``python -m seedclient *args`` with stdout and stderr piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "seedclient",
        *args,
        stdin=stdin,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
        env=env or cli_env(),
        preexec_fn=_default_sigint,
    )


async def run_cli(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> Result:
    pipe = asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL
    proc = await spawn_cli(*args, stdin=pipe, env=env)
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())
