"""`seedclient classify`: the cost before the run, a cost limit, a summary that covers the
whole file after a resume, and the progress display's waiting state."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from pathlib import Path
from typing import Any

import msgspec

from seedclient.testing import FakeSeedServer

from .cli_helpers import cli_env, run_cli, spawn_cli

ROOT = Path(__file__).resolve().parents[2]
REVIEWS = ROOT / "examples" / "reviews.csv"
LABELS = "positive,negative,neutral"


def seed18(server: FakeSeedServer, *extra: str) -> list[str]:
    """Classify the example file on a fake Ark server, as seed-1.8 (which has a price)."""
    return [
        "classify",
        str(REVIEWS),
        "--labels",
        LABELS,
        "--id-column",
        "id",
        "--gold-column",
        "label",
        "--provider",
        "byteplus",
        "--base-url",
        server.url,
        "--allow-http",
        "--model",
        "seed-1.8",
        "--no-progress",
        *extra,
    ]


def ids_of(path: Path) -> list[str]:
    return [msgspec.json.decode(line)["id"] for line in path.read_bytes().splitlines()]


async def test_dry_run_sends_nothing_and_estimates_within_ten_percent(tmp_path: Path) -> None:
    dry_json, real_json = tmp_path / "dry.json", tmp_path / "real.json"
    out = tmp_path / "labels.jsonl"
    env = cli_env(SEED_API_KEY="k")
    async with FakeSeedServer() as server:
        dry = await run_cli(*seed18(server, "--dry-run", "--summary-json", str(dry_json)), env=env)
        assert dry.code == 0, dry.err
        assert server.stats.received == 0  # nothing sent
        assert "nothing was sent" in dry.out and not out.exists()
        real = await run_cli(
            *seed18(server, "-o", str(out), "--summary-json", str(real_json)), env=env
        )
        assert real.code == 0, real.err
        sent = server.stats.received
    estimate = json.loads(dry_json.read_text())
    summary = json.loads(real_json.read_text())
    assert estimate["dry_run"] is True
    assert estimate["items"] == 300 and estimate["distinct"] == 300 == sent
    assert estimate["price"]["source"] and estimate["price"]["as_of"]
    spent_tokens = summary["prompt_tokens"] + summary["completion_tokens"]
    guessed_tokens = estimate["prompt_tokens"] + estimate["completion_tokens"]
    assert abs(guessed_tokens - spent_tokens) <= 0.1 * spent_tokens
    # The fake caches half of long prompts (as Ark does): cached input is cheaper, so the
    # estimate (which assumes none) may only be above the bill, and by little.
    assert summary["cost_usd"] > 0
    assert summary["cost_usd"] <= estimate["cost_usd"] <= 1.1 * summary["cost_usd"] + 1e-9
    assert f"${summary['cost_usd']:.6f}" in real.err  # the table shows the same cost


async def test_max_cost_refuses_a_run_whose_estimate_passes_it(tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    env = cli_env(SEED_API_KEY="k")
    async with FakeSeedServer() as server:
        r = await run_cli(*seed18(server, "-o", str(out), "--max-cost", "0.00001"), env=env)
        sent = server.stats.received
    assert r.code == 3, r.err
    assert "stopped before sending anything: the estimate $" in r.err
    assert "passes --max-cost $1e-05" in r.err
    assert sent == 0 and not (out.exists() and out.read_bytes())


async def test_max_cost_stops_a_run_that_costs_more_than_estimated(tmp_path: Path) -> None:
    """Most answers are not a label, so each text is asked twice: about twice the estimate.
    The run stops before passing the limit (exit 3), keeps every finished row, and a rerun
    without the limit completes the file with each id once."""
    out, dry_json = tmp_path / "labels.jsonl", tmp_path / "dry.json"
    fake = ["--fake", "--fake-fault", "bad_answer=0.9", "--model", "seed-1.8"]
    base = ["classify", str(REVIEWS), "--labels", LABELS, "--id-column", "id", "--no-progress"]
    dry = await run_cli(*base, *fake, "--dry-run", "--summary-json", str(dry_json))
    assert dry.code == 0, dry.err
    limit = 1.3 * json.loads(dry_json.read_text())["cost_usd"]
    summary = tmp_path / "summary.json"
    stopped = await run_cli(
        *base, *fake, "-o", str(out), "--max-cost", f"{limit:.8f}", "--summary-json", str(summary)
    )
    assert stopped.code == 3, stopped.err
    assert "stopped early, CostLimitError: the run would pass max_cost" in stopped.err
    assert f"finished rows are kept in {out}" in stopped.err
    kept = ids_of(out)
    assert 0 < len(kept) < 300 and len(set(kept)) == len(kept)
    done = await run_cli(*base, *fake, "-o", str(out))
    assert done.code in (0, 1), done.err  # 1: some texts never got a label (bad answers)
    assert sorted(ids_of(out)) == sorted(f"rev-{i:04d}" for i in range(1, 301))


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on how many runs made the file."""
    keep = (
        "rows",
        "labelled",
        "labels",
        "failed",
        "gold",
        "confidence_histogram",
        "least_confident",
        "prompt_tokens",
        "cached_tokens",
        "completion_tokens",
        "reasoning_tokens",
    )
    out = {k: summary[k] for k in keep}
    out["cost_usd"] = round(summary["cost_usd"], 9)
    return out


async def test_a_resumed_runs_summary_equals_one_uninterrupted_run(tmp_path: Path) -> None:
    env = cli_env(SEED_API_KEY="k")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    sums = {name: tmp_path / f"{name}.json" for name in ("one", "first", "two")}
    async with FakeSeedServer() as server:
        whole = await run_cli(
            *seed18(server, "-o", str(one), "--summary-json", str(sums["one"])), env=env
        )
        part = await run_cli(
            *seed18(server, "-o", str(two), "--limit", "120", "--summary-json", str(sums["first"])),
            env=env,
        )
        rest = await run_cli(
            *seed18(server, "-o", str(two), "--summary-json", str(sums["two"])), env=env
        )
    assert (whole.code, part.code, rest.code) == (0, 0, 0), rest.err
    first = json.loads(sums["first"].read_text())
    assert first["rows"] == 120
    resumed = json.loads(sums["two"].read_text())
    assert resumed["resumed"] == 120 and resumed["runs"] == 2
    assert resumed["this_run"]["rows"] == 180
    assert comparable(resumed) == comparable(json.loads(sums["one"].read_text()))
    assert resumed["gold"]["seen"] == 300 and resumed["gold"]["accuracy"] > 0.8
    assert "already done (resumed)" in rest.err and "over 2 runs" in rest.err
    assert one.read_bytes() == two.read_bytes()  # the same file, in input order


async def test_progress_says_when_it_waits_for_the_rate_limit(tmp_path: Path) -> None:
    """600 texts against a 300-a-minute limit: the 301st waits most of a minute, and the
    bar says so (rich's bar, rendered as on a terminal)."""
    src = tmp_path / "texts.txt"
    src.write_text("".join(f"text {i} is {'fine' if i % 2 else 'awful'}\n" for i in range(600)))
    out = tmp_path / "labels.jsonl"
    env = cli_env(FORCE_COLOR="1", COLUMNS="220")
    proc = await spawn_cli(
        "classify",
        str(src),
        "--labels",
        LABELS,
        "--fake",
        "--fake-rpm",
        "300",
        "--fake-fault",
        "rate_limit=0.2",
        "-o",
        str(out),
        env=env,
    )
    assert proc.stderr is not None
    waiting = re.compile(rb"rate limited: resuming in \d+ s")
    seen = bytearray()

    async def until_it_waits() -> None:
        while not waiting.search(seen):
            block = await proc.stderr.read(4096)
            assert block, f"the run ended without saying it waited: {bytes(seen[-2000:])!r}"
            seen.extend(block)

    try:
        await asyncio.wait_for(until_it_waits(), 60)
    finally:
        proc.send_signal(signal.SIGINT)
        await proc.wait()
    plain = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen).decode(errors="replace")
    assert "/600" in plain  # the total is the items, not the lines of some other count
    assert re.search(r"429s \d+", plain) and "retried" in plain and "tokens" in plain
    assert proc.returncode == 130
    kept = ids_of(out)
    # What was done before the wait is kept: most of the minute's 300 requests (a fifth of
    # them were answered 429 and some retried).
    assert len(kept) == len(set(kept)) >= 200


async def test_cache_prefix_gives_the_same_labels_for_less(tmp_path: Path) -> None:
    env = cli_env(SEED_API_KEY="k")
    plain, cached = tmp_path / "plain.jsonl", tmp_path / "cached.jsonl"
    sums = {name: tmp_path / f"{name}.json" for name in ("plain", "cached")}
    async with FakeSeedServer() as server:
        a = await run_cli(
            *seed18(server, "-o", str(plain), "--summary-json", str(sums["plain"])), env=env
        )
        b = await run_cli(
            *seed18(
                server, "-o", str(cached), "--summary-json", str(sums["cached"]), "--cache-prefix"
            ),
            env=env,
        )
    assert (a.code, b.code) == (0, 0), b.err
    labels = [
        [(r["id"], r["label"]) for r in map(msgspec.json.decode, path.read_bytes().splitlines())]
        for path in (plain, cached)
    ]
    assert labels[0] == labels[1]
    one, two = (json.loads(sums[n].read_text()) for n in ("plain", "cached"))
    assert two["cached_tokens"] > one["cached_tokens"] and two["cost_usd"] < one["cost_usd"]
    assert "saved by cached input" in b.err
