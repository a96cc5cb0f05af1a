"""One answer on the terminal: reasoning dimmed apart, the text live (Markdown once it ends,
in a chat session), and the line of figures after it."""

from __future__ import annotations

import sys
import time
from typing import Any

from .._client import SeedClient
from .._prices import price_of
from .common import write

__all__ = ["Answer", "summary_line"]

_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


class Answer:
    """What the chat command writes of one answer, and the promise to leave the terminal as
    it found it.

    Reasoning is dimmed on a TTY; whatever way the command ends (the answer, an error,
    Ctrl-C), ``restore`` turns the dimming off and clears the waiting indicator. With
    ``markdown`` (a chat session on a terminal, rich installed) the answer is shown live as
    text and, once it ends, rendered as Markdown in its place (rich's ``Live``).
    """

    def __init__(self, *, show_reasoning: bool = True, markdown: bool = False) -> None:
        self.err_tty = sys.stderr.isatty()
        self.out_tty = sys.stdout.isatty()
        self.show_reasoning = show_reasoning
        self._live: Any = None
        self._markdown = markdown and self.out_tty and _rich_live() is not None
        self.dim = False
        self.waiting = False
        self.first: float | None = None
        self.wrote_content = False
        self.pieces = 0
        self._shown_at = 0.0

    def wait(self) -> None:
        if self.err_tty:
            write(sys.stderr, _DIM + "waiting for the model..." + _RESET)
            self.waiting = True

    def _started(self) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        if self.waiting:
            write(sys.stderr, "\r\x1b[K")
            self.waiting = False
        self.pieces += 1
        if self.err_tty and now - self._shown_at >= 0.5 and now > self.first:
            # Live speed in the terminal's title: it never mixes with the answer's text.
            self._shown_at = now
            rate = self.pieces / (now - self.first)
            write(sys.stderr, f"\x1b]0;seedclient chat · {rate:.0f} tok/s\x07")

    def reasoning(self, text: str) -> None:
        if not self.show_reasoning:
            return
        self._started()
        if not self.dim and self.err_tty:
            write(sys.stderr, _DIM)
        self.dim = True
        write(sys.stderr, text)

    def content(self, text: str) -> None:
        self._started()
        if self.dim:
            write(sys.stderr, (_RESET if self.err_tty else "") + "\n\n")
            self.dim = False
        self.wrote_content = True
        if not self._markdown:
            write(sys.stdout, text)
            return
        if self._live is None:
            live, text_type, _ = _rich_live()  # type: ignore[misc]
            self._text = text_type()
            self._live = live(self._text, refresh_per_second=10, vertical_overflow="visible")
            self._live.start()
        self._text.append(text)

    def finish(self, answer: str) -> None:
        """The answer is over (or stopped): render it as Markdown where it was shown."""
        if self._live is not None:
            self._live.update(_rich_live()[2](answer))  # type: ignore[index]
            self._live.stop()
            self._live = None
        elif answer and not answer.endswith("\n"):
            write(sys.stdout, "\n")
        self.restore()

    def note(self, text: str) -> None:
        """A line on stderr (a tool call, the summary), never glued to the answer."""
        self.restore()
        if self.wrote_content and not self.out_tty and self.err_tty:
            # The answer went to a pipe, whose reader may not have shown its last newline
            # yet on the terminal both end on: start the summary on a line of its own.
            text = "\n" + text
        print(text, file=sys.stderr, flush=True)

    def restore(self) -> None:
        if self.waiting:
            write(sys.stderr, "\r\x1b[K")
            self.waiting = False
        if self.dim:
            write(sys.stderr, _RESET if self.err_tty else "\n")
            self.dim = False


def _rich_live() -> tuple[Any, Any, Any] | None:
    """rich's Live, Text and Markdown, if rich is installed."""
    try:
        from rich.live import Live
        from rich.markdown import Markdown
        from rich.text import Text
    except ImportError:
        return None
    return Live, Text, Markdown


def summary_line(
    done: Any, started: float, first: float | None, client: SeedClient, elapsed: float | None = None
) -> str:
    """``[first token 0.41s · 38.2 tok/s · 12 prompt + 30 completion tokens · $0.0001 ·
    1.20s]``: the cost where the model has a price on this provider."""
    if elapsed is None:
        elapsed = time.perf_counter() - started
    parts = []
    if first is not None:
        parts.append(f"first token {first - started:.2f}s")
    usage = done.usage
    if usage is not None:
        gen = elapsed - (first - started) if first is not None else elapsed
        if gen > 0 and usage.completion_tokens:
            parts.append(f"{usage.completion_tokens / gen:.1f} tok/s")
        tokens = f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens"
        if usage.reasoning_tokens:
            tokens += f" ({usage.reasoning_tokens} reasoning)"
        parts.append(tokens)
        price = price_of(client.provider, done.model or "")
        if price is not None:
            cost = price.cost(
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.cached_tokens,
                usage.reasoning_tokens,
            )
            parts.append(f"${cost:.6f}")
    parts.append(f"{elapsed:.2f}s")
    finish = done.choices[0].finish_reason if done.choices else None
    if finish and finish != "stop":
        parts.append(f"finish: {finish}")
    return "[" + " · ".join(parts) + "]"
