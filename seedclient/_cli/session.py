"""``seedclient chat`` with no prompt on a terminal: a conversation.

The history is kept and sent with each question; ``/reset``, ``/model NAME``, ``/system
TEXT``, ``/save FILE`` and ``/help`` change it. Ctrl-C stops the answer being written and
keeps the session; Ctrl-D on an empty line leaves (exit 0). Lines are read from the terminal
in its own (canonical) mode, so the terminal is never left changed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from typing import Any

from .._client import SeedClient
from .._errors import SeedError
from .answer import Answer, answer_by_responses, summary_line
from .common import write

__all__ = ["ChatSession"]

HELP = (
    "/reset forgets the conversation · /model NAME · /system TEXT · /save FILE writes the "
    "messages as JSON · Ctrl-C stops an answer · Ctrl-D leaves"
)
PROMPT = "you> "


class _Shown:
    """An Answer that also keeps what it showed (for the history of a stopped answer)."""

    def __init__(self, out: Answer, shown: list[str]) -> None:
        self._out, self._shown = out, shown

    def reasoning(self, text: str) -> None:
        self._out.reasoning(text)

    def content(self, text: str) -> None:
        self._shown.append(text)
        self._out.content(text)


class ChatSession:
    """One conversation on the terminal: questions from stdin, answers streamed to stdout."""

    def __init__(self, client: SeedClient, args: Any, params: dict[str, Any]) -> None:
        self.client = client
        self.model = str(args.model)
        self.system: str | None = args.system
        self.params = params  # thinking, max_tokens... (not model or messages)
        self.responses = bool(getattr(args, "responses", False))  # Ark's Responses API
        self.messages: list[dict[str, Any]] = []
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._pending = b""
        self._answer: asyncio.Task[None] | None = None
        self._stopped = False

    # ------------------------------------------------------------------ input

    def _readable(self) -> None:
        """The terminal has a line (or EOF): queue each whole line; None at Ctrl-D."""
        data = os.read(sys.stdin.fileno(), 65536)
        if not data:
            self._lines.put_nowait(None)
            return
        *whole, self._pending = (self._pending + data).split(b"\n")
        for line in whole:
            self._lines.put_nowait(line.decode(errors="replace"))

    def _interrupt(self) -> None:
        """Ctrl-C: stop the answer being written; at the prompt, a fresh prompt."""
        if self._answer is not None and not self._answer.done():
            self._stopped = True
            self._answer.cancel()
        else:
            self._pending = b""
            write(sys.stdout, "\n" + PROMPT)

    # ------------------------------------------------------------------ the loop

    async def run(self) -> int:
        """Talk until Ctrl-D; 0."""
        loop = asyncio.get_running_loop()
        fd = sys.stdin.fileno()
        loop.add_reader(fd, self._readable)
        loop.add_signal_handler(signal.SIGINT, self._interrupt)
        print(f"seedclient chat · {self.model} · {HELP}", file=sys.stderr, flush=True)
        try:
            while True:
                write(sys.stdout, PROMPT)
                line = await self._lines.get()
                if line is None:  # Ctrl-D
                    write(sys.stdout, "\n")
                    return 0
                text = line.strip()
                if text.startswith("/"):
                    self._command(text)
                elif text:
                    await self._ask(text)
        finally:
            loop.remove_reader(fd)
            loop.remove_signal_handler(signal.SIGINT)

    def _command(self, text: str) -> None:
        name, _, rest = text.partition(" ")
        rest = rest.strip()
        if name == "/reset":
            self.messages.clear()
            self._say("the conversation is forgotten")
        elif name == "/model" and rest:
            self.model = rest
            self._say(f"model: {rest}")
        elif name == "/system":
            self.system = rest or None
            self._say(f"system: {rest}" if rest else "no system message")
        elif name == "/save" and rest:
            try:
                with open(rest, "w", encoding="utf-8") as f:
                    json.dump(self._conversation(), f, indent=1, ensure_ascii=False)
                    f.write("\n")
            except OSError as exc:
                self._say(f"cannot save to {rest}: {exc.strerror or exc}")
            else:
                self._say(f"saved {len(self._conversation())} messages to {rest}")
        else:
            self._say(HELP)

    @staticmethod
    def _say(text: str) -> None:
        print(f"[{text}]", file=sys.stderr, flush=True)

    def _conversation(self) -> list[dict[str, Any]]:
        system = [{"role": "system", "content": self.system}] if self.system else []
        return system + self.messages

    async def _ask(self, text: str) -> None:
        self.messages.append({"role": "user", "content": text})
        self._stopped = False
        shown: list[str] = []
        self._answer = asyncio.ensure_future(self._stream(shown))
        try:
            await self._answer
        except asyncio.CancelledError:
            if not self._stopped:
                raise  # the command itself is being cancelled
            self._keep(shown, stopped=True)
        except SeedError as exc:
            self.messages.pop()  # not answered: not part of the conversation
            self._say(f"{type(exc).__name__}: {exc}")
        finally:
            self._answer = None

    def _keep(self, shown: list[str], *, stopped: bool) -> None:
        """The answer (what was shown of it, when stopped) joins the history."""
        answer = "".join(shown)
        if answer:
            self.messages.append({"role": "assistant", "content": answer})
        else:
            self.messages.pop()  # nothing was answered: the question goes too
        if stopped:
            self._say("stopped; the session goes on")

    async def _stream(self, shown: list[str]) -> None:
        out = Answer()
        started = time.perf_counter()
        params = {**self.params, "model": self.model, "messages": self._conversation()}
        try:
            out.wait()
            if self.responses:
                done = await answer_by_responses(self.client, params, _Shown(out, shown))
            else:
                async with self.client.chat.completions.stream(**params) as stream:
                    async for kind, piece in stream.events():
                        if kind == "reasoning":
                            out.reasoning(piece)
                        else:
                            shown.append(piece)
                            out.content(piece)
                done = stream.completion
        finally:
            out.finish("".join(shown))
        self._keep(shown, stopped=False)
        out.note(summary_line(done, started, out.first, self.client))
