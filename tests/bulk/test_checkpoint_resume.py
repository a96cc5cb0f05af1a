"""Checkpoint: only successes count as done, the latest row wins, one writer at a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from seedclient._bulk.checkpoint import Checkpoint, CheckpointLockedError

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
    assert "2" in again.done and len(again.done) == 1 and again.resumed_failed == 2
    assert "1" not in again.done and "3" not in again.done
    again.append({"id": "1", "label": "b", "error": None})
    again.close()
    assert lines(path) == [
        {"id": "1", "label": "b", "error": None},
        {"id": "2", "label": "a", "error": None},
        {"id": "3", "error": ERR},
    ]
    assert not (tmp_path / "out.jsonl.tmp").exists()
    kept = Checkpoint(path, retry_failed=False)
    assert all(key in kept.done for key in ("1", "2", "3")) and kept.resumed_failed == 0
    kept.close()


def test_csv_compaction(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    fields = ["id", "label", "error"]
    ckpt = Checkpoint(path, fields=fields)
    ckpt.append({"id": "1", "label": None, "error": ERR})
    ckpt.close()
    again = Checkpoint(path, fields=fields)
    assert len(again.done) == 0 and again.resumed_failed == 1
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
        "import os, sys; from seedclient._bulk.checkpoint import Checkpoint; "
        f"c = Checkpoint({str(path)!r}); os._exit(9)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 9
    assert (tmp_path / "out.jsonl.lock").read_text().strip().isdigit()  # the dead pid is left
    Checkpoint(path).close()


def test_id_set() -> None:
    from seedclient._bulk.idset import IdSet

    ids = IdSet()
    keys = [f"id-{i}" for i in range(5000)]
    for key in keys[::2]:
        ids.add(key)
    ids.add(keys[0])  # again: no-op
    assert len(ids) == 2500
    assert all(k in ids for k in keys[::2]) and not any(k in ids for k in keys[1::2])
    assert 5 not in ids


async def test_a_resumed_classify_says_what_it_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from seedclient import Classifier, SeedClient
    from seedclient.testing import FakeSeedServer

    path = tmp_path / "labels.jsonl"
    texts = ["great phone", "awful battery", "it is a case"]
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        clf = Classifier(c, labels=["positive", "negative", "neutral"])
        async with clf.classify(texts, checkpoint=path) as run:
            first = [r async for r in run]
        assert sorted(r.id for r in first) == ["1", "2", "3"]  # the ids that are written
        dumped = first[0].model_dump()
        assert dumped["id"] == first[0].id and "error" not in dumped and "usage" in dumped
        again = Classifier(c, labels=["positive", "negative", "neutral"])
        with caplog.at_level(logging.INFO, logger="seedclient"):
            async with again.classify(texts, checkpoint=path) as run:
                assert [r async for r in run] == []
                assert run.checkpoint is not None
                assert sum(run.checkpoint.labels_before.values()) == 3
        assert again.runner.stats.skipped == 3
    assert "3 ids already done are skipped" in caplog.text


def test_batch_result_dump() -> None:
    from seedclient import BatchResult, InternalServerError

    err = InternalServerError("boom", status_code=500, code="InternalServiceError", body=None)
    dumped = BatchResult(index=0, id="a", error=err, attempts=3).model_dump()
    assert dumped["error"]["type"] == "InternalServerError" and dumped["attempts"] == 3
    assert "completion" not in dumped


@pytest.mark.parametrize("where", ["before the new file is synced", "before the rename"])
def test_sigkill_during_compaction_leaves_a_whole_file(tmp_path: Path, where: str) -> None:
    path = tmp_path / "out.jsonl"
    rows = [{"id": str(i), "error": ERR} for i in range(200)]
    rows += [{"id": str(i), "label": "a", "error": None} for i in range(200)]
    path.write_text("".join(msgspec.json.encode(r).decode() + "\n" for r in rows))
    before = path.read_text()
    # The process dies at that point of compact(): os._exit is as abrupt as SIGKILL.
    patched = "replace" if where == "before the rename" else "fsync"
    hook = f"import os\nos.{patched} = lambda *a: os._exit(9)\n"
    code = (
        hook
        + "from seedclient._bulk.checkpoint import Checkpoint\n"
        + f"Checkpoint({str(path)!r}).close()\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 9
    assert path.read_text() == before  # the old file, whole: the new one never replaced it
    again = Checkpoint(path)  # the next run recovers: all done, then compacts
    assert len(again.done) == 200 and again.resumed_failed == 0
    again.close()
    assert [r["id"] for r in lines(path)] == [str(i) for i in range(200)]
    assert all(r["error"] is None for r in lines(path))


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
async def test_the_results_file_is_in_input_order_whatever_order_answers_come_in(
    tmp_path: Path, suffix: str
) -> None:
    from seedclient import Classifier, SeedClient
    from seedclient.testing import FakeSeedServer, FaultPlan

    path = tmp_path / f"labels{suffix}"
    texts = [f"review {i}: fine,\nreally" for i in range(40)]
    # The 4th text's answer is late and the 7th always fails: completion order differs.
    plan = FaultPlan(
        by_text={texts[3]: "slow_first_byte", texts[6]: "server_error"},
        slow_first_byte_seconds=0.2,
    )
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t", max_retries=0) as c,
    ):
        clf = Classifier(c, labels=["positive", "negative"], concurrency=8)
        async with clf.classify(texts, checkpoint=path, include_text=True) as run:
            finished = [r.id async for r in run]
        assert finished[-1] == "4" and finished != sorted(finished, key=int)  # out of order
        rows = read_rows(path)
        assert [r["id"] for r in rows] == [str(i) for i in range(1, 41)]
        assert [r["text"] for r in rows] == texts
        assert rows[6]["error"] and not rows[5]["error"]
        # A rerun sends only the failed row; the file stays in input order, one row per id.
        server.faults = FaultPlan()
        again = Classifier(c, labels=["positive", "negative"])
        async with again.classify(texts, checkpoint=path, include_text=True) as run:
            assert [r.id async for r in run] == ["7"]
        rows = read_rows(path)
        assert [r["id"] for r in rows] == [str(i) for i in range(1, 41)]
        assert not any(r["error"] for r in rows)
        # Nothing to do: the file is left as it is (not rewritten).
        inode = path.stat().st_ino
        async with again.classify(texts, checkpoint=path, include_text=True) as run:
            assert [r async for r in run] == []
        assert path.stat().st_ino == inode


def read_rows(path: Path) -> list[dict[str, object]]:
    import csv

    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    return [msgspec.json.decode(line) for line in path.read_bytes().splitlines()]


async def test_each_row_is_written_before_its_result_is_handed_over_in_few_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items that finish together are written with one system call, and never later than
    the moment their results reach the caller."""
    import os

    from seedclient import Classifier, SeedClient
    from seedclient.testing import FakeSeedServer

    path = tmp_path / "labels.jsonl"
    writes: list[int] = []
    real_write = os.write

    def counted(fd: int, data: bytes) -> int:
        writes.append(fd)
        return real_write(fd, data)

    texts = [f"review {i}: fine" for i in range(60)]
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        clf = Classifier(c, labels=["positive", "negative"], concurrency=30)
        monkeypatch.setattr(os, "write", counted)
        async with clf.classify(texts, checkpoint=path) as run:
            async for r in run:
                on_disk = {row["id"] for row in lines(path)}
                assert r.id in on_disk  # its row was there when the result came
    assert sorted(int(row["id"]) for row in lines(path)) == list(range(1, 61))
    assert len(writes) < len(texts) // 2, writes  # 30 answers at a time: batched


def test_a_failed_last_write_still_closes_and_unlocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    path = tmp_path / "out.jsonl"
    ck = Checkpoint(path)
    ck.append({"id": "a", "error": None})

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError, match="No space left"):
        ck.close()
    monkeypatch.undo()
    ck.close()  # idempotent: nothing left to write
    with pytest.raises(ValueError, match="the checkpoint is closed"):
        ck.append({"id": "b", "error": None})
    again = Checkpoint(path)  # the lock was released: a new writer takes the file
    assert len(again.done) == 0  # the row never reached the disk
    again.close()
