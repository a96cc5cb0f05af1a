"""``seedclient chat``: stream an answer to the terminal (reasoning dimmed), tools too."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from .._client import SeedClient
from .common import EXIT_USAGE, fail, open_client, write

_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def _prompt(args: argparse.Namespace) -> str:
    if args.prompt and args.prompt != "-":
        return str(args.prompt)
    if sys.stdin.isatty() and args.prompt != "-":
        fail("give a prompt, or pipe one on stdin", EXIT_USAGE)
    text = sys.stdin.read()
    if not text.strip():
        fail("the prompt on stdin is empty", EXIT_USAGE)
    return text


class _Terminal:
    """What the chat command writes, and the promise to leave the terminal as it found it.

    Reasoning is dimmed on a TTY; whatever way the command ends (the answer, an error,
    Ctrl-C), ``restore`` turns the dimming off and clears the waiting indicator.
    """

    def __init__(self, *, show_reasoning: bool) -> None:
        self.err_tty = sys.stderr.isatty()
        self.out_tty = sys.stdout.isatty()
        self.show_reasoning = show_reasoning
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
        write(sys.stdout, text)
        self.wrote_content = True

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


def _load_tools(path: str) -> list[Any]:
    import inspect
    import runpy

    try:
        namespace = runpy.run_path(path, run_name="seedclient_tools")
    except FileNotFoundError:
        fail(f"no such tools file: {path}", EXIT_USAGE)
    except Exception as exc:
        fail(f"cannot load tools from {path}: {type(exc).__name__}: {exc}", EXIT_USAGE)
    tools = [
        fn
        for name, fn in namespace.items()
        if inspect.isfunction(fn)
        and not name.startswith("_")
        and fn.__module__ == "seedclient_tools"
    ]
    if not tools:
        fail(f"{path} defines no public functions to use as tools", EXIT_USAGE)
    return tools


async def chat_command(args: argparse.Namespace) -> int:
    messages: list[dict[str, str]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": _prompt(args)})
    params: dict[str, Any] = {"model": args.model, "messages": messages}
    for name in ("thinking", "max_tokens", "temperature", "extra_body"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    tools = _load_tools(args.tools) if args.tools else None
    if args.fake:
        args.fake_options = _fake_pacing(args)
    term = _Terminal(show_reasoning=(args.show_reasoning or sys.stderr.isatty()) and not args.json)
    try:
        async with open_client(args) as client:
            started = time.perf_counter()
            term.wait()
            if tools is not None:
                done = await _chat_with_tools(client, params, tools, term, args.json)
            else:
                async with client.chat.completions.stream(**params) as stream:
                    async for kind, text in stream.events():
                        if kind == "reasoning":
                            term.reasoning(text)
                        elif not args.json:
                            term.content(text)
                done = stream.completion
    finally:
        term.restore()
    elapsed = time.perf_counter() - started
    if args.json:
        write(sys.stdout, done.model_dump_json(indent=2) + "\n")
    elif done.content and not done.content.endswith("\n"):
        write(sys.stdout, "\n")
    if not args.quiet:
        term.note(_summary(done, started, term.first, elapsed))
    return 0


async def _chat_with_tools(
    client: SeedClient, params: dict[str, Any], tools: list[Any], term: _Terminal, json: bool
) -> Any:
    run = None
    async for event in client.chat.completions.stream_tools(tools=tools, **params):
        if event.kind == "reasoning" and event.text:
            term.reasoning(event.text)
        elif event.kind == "content" and event.text and not json:
            term.content(event.text)
        elif event.kind == "tool_call" and event.call is not None:
            term.note(f"[tool] {event.call.function.name}({event.call.function.arguments})")
        elif event.kind == "tool_result" and event.text is not None:
            status = "ok" if event.ok else "failed"
            term.note(f"[tool {status}] {event.text[:200]}")
        elif event.run is not None:
            run = event.run
    assert run is not None
    if not run.finished:
        term.note(f"[stopped after {len(run.usage)} turns without a final answer]")
    return run.completion


def _fake_pacing(args: argparse.Namespace) -> dict[str, Any]:
    """The fake server's streaming pace from the command line (plausible by default)."""
    tps = args.fake_tokens_per_second
    return {"ttft": args.fake_ttft, "tokens_per_second": tps if tps else None}


def add_fake_pacing_args(p: argparse.ArgumentParser) -> None:
    """``--fake-ttft`` and ``--fake-tokens-per-second``: how fast the fake server streams."""
    p.add_argument(
        "--fake-ttft",
        type=float,
        default=0.4,
        help="with --fake: seconds before the first token (default: %(default)s)",
    )
    p.add_argument(
        "--fake-tokens-per-second",
        type=float,
        default=40.0,
        help="with --fake: streaming pace, 0 for as fast as possible (default: %(default)s)",
    )


def _summary(done: Any, started: float, first: float | None, elapsed: float) -> str:
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
    parts.append(f"{elapsed:.2f}s")
    finish = done.choices[0].finish_reason if done.choices else None
    if finish and finish != "stop":
        parts.append(f"finish: {finish}")
    return "[" + " · ".join(parts) + "]"
