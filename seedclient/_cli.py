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
from ._errors import ConfigurationError, SeedError

__all__ = ["main"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

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


async def _chat(args: argparse.Namespace) -> int:
    messages: list[dict[str, str]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": _prompt(args)})
    params: dict[str, Any] = {"model": args.model, "messages": messages}
    for name in ("thinking", "max_tokens", "temperature"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    err_tty = sys.stderr.isatty()
    show_reasoning = args.show_reasoning or err_tty
    first: float | None = None
    in_reasoning = False
    async with open_client(args) as client:
        started = time.perf_counter()
        async with client.chat.completions.stream(**params) as stream:
            async for chunk in stream:
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.reasoning_content and show_reasoning and not args.json:
                        if first is None:
                            first = time.perf_counter()
                        if not in_reasoning and err_tty:
                            _write(sys.stderr, _DIM)
                        in_reasoning = True
                        _write(sys.stderr, delta.reasoning_content)
                    if delta.content:
                        if first is None:
                            first = time.perf_counter()
                        if in_reasoning:
                            _write(sys.stderr, (_RESET if err_tty else "") + "\n\n")
                            in_reasoning = False
                        if not args.json:
                            _write(sys.stdout, delta.content)
            if in_reasoning and err_tty:
                _write(sys.stderr, _RESET)
        done = stream.completion
    elapsed = time.perf_counter() - started
    if args.json:
        import msgspec

        _write(sys.stdout, msgspec.json.format(msgspec.json.encode(done)).decode() + "\n")
    elif done.content and not done.content.endswith("\n"):
        _write(sys.stdout, "\n")
    if not args.quiet:
        print(_summary(done, started, first, elapsed), file=sys.stderr, flush=True)
    return 0


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
        tokens_per_second=args.tokens_per_second,
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
    chat.set_defaults(func=_chat)

    from ._cli_classify import add_classify_parser

    add_classify_parser(sub)

    fake = sub.add_parser("fake-server", help="run the embedded fake Seed server")
    fake.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    fake.add_argument("--api-key", help="accept only this key (default: any)")
    fake.add_argument("--dialect", choices=("ark", "aiml"), default="ark")
    fake.add_argument("--ttft", type=float, default=0.0, help="seconds to the first token")
    fake.add_argument("--tokens-per-second", type=float, help="streaming pace")
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
    except SeedError as exc:
        _fail(f"{type(exc).__name__}: {exc}")
    raise SystemExit(code)
