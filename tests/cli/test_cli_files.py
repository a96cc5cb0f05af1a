"""`seedclient classify` and ordinary file mistakes: a one-line message, exit 2, nothing sent."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from seedclient.testing import FakeSeedServer

from .cli_helpers import Result, cli_env, run_cli

LABELS = "positive,negative,neutral"


async def classify(*args: str) -> tuple[Result, int]:
    """Run classify against a fake server; return the result and how many requests it got."""
    async with FakeSeedServer() as server:
        r = await run_cli(
            "classify",
            *args,
            "--labels",
            LABELS,
            "--base-url",
            server.url,
            "--no-progress",
            env=cli_env(SEED_API_KEY="k"),
        )
        return r, server.stats.received


def one_line_error(r: Result, code: int, needle: str) -> None:
    assert r.code == code, r.err
    assert "Traceback" not in r.err
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("seedclient: error: ") and needle in lines[0]


async def test_invalid_utf8_names_the_line_and_sends_nothing(tmp_path: Path) -> None:
    src = tmp_path / "texts.txt"
    src.write_bytes(b"great phone\nbad battery\n\xff\xfe broken\nfine\n")
    r, sent = await classify(str(src))
    one_line_error(r, 2, f"line 3 of {src} is not valid UTF-8")
    assert "--on-bad-line skip" in r.err and sent == 0


async def test_bad_lines_skipped_on_request(tmp_path: Path) -> None:
    src = tmp_path / "texts.txt"
    src.write_bytes(b"great phone\nbad battery\n\xff\xfe broken\nfine\n")
    r, sent = await classify(str(src), "--on-bad-line", "skip")
    assert r.code == 0, r.err
    rows = [msgspec.json.decode(line) for line in r.out.splitlines()]
    assert [row["id"] for row in rows] != [] and {row["id"] for row in rows} == {"1", "2", "4"}
    assert "skipped bad lines" in r.err and sent == 3


async def test_csv_fields_of_any_size(tmp_path: Path) -> None:
    src = tmp_path / "big.csv"
    src.write_text("id,text\n1," + "great " * 40_000 + "\n2,terrible\n")  # 240 KB field
    r, _ = await classify(str(src), "--id-column", "id")
    assert r.code == 0, r.err
    assert [msgspec.json.decode(line)["label"] for line in r.out.splitlines()] != []


@pytest.mark.parametrize(
    ("content", "suffix"),
    [(b"", ".csv"), (b"id,text\n", ".csv"), (b"\n\n", ".txt"), (b"", ".jsonl")],
)
async def test_empty_input(tmp_path: Path, content: bytes, suffix: str) -> None:
    src = tmp_path / f"empty{suffix}"
    src.write_bytes(content)
    r, sent = await classify(str(src))
    one_line_error(r, 2, f"no texts in {src}")
    assert sent == 0


async def test_output_problems(tmp_path: Path) -> None:
    src = tmp_path / "t.txt"
    src.write_text("good\n")
    r, sent = await classify(str(src), "-o", str(tmp_path / "missing" / "out.jsonl"))
    one_line_error(r, 2, "the folder of --output does not exist")
    r, _ = await classify(str(src), "-o", str(tmp_path / "out.txt"))
    one_line_error(r, 2, "--output must end in .jsonl or .csv")
    (tmp_path / "dir.jsonl").mkdir()
    r, _ = await classify(str(src), "-o", str(tmp_path / "dir.jsonl"))
    one_line_error(r, 2, "is a folder")
    r, _ = await classify(
        str(src), "-o", "/proc/seedclient-out.jsonl"
    )  # not writable, even as root
    one_line_error(r, 2, "/proc/seedclient-out.jsonl")
    assert sent == 0


async def test_input_and_labels_file_problems(tmp_path: Path) -> None:
    r, sent = await classify(str(tmp_path / "nope.csv"))
    one_line_error(r, 2, f"no such input file: {tmp_path / 'nope.csv'}")
    assert sent == 0
    src = tmp_path / "t.txt"
    src.write_text("good\n")
    async with FakeSeedServer() as server:
        r = await run_cli(
            "classify",
            str(src),
            "--labels-file",
            str(tmp_path / "labels.txt"),
            "--base-url",
            server.url,
            env=cli_env(SEED_API_KEY="k"),
        )
        assert server.stats.received == 0
    one_line_error(r, 2, f"no such labels file: {tmp_path / 'labels.txt'}")


async def test_a_jsonl_line_that_is_not_json(tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    src.write_text('{"text": "good"}\n{"text": oops}\n')
    r, _ = await classify(str(src))
    one_line_error(r, 2, f"line 2 of {src} is not JSON")
