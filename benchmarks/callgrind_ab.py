"""callgrind A/B: user-space instructions per non-streamed request and per streamed chunk,
for two source trees, interleaved.

    git worktree add /tmp/before <commit>
    python benchmarks/callgrind_ab.py before=/tmp/before after=.

Each tree is imported through ``PYTHONPATH``; the client recipes and the load server are this
checkout's. A figure is the difference of two run lengths (start-up cancels out) divided by
the extra requests (or chunks); three interleaved repeats, medians printed last. Keep the
machine otherwise idle: under CPU contention the loop batches more work per iteration and the
counts per request drop for reasons that have nothing to do with the code.
``AB_KINDS=request`` (or ``chunk``) measures one of the two; ``AB_REPS`` sets the repeats.
``SEEDCLIENT_BENCH_TELEMETRY=hooks`` (or ``otel``) runs the seedclient recipes with a hook
that does nothing (or OpenTelemetry's SDK recording in memory). A tree named ``floor``
(``floor=-``) runs the floor recipes instead: raw aiohttp + msgspec, no seedclient.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
KINDS = [
    ("request", "seedclient", 300, 900, 1),
    ("chunk", "seedclient-stream", 100, 300, 50),  # 50 chunks a stream
]


def server() -> tuple[subprocess.Popen[str], str]:
    """The load server on core 0 (burst streams of 50 chunks): the process and its URL."""
    cmd = [PY, str(HERE / "load_server.py"), "--chunks", "50"]
    proc = subprocess.Popen(
        ["taskset", "-c", "0", *cmd], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def count(tree: str, recipe: str, url: str, n: int) -> int:
    """User-space instructions of one run of ``recipe`` (``n`` requests at C=100) on core 1."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PY]
    cmd += [str(HERE / "client_recipes.py"), recipe, "--url", url, "--requests", str(n)]
    res = subprocess.run(
        ["taskset", "-c", "1", *cmd, "--concurrency", "100"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": tree},
        check=False,
    )
    lines = [line for line in res.stderr.splitlines() if "Collected" in line]
    if not lines:
        raise SystemExit(res.stderr[-2000:])
    return int(lines[-1].split()[-1])


def main() -> None:
    trees = dict(arg.split("=", 1) for arg in sys.argv[1:])
    out: dict[tuple[str, str], list[float]] = {}
    wanted = os.environ.get("AB_KINDS", "request,chunk").split(",")
    for label, recipe, small, large, per in (k for k in KINDS if k[0] in wanted):
        proc, url = server()
        try:
            for rep in range(int(os.environ.get("AB_REPS", "3"))):
                for name, tree in trees.items():
                    run = recipe.replace("seedclient", "floor") if name == "floor" else recipe
                    a = count(tree, run, url, small)
                    b = count(tree, run, url, large)
                    value = (b - a) / (large - small) / per
                    out.setdefault((label, name), []).append(value)
                    print(label, name, rep, round(value), flush=True)
        finally:
            proc.terminate()
    for (label, name), values in out.items():
        print("MEDIAN", label, name, round(statistics.median(values)), [round(v) for v in values])


if __name__ == "__main__":
    main()
