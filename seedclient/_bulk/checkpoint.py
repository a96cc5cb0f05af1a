"""Crash-safe result files: one row per finished item, appended and flushed; resumable.

Each row is written with a single ``write`` to a file opened for appending, so a crash
(even SIGKILL) leaves every written row whole. The only damage a crash can do is a torn
last row if the machine itself fails mid-write; on reopening, anything after the last
newline is cut off before appending, so the file always parses.

Only successful rows count as done: on resume, an id whose latest row is an error is sent
again. When a run ends, the file is compacted to one row per id (its latest outcome), by
writing a new file, syncing it and renaming it over the old one, so a crash at any moment
leaves either the old file or the new one. One process writes a file at a time: an exclusive
``flock`` on ``FILE.lock`` is taken before anything is sent (and released by the kernel if
the process dies, so a stale lock is simply taken over).
"""

from __future__ import annotations

import collections
import csv
import fcntl
import io
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from .._errors import CheckpointLockedError
from .idset import IdSet, id_hash

__all__ = ["Checkpoint", "CheckpointLockedError", "checkpoint_id"]


def checkpoint_id(index: int, key: str | None) -> str:
    """The id a result is kept under: its own id, else its 1-based position in the input."""
    return key if key is not None else str(index + 1)


class Checkpoint:
    """A JSONL or CSV results file keyed by an ``id`` column.

    Args:
        path: the file; ``.csv`` means CSV, anything else JSON Lines.
        fields: the CSV columns (ignored for JSONL).
        resume: keep the rows already there and report their ids as done; else start over.
        retry_failed: on resume, send again the ids whose latest row is an error (else they
            count as done too).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fields: Sequence[str] = (),
        resume: bool = True,
        retry_failed: bool = True,
    ) -> None:
        self.path = os.fspath(path)
        self.is_csv = self.path.lower().endswith(".csv")
        self.fields = list(fields)
        if self.is_csv and "id" not in self.fields:
            raise ValueError("a CSV checkpoint needs an 'id' field")
        self.retry_failed = retry_failed
        #: Ids already done (successes; failures too without ``retry_failed``), ~8 B each.
        self.done = IdSet()
        #: Failed ids found on resume, to be sent again (their hashes; few, usually).
        self.failed: set[int] = set()
        #: Labels of the rows already there (``label`` / ``labels`` fields), for summaries.
        self.labels_before: collections.Counter[str] = collections.Counter()
        self._superseded = False  # whether some id has more than one row (compact at close)
        self._lock_fd: int | None = self._lock()
        exists = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        if resume and exists:
            self._repair_tail()
            self._load_done()
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if resume else os.O_TRUNC)
        self._fd: int | None = os.open(self.path, flags, 0o644)
        if self.is_csv and (not resume or not exists):
            self._write(self._csv_line(dict(zip(self.fields, self.fields, strict=True))))

    def _repair_tail(self) -> None:
        with open(self.path, "rb+") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            back = min(size, 1 << 20)
            while True:
                f.seek(size - back)
                tail = f.read(back)
                cut = tail.rfind(b"\n")
                if cut >= 0 or back == size:
                    break
                back = min(size, back * 2)
            keep = size - back + cut + 1 if cut >= 0 else 0
            if keep != size:
                f.truncate(keep)

    def _lock(self) -> int:
        lock_path = self.path + ".lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise CheckpointLockedError(
                f"{self.path} is being written by another run (pid {holder}); wait for it "
                "to finish, or write to another file"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return fd

    def _rows_of(self, f: Any) -> Any:
        if self.is_csv:
            yield from csv.DictReader(f)
            return
        for _, row in _jsonl_rows(f):
            yield row

    def _load_done(self) -> None:
        # An id is done once it has a successful row: it is never sent again after that, so
        # only failed ids can have later rows. Memory: the done hashes, the failed ones.
        csv.field_size_limit(sys.maxsize)
        done, failed = self.done, self.failed
        with open(self.path, encoding="utf-8", newline="") as f:
            for row in self._rows_of(f):
                key = row.get("id")
                if key is None or key == "":
                    continue
                h = id_hash(str(key))
                if row.get("error") and self.retry_failed:
                    if h in failed:
                        self._superseded = True
                    failed.add(h)
                    continue
                if h in failed:
                    failed.discard(h)
                    self._superseded = True
                elif done.has_hash(h):
                    self._superseded = True
                done.add_hash(h)
                label = row.get("label")
                if isinstance(label, str) and label:
                    self.labels_before[label] += 1
                for lab in row.get("labels") or ():
                    if isinstance(lab, str):
                        self.labels_before[lab] += 1

    @property
    def resumed_failed(self) -> int:
        """How many ids were found failed on resume (and are sent again)."""
        return len(self.failed)

    def _csv_line(self, row: Mapping[str, Any]) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["" if row.get(k) is None else _cell(row.get(k)) for k in self.fields])
        return buf.getvalue().encode("utf-8")

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            raise ValueError("the checkpoint is closed")
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one finished row (its ``id`` becomes done)."""
        line = self._csv_line(row) if self.is_csv else msgspec.json.encode(row) + b"\n"
        self._write(line)
        key = row.get("id")
        if key is not None and self.failed and id_hash(str(key)) in self.failed:
            self._superseded = True  # a failed id's new row: compact at close

    def close(self) -> None:
        """Compact the file to one row per id if it needs it, close it, unlock. Idempotent."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
            if self._superseded:
                self.compact()
        lock, self._lock_fd = self._lock_fd, None
        if lock is not None:
            os.close(lock)  # releases the flock

    def compact(self) -> None:
        """Rewrite the file with one row per id, its latest, where the id first appeared.

        Streaming passes: the first counts rows per id hash, the second keeps the latest row
        of each id that has more than one (only retried ids have: few), the third copies
        the file, writing each such id's latest row in place of its first and dropping the
        others. Written to ``FILE.tmp``, synced, then renamed over ``FILE``: a crash leaves
        the old file or the new one.
        """
        csv.field_size_limit(sys.maxsize)
        with open(self.path, encoding="utf-8", newline="") as f:
            counts = collections.Counter(id_hash(key) for key, _ in self._records(f))
        repeated = {h for h, n in counts.items() if n > 1}
        del counts
        latest: dict[int, Any] = {}
        with open(self.path, encoding="utf-8", newline="") as f:
            for key, record in self._records(f):
                h = id_hash(key)
                if h in repeated:
                    latest[h] = record
        tmp = self.path + ".tmp"
        with (
            open(self.path, encoding="utf-8", newline="") as f,
            open(tmp, "w", encoding="utf-8", newline="") as out,
        ):
            writer = csv.writer(out, lineterminator="\n") if self.is_csv else None
            if writer is not None:
                header = next(csv.reader(f), None)
                if header:
                    writer.writerow(header)
                f.seek(0)
            for key, record in self._records(f):
                h = id_hash(key)
                if h in repeated:
                    record = latest.pop(h, None)
                    if record is None:
                        continue  # already written where the id first appeared
                if writer is not None:
                    writer.writerow(record)
                else:
                    out.write(record)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self._superseded = False

    def _records(self, f: Any) -> Any:
        """``(id, record)`` per row: CSV cells, or a JSONL line as it is."""
        if self.is_csv:
            reader = csv.reader(f)
            header = next(reader, None) or []
            if "id" not in header:
                return
            at = header.index("id")
            for cells in reader:
                if len(cells) > at and cells[at]:
                    yield cells[at], cells
            return
        for line, row in _jsonl_rows(f):
            if row.get("id") is not None:
                yield str(row["id"]), line if line.endswith("\n") else line + "\n"


def _jsonl_rows(f: Any) -> Any:
    """``(line, row)`` for each line of a JSONL file that holds a JSON object."""
    for line in f:
        if not line.strip():
            continue
        try:
            row = msgspec.json.decode(line)
        except msgspec.DecodeError:
            continue
        if isinstance(row, dict):
            yield line, row


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return msgspec.json.encode(value).decode()
    return str(value)
