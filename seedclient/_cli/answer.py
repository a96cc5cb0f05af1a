"""One answer on the terminal: reasoning dimmed apart, the text live (Markdown once it ends,
in a chat session), and the line of figures after it."""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol

from .._client import SeedClient
from .._prices import price_of
from .common import write

__all__ = ["Answer", "Shows", "answer_by_responses", "summary_line"]

_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


class Shows(Protocol):
    """Where an answer's pieces go."""

    def reasoning(self, text: str) -> None: ...

    def content(self, text: str) -> None: ...


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
        # Chat's names, else the Responses API's.
        prompt = getattr(usage, "prompt_tokens", getattr(usage, "input_tokens", 0))
        completion = getattr(usage, "completion_tokens", getattr(usage, "output_tokens", 0))
        gen = elapsed - (first - started) if first is not None else elapsed
        if gen > 0 and completion:
            parts.append(f"{completion / gen:.1f} tok/s")
        tokens = f"{prompt} prompt + {completion} completion tokens"
        if usage.reasoning_tokens:
            tokens += f" ({usage.reasoning_tokens} reasoning)"
        parts.append(tokens)
        price = price_of(client.provider, done.model or "")
        if price is not None:
            cost = price.cost(prompt, completion, usage.cached_tokens, usage.reasoning_tokens)
            parts.append(f"${cost:.6f}")
    parts.append(f"{elapsed:.2f}s")
    choices = getattr(done, "choices", None)
    finish = choices[0].finish_reason if choices else getattr(done, "status", None)
    if finish and finish not in ("stop", "completed"):
        parts.append(f"finish: {finish}")
    return "[" + " · ".join(parts) + "]"


async def answer_by_responses(
    client: SeedClient, params: dict[str, Any], term: Shows, *, show: bool = True
) -> Any:
    """Stream an answer through Ark's Responses API (``--responses``): the chat parameters
    as ``input`` (the messages), ``max_output_tokens``, ``thinking``; the Response."""
    body: dict[str, Any] = {"model": params["model"], "input": params["messages"], "store": False}
    for name, to in (("thinking", "thinking"), ("max_tokens", "max_output_tokens")):
        if params.get(name) is not None:
            body[to] = params[name]
    for name in ("temperature", "extra_body"):
        if params.get(name) is not None:
            body[name] = params[name]
    async with client.responses.stream(**body) as stream:
        async for event in stream:
            if event.delta and "reasoning" in event.type:
                term.reasoning(event.delta)
            elif event.delta and event.type == "response.output_text.delta" and show:
                term.content(event.delta)
    return stream.response
