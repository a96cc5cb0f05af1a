"""`seedclient chat` at a real terminal (a pseudo-terminal): dimming reset on every way out,
the waiting indicator, the summary on its own line, and --tools."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from .cli_helpers import _default_sigint, cli_env

DIM, RESET = "\x1b[2m", "\x1b[0m"


def _read_until(fd: int, proc: subprocess.Popen[bytes], needle: str | None, limit: float) -> str:
    """Read the pty until ``needle`` shows (or the process ends), within ``limit`` seconds."""
    out = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not data:
                break
            out += data
            if needle is not None and needle in out.decode(errors="replace"):
                break
        elif proc.poll() is not None and needle is None:
            break
    return out.decode(errors="replace")


def _chat_at_a_terminal(*args: str, stdout_tty: bool = True) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedclient", "chat", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave if stdout_tty else subprocess.PIPE,
        stderr=slave,
        env=cli_env(),
        preexec_fn=_default_sigint,
    )
    os.close(slave)
    return proc, master


def test_ctrl_c_during_reasoning_leaves_the_terminal_undimmed() -> None:
    proc, master = _chat_at_a_terminal(
        "why is the sky blue", "--fake", "--fake-ttft", "0.2", "--fake-tokens-per-second", "10"
    )
    try:
        before = _read_until(master, proc, "tok/s\x07", 20)  # live speed, in the title
        assert "waiting for the model" in before  # shown until the first token
        assert DIM + "The" in before  # reasoning, dimmed
        proc.send_signal(signal.SIGINT)
        after = _read_until(master, proc, None, 20)
        code = proc.wait(20)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    screen = before + after
    assert code == 130
    assert screen.rfind(RESET) > screen.rfind(DIM)  # the dimming was turned off
    assert "Traceback" not in screen


def test_summary_on_its_own_line_when_stdout_is_piped() -> None:
    proc, master = _chat_at_a_terminal(
        "hello", "--fake", "--fake-ttft", "0", "--fake-tokens-per-second", "0", stdout_tty=False
    )
    try:
        assert proc.stdout is not None
        with proc.stdout:
            answer = proc.stdout.read().decode()
        screen = _read_until(master, proc, None, 20)
        assert proc.wait(20) == 0
    finally:
        os.close(master)
    assert answer.endswith("\n") and "[" not in answer
    assert "\n[first token" in screen.replace("\r\n", "\n")


def test_tools_file_runs_through_the_tool_runner(tmp_path: Path) -> None:
    tools = tmp_path / "tools.py"
    tools.write_text(
        'def get_weather(city: str) -> str:\n    """Get the weather for a city."""\n'
        '    return f"sunny in {city}"\n'
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "seedclient",
            "chat",
            "What is the weather in Oslo?",
            "--fake",
            "--fake-ttft",
            "0",
            "--fake-tokens-per-second",
            "0",
            "--tools",
            str(tools),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(),
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "sunny in Oslo" in out.stdout
    assert "[tool] get_weather" in out.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "seedclient", "chat", "hi", "--fake", "--tools", "missing.py"],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(),
        check=False,
    )
    assert bad.returncode == 2 and "no such tools file: missing.py" in bad.stderr
    assert "Traceback" not in bad.stderr
