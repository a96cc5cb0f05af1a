"""`seedclient classify` off the happy path: wrong keys, failed rows, two runs on one file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec

from seedclient.testing import FakeSeedServer

from .cli_helpers import cli_env, run_cli, spawn_cli

ROOT = Path(__file__).resolve().parents[2]
REVIEWS = ROOT / "examples" / "reviews.csv"
LABELS = "positive,negative,neutral"


def rows_of(path: Path) -> list[dict[str, object]]:
    return [msgspec.json.decode(line) for line in path.read_text().splitlines()]


def classify_args(out: Path, *extra: str) -> list[str]:
    return [
        "classify",
        str(REVIEWS),
        "--labels",
        LABELS,
        "--id-column",
        "id",
        "-o",
        str(out),
        "--no-progress",
        *extra,
    ]


async def test_wrong_key_stops_at_once_then_the_right_key_finishes(tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    async with FakeSeedServer(api_key="right") as server:
        args = classify_args(out, "--base-url", server.url)
        wrong = await run_cli(*args, env=cli_env(SEED_API_KEY="sk-bad-key-9f3e"))
        sent_with_wrong_key = server.stats.received
        right = await run_cli(*args, env=cli_env(SEED_API_KEY="right"))
    assert wrong.code == 3, wrong.err
    assert "stopped early, AuthenticationError" in wrong.err and "Check the key" in wrong.err
    assert "Traceback" not in wrong.err and "sk-bad-key-9f3e" not in wrong.err
    assert sent_with_wrong_key == 1  # the first request goes alone
    assert right.code == 0, right.err
    rows = rows_of(out)
    assert len(rows) == 300 and len({r["id"] for r in rows}) == 300
    assert all(r["error"] is None and r["label"] in LABELS.split(",") for r in rows)


async def test_failed_rows_are_retried_by_a_clean_rerun(tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    first = await run_cli(*classify_args(out, "--fake", "--fake-fault", "server_error=0.6"))
    assert first.code == 1, first.err
    failed = [r for r in rows_of(out) if r["error"] is not None]
    assert failed and len(rows_of(out)) == 300
    second = await run_cli(*classify_args(out, "--fake"))
    assert second.code == 0, second.err
    rows = rows_of(out)
    assert len(rows) == 300 and len({r["id"] for r in rows}) == 300  # compacted: one per id
    assert all(r["error"] is None for r in rows)


async def test_no_retry_failed_keeps_the_failures(tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    first = await run_cli(*classify_args(out, "--fake", "--fake-fault", "server_error=0.6"))
    failed = {r["id"] for r in rows_of(out) if r["error"] is not None}
    again = await run_cli(*classify_args(out, "--fake", "--no-retry-failed"))
    assert first.code == 1 and again.code == 0
    assert {r["id"] for r in rows_of(out) if r["error"] is not None} == failed


async def test_a_second_run_on_the_same_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    async with FakeSeedServer(ttft=0.05) as server:
        args = classify_args(out, "--base-url", server.url, "--concurrency", "4")
        env = cli_env(SEED_API_KEY="k")
        first = await spawn_cli(*args, env=env)
        for _ in range(400):  # until the first run holds the lock and has written a row
            if out.exists() and out.stat().st_size > 0:
                break
            await asyncio.sleep(0.05)
        second = await run_cli(*args, env=env)
        await asyncio.wait_for(first.communicate(), 120)
    assert second.code == 2
    assert f"{out} is being written by another run (pid {first.pid})" in second.err
    assert "Traceback" not in second.err
    assert first.returncode == 0
    rows = rows_of(out)
    assert len(rows) == 300 and len({r["id"] for r in rows}) == 300
