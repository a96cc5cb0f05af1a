"""`seedclient chat` with no prompt on a terminal: a conversation, driven through tmux (a
real terminal) against the fake server."""

from __future__ import annotations

import asyncio
import json
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from seedclient.testing import FakeSeedServer

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="no tmux on this machine (.ci/run installs it)"
)


class Pane:
    """A tmux session running one command in a 150x50 terminal."""

    def __init__(self, command: str) -> None:
        self.name = f"seedclient-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "150", "-y", "50", command],
            check=True,
        )

    def text(self) -> str:
        done = subprocess.run(
            ["tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", self.name],
            capture_output=True,
            text=True,
        )
        return done.stdout

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    async def until(self, needle: str, count: int = 1) -> str:
        """Wait (at most 30 s) until ``needle`` shows ``count`` times."""
        for _ in range(600):
            text = await asyncio.to_thread(self.text)
            if text.count(needle) >= count:
                return text
            await asyncio.sleep(0.05)
        raise AssertionError(f"{needle!r} never showed {count} times:\n{text}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


async def test_a_conversation_keeps_its_history_survives_ctrl_c_saves_and_leaves(
    tmp_path: Path,
) -> None:
    saved, tty = tmp_path / "conversation.json", tmp_path / "stty.txt"
    async with FakeSeedServer(ttft=0.05, tokens_per_second=25) as server:
        command = " ".join(
            [
                "SEED_API_KEY=k",
                shlex.quote(sys.executable),
                "-m seedclient chat --provider byteplus --allow-http --model seed-1.8",
                f"--base-url {server.url};",
                f"echo EXIT=$?; stty -a > {tty}; sleep 60",
            ]
        )
        pane = Pane(command)
        try:
            await pane.until("you> ")
            pane.send("Which rivers are long?", "Enter")
            await pane.until("[first token")
            await pane.until("you> ", 2)
            pane.send("And the longest?", "Enter")
            await pane.until("[first token", 2)
            # The second request carried the whole conversation.
            history = server.stats.last_messages
            assert [m["role"] for m in history] == ["user", "assistant", "user"]
            assert history[0]["content"] == "Which rivers are long?"
            assert history[2]["content"] == "And the longest?"

            await pane.until("you> ", 3)
            pane.send("Tell me a long story.", "Enter")
            await pane.until("You asked about tell me a long story")  # the answer is coming
            pane.send("C-c")
            await pane.until("[stopped; the session goes on]")
            await pane.until("you> ", 4)

            pane.send(f"/save {saved}", "Enter")
            await pane.until("[saved 6 messages")
            messages = json.loads(saved.read_text())
            assert [m["role"] for m in messages] == ["user", "assistant"] * 3
            assert messages[4]["content"] == "Tell me a long story."
            assert messages[5]["content"]  # what was shown before Ctrl-C

            pane.send("C-d")
            text = await pane.until("EXIT=")
            assert "EXIT=0" in text and "Traceback" not in text
            for _ in range(200):  # the shell writes the terminal's modes after the exit
                if tty.exists() and tty.read_text():
                    break
                await asyncio.sleep(0.05)
            modes = tty.read_text().split()
            assert "icanon" in modes and "echo" in modes and "isig" in modes  # as it was
        finally:
            pane.close()
