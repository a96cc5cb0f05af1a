"""The CPU guard: instructions per request and per streamed chunk must not rise.

    python benchmarks/guard.py            # check against benchmarks/baseline.json
    python benchmarks/guard.py --record   # write this run's figures there (only lower ones)

callgrind counts user-space instructions for the seedclient recipes and the floor (raw
aiohttp + msgspec) in the same run, against the load server, as ``callgrind_ab.py`` does
(C=100; 300 and 900 requests, 100 and 300 streams of 50 chunks; the difference of the two
run lengths, so start-up cancels out). The check is on the ratio to the floor: it fails
when a ratio is more than 2% above the recorded one (aiohttp or Python moving the floor
moves both). Instruction counts are stable on this machine to a few tenths of a percent
between runs; CPU seconds are not, so they are never checked here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
from pathlib import Path

from callgrind_ab import count, server

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"
TOLERANCE = 1.02
#: figure -> (recipe, floor recipe, small run, large run, units a request)
FIGURES = {
    "request": ("seedclient", "floor", 300, 900, 1),
    "chunk": ("seedclient-stream", "floor-stream", 100, 300, 50),
}


def measure() -> dict[str, dict[str, float]]:
    """This run's instructions per unit, for seedclient and the floor, per figure."""
    proc, url = server()
    tree = str(HERE.parent)
    out: dict[str, dict[str, float]] = {}
    try:
        for figure, (recipe, floor, small, large, per) in FIGURES.items():
            row = {}
            for name, run in (("seedclient", recipe), ("floor", floor)):
                a = count(tree, run, url, small)
                b = count(tree, run, url, large)
                row[name] = round((b - a) / (large - small) / per)
            row["ratio"] = round(row["seedclient"] / row["floor"], 4)
            out[figure] = row
            print(f"{figure}: {row}", flush=True)
    finally:
        proc.terminate()
    return out


def check(now: dict[str, dict[str, float]], base: dict[str, dict[str, float]]) -> list[str]:
    """What rose past the tolerance (empty: nothing)."""
    failures = []
    for figure, row in now.items():
        was = base.get(figure)
        if was is None:
            failures.append(f"{figure}: no recorded figure in {BASELINE.name} (run --record)")
        elif row["ratio"] > was["ratio"] * TOLERANCE:
            failures.append(
                f"{figure}: {row['seedclient']:,} instructions, {row['ratio']:.3f}x the floor; "
                f"recorded {was['seedclient']:,}, {was['ratio']:.3f}x (+{TOLERANCE - 1:.0%} allowed)"
            )
    return failures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", action="store_true", help="write lower figures to the baseline")
    args = parser.parse_args()
    now = measure()
    base = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    if args.record:
        figures = base.get("figures", {})
        for figure, row in now.items():
            if figure not in figures or row["ratio"] < figures[figure]["ratio"]:
                figures[figure] = row
        BASELINE.write_text(
            json.dumps(
                {
                    "date": dt.date.today().isoformat(),
                    "python": platform.python_version(),
                    "note": "one run of guard.py --record (a median of runs is steadier)",
                    "figures": figures,
                },
                indent=1,
            )
            + "\n"
        )
        print(f"recorded in {BASELINE}")
        return 0
    failures = check(now, base.get("figures", {}))
    for line in failures:
        print("GUARD:", line, file=sys.stderr)
    print("guard: " + ("FAILED" if failures else "instructions within 2% of the baseline"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
