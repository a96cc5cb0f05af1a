"""SSE decode micro-benchmark (no network): decoder + chunk decoding, CPU per chunk.

Decoders fed the same realistic Seed stream (N chunks + usage + [DONE]) in 1 KiB reads:

- floor: ``bytes.split(b"\\n\\n")`` + ``msgspec.json.decode`` (no SSE rules at all);
- seedclient: ``SSEDecoder.feed_joined`` and the cached ``ChatCompletionChunk`` decoder,
  as ChatStream uses them (a read's plain events decoded in one call);
- httpx-sse: its line and event decoders + ``json.loads``;
- openai: its ``SSEDecoder`` + ``construct_type`` into its ``ChatCompletionChunk`` models.

Prints one JSON line per recipe: median CPU microseconds per chunk over interleaved repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from load_server import stream_events


def _pieces(n_chunks: int, read: int) -> tuple[list[bytes], int]:
    data = b"".join(stream_events(n_chunks))
    return [data[i : i + read] for i in range(0, len(data), read)], n_chunks + 2


def floor(pieces: list[bytes]) -> int:
    import msgspec

    decode = msgspec.json.decode
    n = 0
    buf = b""
    for piece in pieces:
        buf += piece
        *events, buf = buf.split(b"\n\n")
        for ev in events:
            payload = ev[6:]
            if payload != b"[DONE]":
                decode(payload)
                n += 1
    return n


def seedclient(pieces: list[bytes]) -> int:
    """What ChatStream does: a read of plain events packed by ``feed_joined`` and decoded
    in one call (one event: ``decode``), anything else event by event."""
    from seedclient import SSEDecoder
    from seedclient._wire.chat import chunk_decoder

    decode, decode_lines = chunk_decoder.decode, chunk_decoder.decode_lines
    dec = SSEDecoder()
    n = 0
    for piece in pieces:
        got = dec.feed_joined(piece)
        if isinstance(got, tuple):
            data, count = got
            if count == 1:
                if data != b"[DONE]":
                    decode(data)
                    n += 1
                continue
            if data.endswith(b"\n[DONE]"):
                data, count = data[:-7], count - 1
            decode_lines(data)
            n += count
        else:
            for _, data, _, _ in got:
                if data != b"[DONE]":
                    decode(data)
                    n += 1
    return n


def httpx_sse(pieces: list[bytes]) -> int:
    from httpx_sse._decoders import SSEDecoder, SSELineDecoder

    lines = SSELineDecoder()
    dec = SSEDecoder()
    n = 0
    for piece in pieces:
        for line in lines.decode(piece.decode()):
            ev = dec.decode(line)
            if ev is not None and ev.data != "[DONE]":
                json.loads(ev.data)
                n += 1
    return n


def openai(pieces: list[bytes]) -> int:
    from openai._models import construct_type
    from openai._streaming import SSEDecoder
    from openai.types.chat import ChatCompletionChunk

    n = 0
    for sse in SSEDecoder().iter_bytes(iter(pieces)):
        if sse.data != "[DONE]":
            construct_type(type_=ChatCompletionChunk, value=sse.json())
            n += 1
    return n


RECIPES: dict[str, Callable[[list[bytes]], int]] = {
    "floor": floor,
    "seedclient": seedclient,
    "httpx-sse": httpx_sse,
    "openai": openai,
}


def measure(fn: Callable[[list[bytes]], int], pieces: list[bytes], rounds: int) -> float:
    fn(pieces)  # warm: imports, caches
    t = time.process_time()
    chunks = 0
    for _ in range(rounds):
        chunks += fn(pieces)
    return (time.process_time() - t) / chunks * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--read", type=int, default=1024, help="bytes per read")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--recipes", default=",".join(RECIPES))
    args = parser.parse_args()
    pieces, _ = _pieces(args.chunks, args.read)
    names = [n for n in args.recipes.split(",") if n]
    samples: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(args.repeats):  # interleaved
        for name in names:
            try:
                samples[name].append(measure(RECIPES[name], pieces, args.rounds))
            except ImportError:
                samples[name] = []
    for name in names:
        if samples[name]:
            med = statistics.median(samples[name])
            print(json.dumps({"recipe": name, "cpu_us_per_chunk": med, "chunks_per_s": 1e6 / med}))


if __name__ == "__main__":
    main()
