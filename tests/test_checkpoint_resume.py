"""Checkpoint: only successes count as done, the latest row wins, one writer at a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from seedclient._checkpoint import Checkpoint, CheckpointLockedError

ERR = {"type": "InternalServerError", "message": "500"}


def lines(path: Path) -> list[dict[str, object]]:
    return [msgspec.json.decode(x) for x in path.read_text().splitlines()]


def test_failed_ids_are_not_done_and_the_file_is_compacted(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    ckpt = Checkpoint(path)
    for row in (
        {"id": "1", "error": ERR},
        {"id": "2", "label": "a", "error": None},
        {"id": "3", "error": ERR},
    ):
        ckpt.append(row)
    ckpt.close()
    again = Checkpoint(path)
    assert again.done == {"2"} and again.resumed_failed == 2
    again.append({"id": "1", "label": "b", "error": None})
    again.close()
    assert lines(path) == [
        {"id": "1", "label": "b", "error": None},
        {"id": "2", "label": "a", "error": None},
        {"id": "3", "error": ERR},
    ]
    assert not (tmp_path / "out.jsonl.tmp").exists()
    kept = Checkpoint(path, retry_failed=False)
    assert kept.done == {"1", "2", "3"}
    kept.close()


def test_csv_compaction(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    fields = ["id", "label", "error"]
    ckpt = Checkpoint(path, fields=fields)
    ckpt.append({"id": "1", "label": None, "error": ERR})
    ckpt.close()
    again = Checkpoint(path, fields=fields)
    assert again.done == set()
    again.append({"id": "1", "label": "x", "error": None})
    again.close()
    assert path.read_text().splitlines() == ["id,label,error", "1,x,"]


def test_one_writer_and_a_stale_lock_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    first = Checkpoint(path)
    with pytest.raises(CheckpointLockedError, match="being written by another run"):
        Checkpoint(path)
    first.close()
    # A process that held the lock and died: the kernel released its flock.
    code = (
        "import os, sys; from seedclient._checkpoint import Checkpoint; "
        f"c = Checkpoint({str(path)!r}); os._exit(9)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 9
    assert (tmp_path / "out.jsonl.lock").read_text().strip().isdigit()  # the dead pid is left
    Checkpoint(path).close()
