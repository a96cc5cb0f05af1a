"""`seedclient classify` as a user runs it: subprocesses, files, crashes and resumes."""

from __future__ import annotations

import asyncio
import csv
import signal
from pathlib import Path

import msgspec

from seedclient.testing import FakeSeedServer

from .cli_helpers import cli_env, run_cli, spawn_cli

ROOT = Path(__file__).resolve().parents[2]
REVIEWS = ROOT / "examples" / "reviews.csv"
LABELS = "positive,negative,neutral"


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [msgspec.json.decode(line) for line in path.read_text().splitlines()]


async def test_readme_main_command_on_the_example_file() -> None:
    r = await run_cli(
        "classify", str(REVIEWS), "--labels", LABELS, "--fake", "--gold-column", "label"
    )
    assert r.code == 0, r.err
    rows = [msgspec.json.decode(line) for line in r.out.splitlines()]
    assert len(rows) == 300
    assert {row["id"] for row in rows} == {str(i) for i in range(1, 301)}
    assert all(row["label"] in LABELS.split(",") and row["error"] is None for row in rows)
    assert all(0 < row["confidence"] < 1 for row in rows)
    assert "accuracy vs gold" in r.err
    accuracy = float(r.err.split("accuracy vs gold")[1].split("%")[0].strip(" │|"))
    assert accuracy > 80
    assert "requests/s" in r.err


async def test_file_output_csv_and_resume(tmp_path: Path) -> None:
    out = tmp_path / "labels.csv"
    args = (
        "classify",
        str(REVIEWS),
        "--labels",
        LABELS,
        "--fake",
        "--id-column",
        "id",
        "-o",
        str(out),
        "--include-text",
    )
    first = await run_cli(*args)
    assert first.code == 0, first.err
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 300
    assert rows[0].keys() == {"id", "text", "label", "confidence", "error"}
    assert {r["id"] for r in rows} == {f"rev-{i:04d}" for i in range(1, 301)}
    again = await run_cli(*args)
    assert again.code == 0
    assert "already done (resumed)" in again.err
    assert len(out.read_text().splitlines()) == 301  # header + 300: nothing twice
    fresh = await run_cli(*args, "--no-resume")
    assert fresh.code == 0
    assert len(out.read_text().splitlines()) == 301


async def test_text_from_stdin_and_jsonl_input(tmp_path: Path) -> None:
    r = await run_cli(
        "classify",
        "-",
        "--labels",
        LABELS,
        "--fake",
        "--no-progress",
        stdin=b"I love it\n\nterrible, broken\nit is a box\n",
    )
    assert r.code == 1, r.err  # a row failed: the blank line is an empty text, not dropped
    rows = [msgspec.json.decode(line) for line in r.out.splitlines()]
    assert {row["id"]: row["label"] for row in rows} == {
        "1": "positive",
        "2": None,
        "3": "negative",
        "4": "neutral",
    }
    assert [row["error"]["type"] for row in rows if row["error"]] == ["EmptyTextError"]
    assert "failed: EmptyTextError" in r.err
    src = tmp_path / "in.jsonl"
    src.write_text('{"key": "a", "body": "great value"}\n{"key": "b", "body": "awful"}\n')
    out = tmp_path / "out.jsonl"
    r2 = await run_cli(
        "classify",
        str(src),
        "--labels",
        LABELS,
        "--fake",
        "--column",
        "body",
        "--id-column",
        "key",
        "-o",
        str(out),
    )
    assert r2.code == 0, r2.err
    assert r2.out == ""
    assert {row["id"]: row["label"] for row in read_jsonl(out)} == {
        "a": "positive",
        "b": "negative",
    }


async def test_failures_give_a_non_zero_exit_and_error_rows(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    r = await run_cli(
        "classify",
        str(REVIEWS),
        "--labels",
        LABELS,
        "--fake",
        "--fake-fault",
        "bad_answer=0.3",
        "-o",
        str(out),
    )
    rows = read_jsonl(out)
    assert len(rows) == 300
    bad = [row for row in rows if row["error"] is not None]
    assert bad, "some answers should stay off-label after the retry"
    assert all(row["error"]["type"] == "InvalidLabelError" and row["label"] is None for row in bad)
    assert r.code == 1
    assert "failed: InvalidLabelError" in r.err


async def test_usage_errors() -> None:
    r = await run_cli("classify", "missing.csv", "--labels", LABELS, "--fake")
    assert (r.code, r.err.strip()) == (2, "seedclient: error: no such input file: missing.csv")
    r2 = await run_cli("classify", str(REVIEWS), "--labels", "only", "--fake")
    assert r2.code == 2
    assert "at least two" in r2.err
    r3 = await run_cli("classify", str(REVIEWS), "--labels", LABELS, "--fake", "--column", "nope")
    assert r3.code == 2
    assert "no column 'nope'" in r3.err


async def _wait_for_lines(path: Path, n: int, proc: asyncio.subprocess.Process) -> None:
    for _ in range(6000):  # bounded: at most 60 s
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.returncode is None, "the run ended before it could be interrupted"
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never reached {n} lines")


async def test_sigkill_mid_run_then_resume_holds_each_id_once(tmp_path: Path) -> None:
    src = tmp_path / "items.txt"
    src.write_text(
        "".join(f"item {i} is {'great' if i % 2 else 'broken'}\n" for i in range(20_000))
    )
    out = tmp_path / "out.jsonl"
    args = ("classify", str(src), "--labels", LABELS, "--fake", "-o", str(out), "--no-progress")
    proc = await spawn_cli(*args, stdout=asyncio.subprocess.DEVNULL)
    await _wait_for_lines(out, 3000, proc)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    kept = out.read_bytes()
    assert 3000 <= kept.count(b"\n") < 20_000
    r = await run_cli(*args, timeout=300)
    assert r.code == 0, r.err
    rows = read_jsonl(out)  # every line parses
    ids = [row["id"] for row in rows]
    assert len(ids) == 20_000
    assert ids == [str(i) for i in range(1, 20_001)]  # each once, in input order
    final = set(out.read_bytes().splitlines())
    assert final.issuperset(kept.splitlines())  # nothing written before the crash was lost


async def test_ctrl_c_keeps_rows_and_says_how_to_resume(tmp_path: Path) -> None:
    src = tmp_path / "items.txt"
    src.write_text("".join(f"text number {i}\n" for i in range(20_000)))
    out = tmp_path / "out.jsonl"
    args = ("classify", str(src), "--labels", LABELS, "--fake", "-o", str(out), "--no-progress")
    proc = await spawn_cli(*args, stdout=asyncio.subprocess.DEVNULL)
    await _wait_for_lines(out, 500, proc)
    proc.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 130
    assert b"Traceback" not in err
    assert b"run the same command again to resume" in err
    rows = read_jsonl(out)
    assert 500 <= len(rows) < 20_000
    assert len({row["id"] for row in rows}) == len(rows)


async def test_a_generic_server_with_extra_body(tmp_path: Path) -> None:
    texts = tmp_path / "t.txt"
    texts.write_text("I love it\nIt broke after a day\n")
    async with FakeSeedServer(dialect="openai") as server:
        generic = ("--base-url", server.url, "--model", "local", "--no-progress")
        env = cli_env(SEED_API_KEY="sk-local")
        r = await run_cli(
            "classify", str(texts), "--labels", "positive,negative", *generic, env=env
        )
        assert r.code == 0, r.err
        rows = [msgspec.json.decode(line) for line in r.out.splitlines()]
        assert [row["label"] for row in rows] == ["positive", "negative"]
        assert all(isinstance(row["confidence"], float) for row in rows)
        # --extra-body reaches the server as it is: this one refuses fields OpenAI lacks.
        r = await run_cli(
            "classify",
            str(texts),
            "--labels",
            "a,b",
            *generic,
            "--extra-body",
            '{"top_k": 1}',
            env=env,
        )
        assert r.code == 1
        assert "Unrecognized request argument supplied: top_k" in r.out
        received = server.stats.received
    r = await run_cli(
        "classify", str(texts), "--labels", "a,b", "--fake", "--extra-body", "[1]", env=env
    )
    assert r.code == 2 and "--extra-body: must be a JSON object" in r.err
    assert server.stats.received == received


async def test_input_mistakes_are_said_and_nothing_is_lost(tmp_path: Path) -> None:
    env = cli_env(SEED_API_KEY="k")
    async with FakeSeedServer() as server:
        remote = ("--provider", "byteplus", "--base-url", server.url, "--no-progress")
        # A JSONL field not called "text": exit 2, naming the fields found; nothing sent.
        src = tmp_path / "in.jsonl"
        src.write_text('{"id": 1, "review": "great"}\n{"id": 2, "review": "awful"}\n')
        r = await run_cli("classify", str(src), "--labels", LABELS, *remote, env=env)
        assert r.code == 2
        assert "no field 'text' in" in r.err and "(fields in its first row: id, review)" in r.err
        # The same in a CSV, and a gold column that is not there.
        table = tmp_path / "in.csv"
        table.write_text("id,review,stars\n1,great,5\n")
        r = await run_cli("classify", str(table), "--labels", LABELS, *remote, env=env)
        assert r.code == 2 and "(columns: id, review, stars)" in r.err
        r = await run_cli(
            "classify",
            str(table),
            "--labels",
            LABELS,
            "--column",
            "review",
            "--gold-column",
            "label",
            *remote,
            env=env,
        )
        assert r.code == 2 and "no column 'label' (--gold-column)" in r.err
        assert server.stats.received == 0
        # Empty and whitespace texts (and a BOM): a row each, with the reason; no request.
        mixed = tmp_path / "mixed.jsonl"
        mixed.write_bytes(
            b'\xef\xbb\xbf{"text": "I love it"}\n{"text": ""}\n{"text": "   "}\n'
            b'{"other": 1}\n{"text": "broken, terrible"}\n'
        )
        r = await run_cli("classify", str(mixed), "--labels", LABELS, *remote, env=env)
    assert r.code == 1  # finished, with failed rows
    rows = {row["id"]: row for row in (msgspec.json.decode(x) for x in r.out.splitlines())}
    assert sorted(rows) == ["1", "2", "3", "4", "5"]  # rows in = rows out
    assert rows["1"]["label"] == "positive" and rows["5"]["label"] == "negative"
    for empty in ("2", "3", "4"):
        assert rows[empty]["error"]["type"] == "EmptyTextError"
    assert server.stats.received == 2
