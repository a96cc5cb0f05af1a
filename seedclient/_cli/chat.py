"""``seedclient chat``: stream an answer to the terminal (reasoning dimmed), tools too."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from .._client import SeedClient
from .answer import Answer, answer_by_responses, summary_line
from .common import EXIT_USAGE, fail, open_client, write


def _prompt(args: argparse.Namespace) -> str:
    if args.prompt and args.prompt != "-":
        return str(args.prompt)
    if sys.stdin.isatty():
        print("type the prompt; end it with Ctrl-D on a line of its own", file=sys.stderr)
    text = sys.stdin.read()
    if not text.strip():
        fail("the prompt on stdin is empty", EXIT_USAGE)
    return text


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
    if args.prompt is None and sys.stdin.isatty() and not args.json:
        return await _session(args)
    messages: list[dict[str, str]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": _prompt(args)})
    params: dict[str, Any] = {"model": args.model, "messages": messages}
    for name in ("thinking", "max_tokens", "temperature", "extra_body"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    if args.tools and args.responses:
        fail("--tools works on chat completions, not with --responses", EXIT_USAGE)
    tools = _load_tools(args.tools) if args.tools else None
    if args.fake:
        args.fake_options = _fake_pacing(args)
    term = Answer(show_reasoning=(args.show_reasoning or sys.stderr.isatty()) and not args.json)
    try:
        async with open_client(args) as client:
            started = time.perf_counter()
            term.wait()
            if tools is not None:
                done = await _chat_with_tools(client, params, tools, term, args.json)
            elif args.responses:
                done = await answer_by_responses(client, params, term, show=not args.json)
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
    said = str(getattr(done, "content", None) or getattr(done, "output_text", ""))
    if args.json:
        write(sys.stdout, done.model_dump_json(indent=2) + "\n")
    elif said and not said.endswith("\n"):
        write(sys.stdout, "\n")
    if not args.quiet:
        term.note(summary_line(done, started, term.first, client, elapsed))
    return 0


async def _session(args: argparse.Namespace) -> int:
    """No prompt, on a terminal: a conversation (see ``session``)."""
    from .session import ChatSession

    if args.tools:
        fail("--tools takes one prompt: give it, or pipe it on stdin", EXIT_USAGE)
    params = {
        name: getattr(args, name)
        for name in ("thinking", "max_tokens", "temperature", "extra_body")
        if getattr(args, name) is not None
    }
    if args.fake:
        args.fake_options = _fake_pacing(args)
    async with open_client(args) as client:
        return await ChatSession(client, args, params).run()


async def _chat_with_tools(
    client: SeedClient, params: dict[str, Any], tools: list[Any], term: Answer, json: bool
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
