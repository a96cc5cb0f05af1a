"""Run every benchmark and rewrite benchmarks/RESULTS.md. ``--quick``: a smoke run (< 3 min),
then the instruction guard (``guard.py``), whose failure fails the run.

Method: servers run in their own process pinned to core 0, each client recipe in a fresh
process pinned to core 1 (where ``taskset`` exists); recipes are interleaved across repeats;
every figure is the median over repeats, and every ratio is taken against the floor of the
same repeat before the median. With ``valgrind`` installed and not ``--quick``, instruction
counts per request (callgrind, user space only) are added: they do not drift with the
virtual machine's clock the way CPU seconds do.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PY = sys.executable
TASKSET = shutil.which("taskset")
SERVER_CORE, CLIENT_CORE = "0", "1"
PEERS_NON_STREAM = ["openai", "openai-aiohttp"]
PEERS_STREAM = ["openai-stream", "openai-aiohttp-stream", "httpx-sse-stream"]


def pinned(core: str, cmd: list[str]) -> list[str]:
    return [TASKSET, "-c", core, *cmd] if TASKSET and (os.cpu_count() or 1) > 1 else cmd


class Server:
    """A server subprocess: its URL and the CPU seconds it used."""

    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(
            pinned(SERVER_CORE, cmd), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1"):
            raise RuntimeError(f"server did not start: {cmd}")

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def load_server(chunks: int = 50, pace_ms: float = 0.0) -> Server:
    return Server(
        [PY, str(HERE / "load_server.py"), "--chunks", str(chunks), "--pace-ms", str(pace_ms)]
    )


def run_json(cmd: list[str], timeout: float = 1800) -> dict[str, Any]:
    out = subprocess.run(
        pinned(CLIENT_CORE, cmd), capture_output=True, text=True, timeout=timeout, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def recipe(name: str, server: Server, requests: int, concurrency: int) -> dict[str, Any]:
    cpu0 = server.cpu()
    result = run_json(
        [
            PY,
            str(HERE / "client_recipes.py"),
            name,
            "--url",
            server.url,
            "--requests",
            str(requests),
            "--concurrency",
            str(concurrency),
        ]
    )
    result["server_cpu_s"] = server.cpu() - cpu0
    return result


def available(name: str) -> bool:
    sys.path.insert(0, str(HERE))
    from client_recipes import available as ok

    return name == "seedclient-classifier" or ok(name)


def matrix(
    names: list[str], server: Server, requests: int, concurrency: int, repeats: int, key: str
) -> dict[str, dict[str, float]]:
    """Interleaved repeats; medians of each figure and of its ratio to the same repeat's floor."""
    names = [n for n in names if available(n)]
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for _ in range(repeats):
        for name in names:
            runs[name].append(recipe(name, server, requests, concurrency))
    floor = runs[names[0]]
    table: dict[str, dict[str, float]] = {}
    for name in names:
        rows = runs[name]
        med = {
            k: statistics.median(r[k] for r in rows)
            for k in rows[0]
            if isinstance(rows[0][k], (int, float))
        }
        med["ratio"] = statistics.median(r[key] / f[key] for r, f in zip(rows, floor, strict=True))
        for extra in ("p50_ms", "ttfc_p50_ms", "peak_rss_kb"):
            if rows[0].get(extra) and floor[0].get(extra):
                med[f"{extra}_ratio"] = statistics.median(
                    r[extra] / f[extra] for r, f in zip(rows, floor, strict=True)
                )
        med["server_cpu_share"] = statistics.median(r["server_cpu_s"] / r["wall_s"] for r in rows)
        table[name] = med
    return table


def import_times(repeats: int) -> dict[str, float]:
    code = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"
    out: dict[str, float] = {}
    for mod in ("seedclient", "openai"):
        samples = []
        for _ in range(repeats):
            res = subprocess.run(
                [PY, "-c", code.format(m=mod)], capture_output=True, text=True, check=False
            )
            if res.returncode != 0:
                break
            samples.append(float(res.stdout))
        if samples:
            out[mod] = statistics.median(samples)
    return out


def callgrind(cmd: list[str]) -> int | None:
    """User-space instructions of one command (callgrind), or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    res = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PY, *cmd],
        capture_output=True,
        text=True,
        check=False,
    )
    line = [ln for ln in res.stderr.splitlines() if "Collected" in ln]
    return int(line[-1].split()[-1]) if line else None


def instructions(
    name: str, server: Server, small: int, large: int, concurrency: int = 100, per: int = 1
) -> int | None:
    """Instructions per request (``per``: per unit of a request, e.g. a stream's chunks):
    the difference of two run lengths, so start-up cancels out."""
    counts = []
    for n in (small, large):
        recipe = [str(HERE / "client_recipes.py"), name, "--url", server.url]
        counts.append(callgrind([*recipe, "--requests", str(n), "--concurrency", str(concurrency)]))
    if None in counts:
        return None
    return (counts[1] - counts[0]) // ((large - small) * per)  # type: ignore[operator]


def sse_instructions(name: str, read: int, chunks: int = 200) -> int | None:
    """Instructions per chunk of the SSE micro-benchmark's recipe (10 vs 30 rounds)."""
    counts = []
    for rounds in (10, 30):
        counts.append(
            callgrind(
                [
                    str(HERE / "sse_decode.py"),
                    *("--recipes", name, "--read", str(read), "--chunks", str(chunks)),
                    *("--rounds", str(rounds), "--repeats", "1"),
                ]
            )
        )
    if None in counts:
        return None
    return (counts[1] - counts[0]) // (20 * (chunks + 2))  # type: ignore[operator]


def pair(floor: int | None, ours: int | None, reads: int | None = None) -> dict[str, int] | None:
    """A figure's row; ``reads``: aiohttp's reads alone (no client), the least any client on
    aiohttp can spend."""
    if floor is None or ours is None:
        return None
    row = {"floor": floor, "seedclient": ours}
    if reads is not None:
        row["aiohttp_reads"] = reads
    return row


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in (
        "seedclient",
        "aiohttp",
        "msgspec",
        "anyio",
        "openai",
        "httpx",
        "httpx-sse",
        "httpx2",
        "rich",
    ):
        with contextlib.suppress(PackageNotFoundError):
            out[pkg] = version(pkg)
    return out


KEEP_MARKER = "<!-- benchmarks run by hand: kept by run_all.py -->"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small counts, one repeat")
    parser.add_argument(
        "--output",
        help="where to write the report (default: benchmarks/RESULTS.md for a full run; "
        "a file in a temporary folder for --quick, whose figures are not for quoting)",
    )
    args = parser.parse_args()
    if args.output is None:
        if args.quick:
            import tempfile

            args.output = str(Path(tempfile.mkdtemp()) / "RESULTS.md")
        else:
            args.output = str(HERE / "RESULTS.md")
    q = args.quick
    reps = 1 if q else 5  # CPU seconds vary by a third between runs here: medians of five
    started = time.perf_counter()
    results: dict[str, Any] = {
        "quick": q,
        "versions": versions(),
        "date": dt.date.today().isoformat(),
    }

    server = load_server()
    try:
        ns = ["floor", "seedclient", *PEERS_NON_STREAM]
        results["nonstream_c1"] = matrix(
            ns, server, 50 if q else 300, 1, reps, "cpu_us_per_request"
        )
        results["nonstream_c100"] = matrix(
            ns, server, 300 if q else 3000, 100, reps, "cpu_us_per_request"
        )
        results["nonstream_c1000"] = matrix(
            ns, server, 1000 if q else 6000, 1000, reps, "cpu_us_per_request"
        )
        results["classify_c100"] = matrix(
            ["floor", "seedclient-classifier", "openai"],
            server,
            300 if q else 3000,
            100,
            reps,
            "cpu_us_per_request",
        )
        st = ["floor-stream", "seedclient-stream", *PEERS_STREAM]
        results["stream_burst"] = matrix(
            st, server, 50 if q else 600, 100, reps, "cpu_us_per_chunk"
        )
        if not q:
            ins = results["instructions"] = {}
            floor = instructions("floor", server, 300, 900)
            ins["non-stream per request, C=100"] = pair(
                floor, instructions("seedclient", server, 300, 900)
            )
            ins["non-stream per request, C=1000"] = pair(
                instructions("floor", server, 2000, 4000, 1000),
                instructions("seedclient", server, 2000, 4000, 1000),
            )
            ins["Classifier per item, C=100"] = pair(
                floor, instructions("seedclient-classifier", server, 300, 900)
            )
            ins["stream per chunk, burst"] = pair(
                instructions("floor-stream", server, 100, 300, per=50),
                instructions("seedclient-stream", server, 100, 300, per=50),
                instructions("aiohttp-read-stream", server, 100, 300, per=50),
            )
    finally:
        server.close()

    paced = load_server(chunks=10 if q else 50, pace_ms=20)
    try:
        results["stream_paced"] = matrix(
            ["floor-stream", "seedclient-stream", *PEERS_STREAM],
            paced,
            50 if q else 300,
            100,
            reps,
            "cpu_us_per_chunk",
        )
        if not q:
            # C=10: slowed down by callgrind, the client still keeps pace with the server.
            results["instructions"]["stream per chunk, paced 20 ms"] = pair(
                instructions("floor-stream", paced, 20, 60, 10, per=50),
                instructions("seedclient-stream", paced, 20, 60, 10, per=50),
                instructions("aiohttp-read-stream", paced, 20, 60, 10, per=50),
            )
    finally:
        paced.close()

    results["sse_decode"] = {}
    for read in (256, 1024, 16384):
        out = subprocess.run(
            pinned(
                CLIENT_CORE,
                [
                    PY,
                    str(HERE / "sse_decode.py"),
                    "--read",
                    str(read),
                    "--rounds",
                    "10" if q else "100",
                    "--repeats",
                    "1" if q else "5",
                ],
            ),
            capture_output=True,
            text=True,
            check=True,
        )
        rows = {r["recipe"]: r for r in map(json.loads, out.stdout.splitlines())}
        for r in rows.values():
            r["ratio"] = r["cpu_us_per_chunk"] / rows["floor"]["cpu_us_per_chunk"]
        results["sse_decode"][read] = rows
        if not q:
            results["instructions"][f"SSE decode per chunk, {read}-byte reads"] = pair(
                sse_instructions("floor", read), sse_instructions("seedclient", read)
            )

    results["import"] = import_times(3 if q else 10)

    n_streams = 500 if q else 10_000
    slow = load_server(chunks=30, pace_ms=1000)
    try:
        mem = {}
        for name in ("floor", "seedclient"):
            mem[name] = run_json(
                [
                    PY,
                    str(HERE / "memory_streams.py"),
                    name,
                    "--url",
                    slow.url,
                    "--streams",
                    str(n_streams),
                ]
            )
        results["memory_streams"] = mem
    finally:
        slow.close()

    fake = Server(
        [
            PY,
            "-m",
            "seedclient",
            "fake-server",
            "--port",
            "0",
            "--ttft",
            "0",
            "--tokens-per-second",
            "0",
        ]
    )
    try:
        results["fake_server"] = recipe("floor", fake, 500 if q else 5000, 100)
        results["batch_memory"] = [
            run_json(
                [
                    PY,
                    str(HERE / "batch_memory.py"),
                    "--url",
                    fake.url,
                    "--items",
                    str(n),
                    "--concurrency",
                    "500",
                ]
            )
            for n in ((2_000, 20_000) if q else (100_000, 1_000_000))
        ]
    finally:
        fake.close()

    results["seconds"] = time.perf_counter() - started
    (HERE / ".runs").mkdir(exist_ok=True)
    (HERE / ".runs" / f"{'quick' if q else 'full'}.json").write_text(json.dumps(results, indent=1))
    sys.path.insert(0, str(HERE))
    from report import render

    out = Path(args.output)
    report = render(results)
    # Sections of benchmarks run by hand (resume memory, rate learning) are kept.
    # The profiling log is rendered from PROFILING.md above the marker: never kept twice.
    if out.exists() and KEEP_MARKER in out.read_text():
        kept = out.read_text().split(KEEP_MARKER, 1)[1].split("\n## Profiling log", 1)[0]
        report += "\n" + KEEP_MARKER + kept.rstrip() + "\n"
    out.write_text(report)
    print(f"wrote {args.output} in {results['seconds']:.0f}s")
    if q:  # the guard: instructions per request and per chunk against baseline.json
        sys.exit(subprocess.run([PY, str(HERE / "guard.py")], check=False).returncode)


if __name__ == "__main__":
    main()
