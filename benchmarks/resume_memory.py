"""Peak memory of a resume over N done ids (issue: at most ~16 bytes per id; 10M under 250 MB).

Writes a JSONL results file of N successful rows (plus 1% failed), then, in a fresh process,
opens it as a Checkpoint (what a resumed run does first), checks a few ids, and reports the
peak RSS of that process and its baseline (the same process before the load).

    python benchmarks/resume_memory.py [N]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

CHILD = """
import resource, sys, time
from seedclient._bulk.checkpoint import Checkpoint
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
c = Checkpoint(sys.argv[1])
load = time.perf_counter() - t
n = int(sys.argv[2])
assert "row-000000000001" in c.done and f"row-{n - 1:012d}" in c.done
assert "row-000000000100" not in c.done  # failed: sent again
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(base, peak, len(c.done), c.resumed_failed, f"{load:.1f}")
c.close()
"""


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "labels.jsonl")
        with open(path, "w") as f:
            for i in range(n):
                error = '{"type":"InternalServerError","message":"500"}' if i % 100 == 0 else "null"
                label = "null" if i % 100 == 0 else '"positive"'
                f.write(
                    f'{{"id":"row-{i:012d}","label":{label},"confidence":0.9,"error":{error}}}\n'
                )
        size = os.path.getsize(path)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, path, str(n)], capture_output=True, text=True, check=True
        )
    base, peak, done, failed, load = out.stdout.split()
    grown_mb = (int(peak) - int(base)) / 1024
    print(f"date {time.strftime('%Y-%m-%d')} · python {sys.version.split()[0]}")
    print(f"ids {n:,} ({done} done, {failed} failed) · file {size / 1e6:.0f} MB · load {load} s")
    print(
        f"peak RSS {int(peak) / 1024:.0f} MB (baseline {int(base) / 1024:.0f} MB, grown {grown_mb:.0f} MB)"
    )
    print(f"bytes per done id (growth / ids): {grown_mb * 1024 * 1024 / n:.1f}")


if __name__ == "__main__":
    main()
