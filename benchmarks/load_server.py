"""A load server that costs as little CPU as possible: raw asyncio protocol, pre-built answers.

POST with ``"stream": true`` in the body gets an SSE stream of N realistic Seed chunks, a usage
chunk and ``data: [DONE]`` (chunked encoding, keep-alive); any other POST gets a realistic
~600-byte ``chat.completion``. ``GET /stats`` answers this process's CPU seconds so far.

    python benchmarks/load_server.py --port 0 --chunks 50 --pace-ms 20

The first line of stdout is the base URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys

COMPLETION = json.dumps(
    {
        "id": "0217696554073aa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8",
        "object": "chat.completion",
        "created": 1769655407,
        "model": "seed-1-6-flash-250715",
        "service_tier": "default",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "positive"},
                "finish_reason": "stop",
                "logprobs": None,
                "moderation_hit_type": None,
            }
        ],
        "usage": {
            "prompt_tokens": 52,
            "completion_tokens": 1,
            "total_tokens": 53,
            "prompt_tokens_details": {"cached_tokens": 0, "provisioned_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "provisioned_tokens": 0},
        },
    },
    separators=(",", ":"),
).encode()


def _chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
    body = {
        "choices": [{"delta": delta, "index": 0, **({"finish_reason": finish} if finish else {})}],
        "created": 1764683408,
        "id": "021764683408123456789abcdef0123456789abcdef012345",
        "model": "seed-1-6-flash-250715",
        "service_tier": "default",
        "object": "chat.completion.chunk",
        "usage": None,
    }
    return (
        b"data: " + json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"
    )


def stream_events(n: int) -> list[bytes]:
    """N realistic chunks (content pieces), a finish chunk, a usage chunk and [DONE]."""
    words = ["The", "quick", "answer", "is", "that", "streaming", "works", "well", "here,"]
    events = [
        _chunk({"content": " " + words[i % len(words)], "role": "assistant"}) for i in range(n)
    ]
    events.append(_chunk({"content": "", "role": "assistant"}, "stop"))
    usage = {
        "choices": [],
        "created": 1764683408,
        "id": "021764683408123456789abcdef0123456789abcdef012345",
        "model": "seed-1-6-flash-250715",
        "service_tier": "default",
        "object": "chat.completion.chunk",
        "usage": {"prompt_tokens": 20, "completion_tokens": n, "total_tokens": 20 + n},
    }
    events.append(b"data: " + json.dumps(usage, separators=(",", ":")).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


RESP_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"x-request-id: 0217696554073aa1b2c3\r\nContent-Length: %d\r\n\r\n" % len(COMPLETION)
)
STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"x-request-id: 0217696554073aa1b2c3\r\nTransfer-Encoding: chunked\r\n\r\n"
)


class Handler(asyncio.Protocol):
    """One connection: parse just enough HTTP/1.1, answer from pre-built bytes."""

    def __init__(self, events: list[bytes], pace: float) -> None:
        self.buf = b""
        self.events = events
        self.pace = pace
        self.transport: asyncio.Transport | None = None
        self.whole_stream = STREAM_HEAD + b"".join(_chunked(e) for e in events) + b"0\r\n\r\n"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            total = end + 4 + length
            if len(self.buf) < total:
                return
            body = self.buf[end + 4 : total]
            self.buf = self.buf[total:]
            self.answer(head, body)

    def answer(self, head: bytes, body: bytes) -> None:
        assert self.transport is not None
        if head.startswith(b"GET /stats"):
            ru = resource.getrusage(resource.RUSAGE_SELF)
            data = json.dumps({"cpu": ru.ru_utime + ru.ru_stime}).encode()
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(data), data)
            )
        elif b'"stream":true' in body or b'"stream": true' in body:
            if self.pace:
                asyncio.get_running_loop().create_task(self.paced())
            else:
                self.transport.write(self.whole_stream)
        else:
            self.transport.write(RESP_HEAD + COMPLETION)

    async def paced(self) -> None:
        transport = self.transport
        assert transport is not None
        transport.write(STREAM_HEAD)
        for event in self.events:
            await asyncio.sleep(self.pace)
            if transport.is_closing():
                return
            transport.write(_chunked(event))
        transport.write(b"0\r\n\r\n")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=50)
    parser.add_argument("--pace-ms", type=float, default=0.0)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    events = stream_events(args.chunks)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Handler(events, args.pace_ms / 1000.0), "127.0.0.1", args.port, backlog=4096
    )
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"http://127.0.0.1:{port}/v1\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
