"""Render benchmark results (the dict run_all.py builds) as benchmarks/RESULTS.md."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def _f(x: float | None, nd: int = 1) -> str:
    return "–" if x is None else f"{x:,.{nd}f}"


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def _matrix(title: str, table: dict[str, dict[str, float]], per: str) -> list[str]:
    key = "cpu_us_per_chunk" if per == "chunk" else "cpu_us_per_request"
    lines = [
        f"### {title}",
        "",
        f"| recipe | CPU µs/{per} | × floor | req/s | p50 ms | p99 ms | first chunk ms | peak RSS MiB | server CPU share |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in table.items():
        lines.append(
            f"| {name} | {_f(m.get(key))} | {_f(m['ratio'], 2)} | {_f(m.get('rps'), 0)} | "
            f"{_f(m.get('p50_ms'), 2)} | {_f(m.get('p99_ms'), 2)} | {_f(m.get('ttfc_p50_ms'), 2)} | "
            f"{_f(m.get('peak_rss_kb', 0) / 1024)} | {_f(100 * m['server_cpu_share'], 0)}% |"
        )
    return [*lines, ""]


def _get(results: dict[str, Any], scenario: str, name: str, field: str = "ratio") -> float | None:
    value = results.get(scenario, {}).get(name, {}).get(field)
    return None if value is None else float(value)


Row = tuple[str, str, bool | None]  # target, figure, met (None: not measured)

#: Instructions (callgrind) against the floor of the same run, per figure measured.
INSTRUCTION_TARGETS = {
    "non-stream per request, C=100": 1.0,
    "non-stream per request, C=1000": 1.0,
    "stream per chunk, burst": 0.6,
    "stream per chunk, paced 20 ms": 0.6,
    "Classifier per item, C=100": 1.15,
    "SSE decode per chunk, 256-byte reads": 1.2,
    "SSE decode per chunk, 1024-byte reads": 1.2,
    "SSE decode per chunk, 16384-byte reads": 1.2,
}


def _at_most(target: str, ratio: float | None, limit: float) -> Row:
    """A row for 'this ratio to the floor is at most ``limit``'."""
    return target, _f(ratio, 2) + "×", None if ratio is None else ratio <= limit


def _advantage(target: str, ours: float | None, peer: float | None) -> Row:
    """A row for 'at least 20 times less CPU than the peer recipe'."""
    adv = None if ours is None or peer is None else peer / ours
    return target, _f(adv, 1) + "× less", None if adv is None else adv >= 20


def _targets(r: dict[str, Any]) -> list[str]:
    rows: list[Row] = []
    for c in ("c100", "c1000"):
        ours, peer = _get(r, f"nonstream_{c}", "seedclient"), _get(r, f"nonstream_{c}", "openai")
        rows.append(_at_most(f"non-stream CPU/request at {c.upper()} ≤ 1.0× floor", ours, 1.0))
        rows.append(
            _advantage(f"… and ≥ 20× less than the openai recipe at {c.upper()}", ours, peer)
        )
    for sc in ("stream_paced", "stream_burst"):
        ours, peer = _get(r, sc, "seedclient-stream"), _get(r, sc, "openai-stream")
        label = "paced 20 ms" if sc == "stream_paced" else "burst"
        rows.append(_at_most(f"stream CPU/chunk ({label}) ≤ 0.6× floor", ours, 0.6))
        rows.append(_advantage(f"… and ≥ 20× less than the openai recipe ({label})", ours, peer))
    ttfc = _get(r, "stream_paced", "seedclient-stream", "ttfc_p50_ms_ratio")
    rows.append(_at_most("time to first chunk under load ≤ 1.2× floor (paced, C=100)", ttfc, 1.2))
    imp = r.get("import", {})
    if "seedclient" in imp and "openai" in imp:
        ratio = imp["seedclient"] / imp["openai"]
        rows.append(_at_most("`import seedclient` ≤ 0.3× `import openai`", ratio, 0.3))
    mem = r.get("memory_streams", {})
    if "floor" in mem and "seedclient" in mem:
        ratio = mem["seedclient"]["kb_per_stream"] / mem["floor"]["kb_per_stream"]
        streams = mem["floor"]["streams"]
        rows.append(
            _at_most(f"RSS per open stream ({streams:,} streams) ≤ floor + 20%", ratio, 1.2)
        )
    for read, rows_ in sorted(r.get("sse_decode", {}).items(), key=lambda kv: int(kv[0])):
        ratio = rows_.get("seedclient", {}).get("ratio")
        rows.append(
            _at_most(
                f"SSE decode + chunk decode ≤ 1.2× split+msgspec floor ({read}-byte reads)",
                ratio,
                1.2,
            )
        )
    cls = _get(r, "classify_c100", "seedclient-classifier")
    rows.append(_at_most("Classifier CPU per item ≤ 1.15× floor (C=100)", cls, 1.15))
    for figure, limit in INSTRUCTION_TARGETS.items():
        row = r.get("instructions", {}).get(figure)
        ratio = row["seedclient"] / row["floor"] if row else None
        rows.append(_at_most(f"{figure}: instructions ≤ {limit:g}× floor", ratio, limit))
    bm = r.get("batch_memory", [])
    if len(bm) == 2:
        small, large = bm
        ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
        rows.append(
            _at_most(
                f"batch peak RSS flat: {large['items']:,} vs {small['items']:,} items (within 10%)",
                ratio,
                1.10,
            )
        )
    fs = r.get("fake_server", {})
    if fs:
        rows.append(
            (
                "fake server: several thousand small requests/s on one core",
                _f(fs["rps"], 0) + " req/s",
                fs["rps"] >= 2000,
            )
        )
    out = ["| target | this run | |", "|---|---:|---|"]
    out += [f"| {t} | {v} | {_met(ok)} |" for t, v, ok in rows]
    return out


def render(r: dict[str, Any]) -> str:
    v = r["versions"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `benchmarks/run_all.py{' --quick' if r['quick'] else ''}` on {r['date']}"
        + (
            " (**quick smoke run: small counts, one repeat; not for quoting**)"
            if r["quick"]
            else ""
        )
        + f", in {r['seconds']:.0f} s.",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}. "
        + "Versions: "
        + ", ".join(f"{k} {val}" for k, val in v.items())
        + ".",
        "",
        "Method: a minimal load server (raw asyncio protocol, pre-built Seed responses) in its "
        "own process pinned to core 0; each client recipe in a fresh process pinned to core 1; "
        "a warm-up opens the connections, then CPU (getrusage, user + system) is measured over "
        "the batch. Recipes are interleaved across repeats; each figure is the median over "
        "repeats and each ratio is taken against the floor of the same repeat. The floor is raw "
        "aiohttp + msgspec + `asyncio.Semaphore` (line reading for streams). This virtual "
        "machine's CPU seconds drift by ±15% between identical runs; the callgrind instruction "
        "counts (user space) below do not.",
        "",
        "## Targets",
        "",
        *_targets(r),
        "",
        "## Non-streaming",
        "",
        *_matrix("C=1 (latency)", r["nonstream_c1"], "request"),
        *_matrix("C=100", r["nonstream_c100"], "request"),
        *_matrix("C=1000", r["nonstream_c1000"], "request"),
        "## Streaming (50 chunks + usage + [DONE])",
        "",
        *_matrix("C=100, chunks paced at 20 ms", r["stream_paced"], "chunk"),
        *_matrix("C=100, burst (the whole stream in one write)", r["stream_burst"], "chunk"),
        "## Bulk classification (C=100; the floor and openai send the same requests one by one)",
        "",
        *_matrix("Classifier vs floor vs openai recipe", r["classify_c100"], "request"),
    ]
    if r.get("instructions"):
        lines += [
            "## Instructions (callgrind, user space; the floor measured in the same run)",
            "",
            "| figure | floor | seedclient | × floor | aiohttp's reads alone | × floor |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for figure, row in r["instructions"].items():
            if row:
                ratio = row["seedclient"] / row["floor"]
                reads = row.get("aiohttp_reads")
                least = f"{reads:,} | {reads / row['floor']:.3f}" if reads is not None else "– | –"
                lines.append(
                    f"| {figure} | {row['floor']:,} | {row['seedclient']:,} | {ratio:.3f} "
                    f"| {least} |"
                )
        lines += [
            "",
            "aiohttp's reads alone: a stream read with `readany()` and nothing else (no line",
            "splitting, no JSON), the least any client on aiohttp spends per chunk.",
            "",
        ]
    lines += [
        "## SSE decode micro-benchmark (no network; 200 chunks)",
        "",
        "| read size | recipe | CPU µs/chunk | chunks/s | × floor |",
        "|---:|---|---:|---:|---:|",
    ]
    for read, rows in sorted(r["sse_decode"].items(), key=lambda kv: int(kv[0])):
        for name, row in rows.items():
            lines.append(
                f"| {read} | {name} | {row['cpu_us_per_chunk']:.2f} | {row['chunks_per_s']:,.0f} | {row['ratio']:.2f} |"
            )
    imp = r["import"]
    lines += ["", "## Import time (fresh processes, median)", "", "| module | ms |", "|---|---:|"]
    lines += [f"| {k} | {val * 1000:.1f} |" for k, val in imp.items()]
    mem = r["memory_streams"]
    lines += [
        "",
        f"## Memory: {mem['floor']['streams']:,} concurrent open streams",
        "",
        "| recipe | RSS growth MiB | KiB per stream |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {k} | {m['rss_growth_kb'] / 1024:.1f} | {m['kb_per_stream']:.1f} |"
        for k, m in mem.items()
    ]
    fs = r["fake_server"]
    lines += [
        "",
        "## FakeSeedServer throughput (one core, non-streaming, C=100, raw aiohttp client)",
        "",
        f"{fs['rps']:,.0f} requests/s; the server process used {100 * fs['server_cpu_s'] / fs['wall_s']:.0f}% of its core.",
        "",
        "## Batch memory: Classifier over a generator, C=500, against the fake server",
        "",
        "| items | peak RSS MiB | items/s |",
        "|---:|---:|---:|",
    ]
    lines += [
        f"| {b['items']:,} | {b['peak_rss_mb']:.1f} | {b['items_per_s']:,.0f} |"
        for b in r["batch_memory"]
    ]
    log = Path(__file__).with_name("PROFILING.md")
    if log.exists():
        lines += ["", log.read_text().rstrip()]
    return "\n".join(lines) + "\n"
