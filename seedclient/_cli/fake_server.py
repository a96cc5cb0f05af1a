"""``seedclient fake-server``: the embedded fake Seed server from the shell."""

from __future__ import annotations

import argparse
import asyncio
import sys

from .common import fault_plan, write


async def fake_server_command(args: argparse.Namespace) -> int:
    from ..testing import FakeSeedServer

    plan = fault_plan(args.fault, args.seed)
    server = FakeSeedServer(
        api_key=args.api_key,
        dialect=args.dialect,
        faults=plan,
        ttft=args.ttft,
        tokens_per_second=args.tokens_per_second or None,
        rpm_limit=args.rpm_limit,
        rpm_window=args.rpm_window,
        batch_delay=args.batch_delay,
        port=args.port,
    )
    async with server:
        write(sys.stdout, server.url + "\n")
        print("fake Seed server running; Ctrl-C to stop", file=sys.stderr, flush=True)
        await asyncio.Event().wait()
    return 0
