"""What every subcommand shares: exit codes, errors, the client, the event loop."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any, NoReturn, TextIO, TypeVar

from .._client import SeedClient
from .._errors import ConfigurationError

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_STOPPED = 3
EXIT_INTERRUPTED = 130

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


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    print(f"seedclient: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def speak_cli(message: str) -> str:
    """An error message of the library, in the command line's words."""
    return (
        message.replace("pass api_key=... or set", "set")
        .replace(
            "To try it without one: SEED_BASE_URL=<the URL `seedclient fake-server` prints> "
            "and any SEED_API_KEY, or seedclient.testing.FakeSeedServer in tests",
            "To try it without one: add --fake (the embedded fake server)",
        )
        .replace("pass allow_http=True", "pass --allow-http")
        .replace("(argument or SEED_BASE_URL)", "(--base-url or SEED_BASE_URL)")
    )


def json_object(text: str) -> dict[str, Any]:
    """An ``--extra-body`` value: a JSON object."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"top_k\": 1}'")
    return value


def add_connection_args(p: argparse.ArgumentParser) -> None:
    """Options every client command shares."""
    p.add_argument(
        "--provider",
        help="byteplus, volcengine, aimlapi, aisa or openai-compatible (the default with "
        "--base-url alone: any OpenAI-compatible server, e.g. vLLM, llama.cpp, Ollama)",
    )
    p.add_argument("--base-url", help="an OpenAI-compatible base URL (overrides the provider's)")
    p.add_argument(
        "--extra-body",
        type=json_object,
        metavar="JSON",
        help="fields added to every request body as they are, e.g. '{\"top_k\": 1}' for a "
        "local server",
    )
    p.add_argument(
        "--allow-http",
        action="store_true",
        help="allow plain http:// to a host that is not this machine (the key goes unencrypted)",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="say which provider, base URL and key variable are used (never the key)",
    )
    p.add_argument(
        "--fake",
        action="store_true",
        help="run against an embedded fake Seed server (no key, no network)",
    )


@contextlib.asynccontextmanager
async def open_client(args: argparse.Namespace, **options: Any) -> AsyncIterator[SeedClient]:
    """A client for the command's options; with ``--fake`` an embedded server is started."""
    if args.fake:
        from ..testing import FakeSeedServer

        async with FakeSeedServer(**getattr(args, "fake_options", {})) as server:
            async with SeedClient(
                provider=server.provider, base_url=server.url, api_key="fake", **options
            ) as client:
                yield client
        return
    async with SeedClient(
        provider=args.provider, base_url=args.base_url, allow_http=args.allow_http, **options
    ) as client:
        if args.verbose:
            print(
                f"seedclient: provider {client.provider}, base URL {client.base_url}, "
                f"key from {client.key_source}",
                file=sys.stderr,
                flush=True,
            )
        yield client


def write(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


def fault_plan(specs: Sequence[str], seed: int) -> Any:
    """A FaultPlan from ``KIND=RATE`` options."""
    from ..testing import FaultPlan

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
