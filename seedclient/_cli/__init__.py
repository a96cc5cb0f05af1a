"""The ``seedclient`` command: ``chat``, ``classify`` and ``fake-server``."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .._errors import FATAL_ERRORS, ConfigurationError, SeedError
from .._version import get_version
from ..testing._faults import FAULT_KINDS
from .chat import add_fake_pacing_args, chat_command
from .common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_STOPPED,
    EXIT_USAGE,
    add_connection_args,
    fail,
    run,
    speak_cli,
)
from .fake_server import fake_server_command

__all__ = ["build_parser", "main"]


_FATAL_HINTS = {
    "AuthenticationError": "Check the key (SEED_API_KEY or the provider's variable), then run "
    "the same command again: it resumes.",
    "PermissionDeniedError": "The account may lack access or credits; fix that and run the "
    "same command again: it resumes.",
    "NotFoundError": "Check --model (and that it is activated on the account), then run the "
    "same command again.",
    "QuotaExceededError": "The quota resets later; run the same command again then: it resumes.",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``seedclient`` command."""
    parser = argparse.ArgumentParser(
        prog="seedclient", description="Chat with and classify through ByteDance Seed models."
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"seedclient {get_version()}",
        help="show the version",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser(
        "chat",
        help="stream a model's answer to the terminal, or talk with it",
        description="With a prompt (or one piped on stdin): stream the answer. With none, on "
        "a terminal: a conversation (/reset, /model NAME, /system TEXT, /save FILE; Ctrl-C "
        "stops an answer, Ctrl-D leaves).",
    )
    chat.add_argument(
        "prompt",
        nargs="?",
        help="the prompt ('-': read it from stdin; omitted: stdin if piped, else a conversation)",
    )
    add_connection_args(chat)
    chat.add_argument(
        "--model",
        default="seed-1.8",
        help="a model alias, a pinned id or an ep- endpoint id (default: %(default)s)",
    )
    chat.add_argument("--system", help="a system message")
    chat.add_argument(
        "--thinking",
        choices=("enabled", "disabled", "auto"),
        help="the model's reasoning switch (default: the model's own; auto: seed-1.6-flash)",
    )
    chat.add_argument("--max-tokens", type=int, help="cap on the answer's tokens (not reasoning)")
    chat.add_argument("--temperature", type=float, help="sampling temperature, 0 to 2")
    chat.add_argument("--show-reasoning", action="store_true", help="print reasoning to stderr")
    chat.add_argument("--json", action="store_true", help="print the final completion as JSON")
    chat.add_argument(
        "--responses",
        action="store_true",
        help="answer through Ark's Responses API (/responses) instead of chat completions",
    )
    chat.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")
    chat.add_argument(
        "--tools",
        metavar="FILE.py",
        help="use the public functions of a Python file as tools (run through the tool runner)",
    )
    add_fake_pacing_args(chat)
    chat.set_defaults(func=chat_command)

    from .classify import add_classify_parser

    add_classify_parser(sub)

    fake = sub.add_parser("fake-server", help="run the embedded fake Seed server")
    fake.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    fake.add_argument("--api-key", help="accept only this key (default: any)")
    fake.add_argument(
        "--dialect",
        choices=("ark", "aiml", "aisa", "openai"),
        default="ark",
        help="the provider it plays: errors, model ids and image rules; openai: a strict "
        "OpenAI-spec server (default: %(default)s)",
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
    fake.add_argument(
        "--rpm-limit", type=int, help="answer 429 past this many requests per --rpm-window"
    )
    fake.add_argument(
        "--rpm-window",
        type=float,
        default=60.0,
        help="the sliding window of --rpm-limit, in seconds (default: %(default)s)",
    )
    fake.add_argument(
        "--batch-delay",
        type=float,
        default=0.0,
        help="seconds a Batch Chat request waits in the queue (default: %(default)s)",
    )
    fake.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="inject a fault at that rate, e.g. overloaded=0.05 (repeatable; kinds: "
        + ", ".join(FAULT_KINDS)
        + ")",
    )
    fake.add_argument(
        "--seed", type=int, default=0, help="seed of the fault draws (default: %(default)s)"
    )
    fake.set_defaults(func=fake_server_command, interrupt_code=0, interrupt_hint="stopped")
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
        fail(speak_cli(str(exc)), EXIT_USAGE)
    except FATAL_ERRORS as exc:
        if not getattr(args, "stops_early", False):
            fail(f"{type(exc).__name__}: {exc}")
        done = f"; finished rows are kept in {args.output}" if getattr(args, "output", None) else ""
        fail(
            f"stopped early, {type(exc).__name__}: {exc}{done}. "
            f"{_FATAL_HINTS.get(type(exc).__name__, '')}".rstrip(),
            EXIT_STOPPED,
        )
    except OSError as exc:
        # A file that cannot be opened, locked or written: the user's to fix, not a crash.
        where = f" {exc.filename}" if exc.filename else ""
        fail(f"cannot use{where}: {exc.strerror or exc}", EXIT_USAGE)
    except SeedError as exc:
        fail(f"{type(exc).__name__}: {exc}")
    raise SystemExit(code)
