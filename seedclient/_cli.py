"""The ``seedclient`` command: ``chat``, ``classify`` and ``fake-server``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any, NoReturn, TextIO, TypeVar

from ._client import SeedClient
from ._errors import FATAL_ERRORS, ConfigurationError, SeedError

__all__ = ["main"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_STOPPED = 3
EXIT_INTERRUPTED = 130

_FATAL_HINTS = {
    "AuthenticationError": "Check the key (SEED_API_KEY or the provider's variable), then run "
    "the same command again: it resumes.",
    "PermissionDeniedError": "The account may lack access or credits; fix that and run the "
    "same command again: it resumes.",
    "NotFoundError": "Check --model (and that it is activated on the account), then run the "
    "same command again.",
    "QuotaExceededError": "The quota resets later; run the same command again then: it resumes.",
}

_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


_T = TypeVar("_T")


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run`` with Python 3.11's Ctrl-C handling on 3.10 too.

    On 3.11+ ``asyncio.run`` turns SIGINT into a cancellation of the main coroutine, so
    every ``finally`` and ``async with`` runs, then raises ``KeyboardInterrupt``. On 3.10 the
    interrupt lands in whatever code happens to run, often inside a worker task. Here a
    first SIGINT cancels the main task (a second one interrupts at once), and
    ``KeyboardInterrupt`` is raised once it has unwound. An ignored SIGINT stays ignored.
    """
    if sys.version_info >= (3, 11):
        return asyncio.run(main)
    return asyncio.run(_cancel_on_sigint(main))  # pragma: no cover - only run on 3.10


async def _cancel_on_sigint(main: Coroutine[Any, Any, _T]) -> _T:  # pragma: no cover - 3.10
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    interrupts = 0

    def on_sigint() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts > 1:
            raise KeyboardInterrupt
        task.cancel()

    handled = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if handled:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        return await main
    except asyncio.CancelledError:
        if interrupts:
            raise KeyboardInterrupt from None
        raise
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGINT)


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    print(f"seedclient: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def add_connection_args(p: argparse.ArgumentParser) -> None:
    """Options every client command shares."""
    p.add_argument("--provider", help="byteplus, volcengine, aimlapi, aisa or openai-compatible")
    p.add_argument("--base-url", help="an OpenAI-compatible base URL (overrides the provider's)")
    p.add_argument(
        "--fake",
        action="store_true",
        help="run against an embedded fake Seed server (no key, no network)",
    )


@contextlib.asynccontextmanager
async def open_client(args: argparse.Namespace, **options: Any) -> AsyncIterator[SeedClient]:
    """A client for the command's options; with ``--fake`` an embedded server is started."""
    if args.fake:
        from .testing import FakeSeedServer

        async with FakeSeedServer(**getattr(args, "fake_options", {})) as server:
            async with SeedClient(base_url=server.url, api_key="fake", **options) as client:
                yield client
        return
    async with SeedClient(provider=args.provider, base_url=args.base_url, **options) as client:
        yield client


# ---------------------------------------------------------------------------- chat


def _prompt(args: argparse.Namespace) -> str:
    if args.prompt and args.prompt != "-":
        return str(args.prompt)
    if sys.stdin.isatty() and args.prompt != "-":
        _fail("give a prompt, or pipe one on stdin", EXIT_USAGE)
    text = sys.stdin.read()
    if not text.strip():
        _fail("the prompt on stdin is empty", EXIT_USAGE)
    return text


def _write(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


class _Terminal:
    """What the chat command writes, and the promise to leave the terminal as it found it.

    Reasoning is dimmed on a TTY; whatever way the command ends (the answer, an error,
    Ctrl-C), :meth:`restore` turns the dimming off and clears the waiting indicator.
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
            _write(sys.stderr, _DIM + "waiting for the model..." + _RESET)
            self.waiting = True

    def _started(self) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        if self.waiting:
            _write(sys.stderr, "\r\x1b[K")
            self.waiting = False
        self.pieces += 1
        if self.err_tty and now - self._shown_at >= 0.5 and now > self.first:
            # Live speed in the terminal's title: it never mixes with the answer's text.
            self._shown_at = now
            rate = self.pieces / (now - self.first)
            _write(sys.stderr, f"\x1b]0;seedclient chat · {rate:.0f} tok/s\x07")

    def reasoning(self, text: str) -> None:
        if not self.show_reasoning:
            return
        self._started()
        if not self.dim and self.err_tty:
            _write(sys.stderr, _DIM)
        self.dim = True
        _write(sys.stderr, text)

    def content(self, text: str) -> None:
        self._started()
        if self.dim:
            _write(sys.stderr, (_RESET if self.err_tty else "") + "\n\n")
            self.dim = False
        _write(sys.stdout, text)
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
            _write(sys.stderr, "\r\x1b[K")
            self.waiting = False
        if self.dim:
            _write(sys.stderr, _RESET if self.err_tty else "\n")
            self.dim = False


def _load_tools(path: str) -> list[Any]:
    import inspect
    import runpy

    try:
        namespace = runpy.run_path(path, run_name="seedclient_tools")
    except FileNotFoundError:
        _fail(f"no such tools file: {path}", EXIT_USAGE)
    except Exception as exc:
        _fail(f"cannot load tools from {path}: {type(exc).__name__}: {exc}", EXIT_USAGE)
    tools = [
        fn
        for name, fn in namespace.items()
        if inspect.isfunction(fn)
        and not name.startswith("_")
        and fn.__module__ == "seedclient_tools"
    ]
    if not tools:
        _fail(f"{path} defines no public functions to use as tools", EXIT_USAGE)
    return tools


async def _chat(args: argparse.Namespace) -> int:
    messages: list[dict[str, str]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": _prompt(args)})
    params: dict[str, Any] = {"model": args.model, "messages": messages}
    for name in ("thinking", "max_tokens", "temperature"):
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
        _write(sys.stdout, done.model_dump_json(indent=2) + "\n")
    elif done.content and not done.content.endswith("\n"):
        _write(sys.stdout, "\n")
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


# ---------------------------------------------------------------------------- fake-server


def fault_plan(specs: Sequence[str], seed: int) -> Any:
    """A FaultPlan from ``KIND=RATE`` options."""
    from .testing import FaultPlan

    rates: dict[str, float] = {}
    for spec in specs:
        kind, _, rate = spec.partition("=")
        try:
            rates[kind] = float(rate)
        except ValueError:
            raise ConfigurationError(
                f"a fault is KIND=RATE, e.g. overloaded=0.05; got {spec!r}"
            ) from None
    try:
        return FaultPlan(rates=rates, seed=seed)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None


async def _fake_server(args: argparse.Namespace) -> int:
    from .testing import FakeSeedServer

    plan = fault_plan(args.fault, args.seed)
    server = FakeSeedServer(
        api_key=args.api_key,
        dialect=args.dialect,
        faults=plan,
        ttft=args.ttft,
        tokens_per_second=args.tokens_per_second or None,
        rpm_limit=args.rpm_limit,
        port=args.port,
    )
    async with server:
        _write(sys.stdout, server.url + "\n")
        print("fake Seed server running; Ctrl-C to stop", file=sys.stderr, flush=True)
        await asyncio.Event().wait()
    return 0


# ---------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``seedclient`` command."""
    parser = argparse.ArgumentParser(
        prog="seedclient", description="Chat with and classify through ByteDance Seed models."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="stream a model's answer to the terminal")
    chat.add_argument("prompt", nargs="?", help="the prompt ('-' or omitted: read stdin)")
    add_connection_args(chat)
    chat.add_argument("--model", default="seed-1.8")
    chat.add_argument("--system", help="a system message")
    chat.add_argument("--thinking", choices=("enabled", "disabled", "auto"))
    chat.add_argument("--max-tokens", type=int)
    chat.add_argument("--temperature", type=float)
    chat.add_argument("--show-reasoning", action="store_true", help="print reasoning to stderr")
    chat.add_argument("--json", action="store_true", help="print the final completion as JSON")
    chat.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")
    chat.add_argument(
        "--tools",
        metavar="FILE.py",
        help="use the public functions of a Python file as tools (run through the tool runner)",
    )
    add_fake_pacing_args(chat)
    chat.set_defaults(func=_chat)

    from ._cli_classify import add_classify_parser

    add_classify_parser(sub)

    fake = sub.add_parser("fake-server", help="run the embedded fake Seed server")
    fake.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    fake.add_argument("--api-key", help="accept only this key (default: any)")
    fake.add_argument(
        "--dialect",
        choices=("ark", "aiml", "aisa"),
        default="ark",
        help="the provider it plays: errors, model ids and image rules (default: %(default)s)",
    )
    fake.add_argument(
        "--ttft",
        type=float,
        default=0.4,
        help="seconds to the first token, 0 for none (default: %(default)s)",
    )
    fake.add_argument(
        "--tokens-per-second",
        type=float,
        default=40.0,
        help="streaming pace, 0 for as fast as possible (default: %(default)s)",
    )
    fake.add_argument("--rpm-limit", type=int, help="answer 429 past this many requests/minute")
    fake.add_argument("--fault", action="append", default=[], metavar="KIND=RATE")
    fake.add_argument("--seed", type=int, default=0, help="seed of the fault draws")
    fake.set_defaults(func=_fake_server, interrupt_code=0, interrupt_hint="stopped")
    return parser


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the ``seedclient`` command."""
    args = build_parser().parse_args(argv)
    try:
        code = run(args.func(args))
    except KeyboardInterrupt:
        # The command was cancelled; streams and files were closed on the way out.
        print(getattr(args, "interrupt_hint", "\ninterrupted"), file=sys.stderr, flush=True)
        code = getattr(args, "interrupt_code", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, without a second error at exit.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_ERROR
    except ConfigurationError as exc:
        _fail(str(exc), EXIT_USAGE)
    except FATAL_ERRORS as exc:
        if not getattr(args, "stops_early", False):
            _fail(f"{type(exc).__name__}: {exc}")
        done = f"; finished rows are kept in {args.output}" if getattr(args, "output", None) else ""
        _fail(
            f"stopped early, {type(exc).__name__}: {exc}{done}. "
            f"{_FATAL_HINTS.get(type(exc).__name__, '')}".rstrip(),
            EXIT_STOPPED,
        )
    except SeedError as exc:
        _fail(f"{type(exc).__name__}: {exc}")
    raise SystemExit(code)
