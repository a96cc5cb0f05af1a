"""How a Responses stream's text adds up: seconds per MB of output at 1, 2 and 4 MB.

The accumulator keeps each item's pieces in a list and joins them once, so the time per MB
stays flat as the output grows (``+=`` on a string, as openai-python's accumulator does,
would grow with the output). Events are decoded from their JSON as a stream delivers them.

    python benchmarks/responses_accumulate.py
"""

from __future__ import annotations

import json
import time

from seedclient._resources.response_stream import ResponseAccumulator
from seedclient._wire.responses import response_event_decoder

PIECE = "lorem ipsum "  # 12 bytes a delta, as a model streams a word or two at a time


def frames(megabytes: float) -> list[bytes]:
    n = int(megabytes * 1_000_000 / len(PIECE))
    delta = {"type": "response.output_text.delta", "output_index": 0, "delta": PIECE}
    out = [json.dumps({**delta, "sequence_number": i}).encode() for i in range(n)]
    out.append(json.dumps({"type": "response.completed", "response": {"id": "r"}}).encode())
    return out


def seconds(megabytes: float) -> float:
    data = frames(megabytes)
    started = time.perf_counter()
    acc = ResponseAccumulator()
    for raw in data:
        acc.add(response_event_decoder.decode(raw))
    text = acc.response().output_text
    elapsed = time.perf_counter() - started
    assert len(text) == (len(data) - 1) * len(PIECE)
    return elapsed


def main() -> None:
    rows = [(mb, min(seconds(mb) for _ in range(3))) for mb in (1, 2, 4)]
    base = rows[0][1]
    for mb, s in rows:
        print(f"{mb} MB: {s:.3f} s, {s / mb:.3f} s/MB, {s / mb / base:.2f}x the 1 MB rate")


if __name__ == "__main__":
    main()
