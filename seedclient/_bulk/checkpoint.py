"""Crash-safe result files: one row per finished item, written before its result is handed
over; resumable.

Rows are kept as they finish and written together by ``flush`` with a single ``write`` to a
file opened for appending (the run flushes before it hands over a result, so a burst of
items finishing together costs one system call, not one each), and a crash (even SIGKILL)
leaves every written row whole. A crash loses only rows not yet written, whose results
nobody has seen: those items are sent again on resume, never counted twice. The only
damage a crash can do to the file is a torn last row if the machine itself fails
mid-write; on reopening, anything after the last newline is cut off before appending, so
the file always parses.

Only successful rows count as done: on resume, an id whose latest row is an error is sent
again. When a run ends, the file is compacted to one row per id (its latest outcome), in
the input's order, by writing a new file, syncing it and renaming it over the old one, so
a crash at any moment leaves either the old file or the new one. One process writes a file
at a time: an exclusive ``flock`` on ``FILE.lock`` is taken before anything is sent (and
released by the kernel if the process dies, so a stale lock is simply taken over).
"""

from __future__ import annotations

import bisect
import collections
import csv
import fcntl
import io
import itertools
import os
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from .._errors import CheckpointLockedError
from .idset import IdSet, id_hash

__all__ = ["Checkpoint", "CheckpointLockedError", "checkpoint_id", "done_ids"]


def checkpoint_id(index: int, key: str | None) -> str:
    """The id a result is kept under: its own id, else its 1-based position in the input."""
    return key if key is not None else str(index + 1)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


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
        self._order = array("Q")  # the input's ids in order, as hashes (see met)
        self._lock_fd: int | None = self._lock()
        exists = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        if resume and exists:
            self._repair_tail()
            self._load_done()
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if resume else os.O_TRUNC)
        self._fd: int | None = os.open(self.path, flags, 0o644)
        self._rows: list[bytes] = []  # appended, not yet written (see flush)
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

    def _load_done(self) -> None:
        found = _Found(self.path, self.retry_failed)
        self.done, self.failed, self.labels_before = found.done, found.failed, found.labels
        self._superseded = found.superseded

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
        _write_all(self._fd, data)

    def append(self, row: Mapping[str, Any]) -> None:
        """Keep one finished row for the next ``flush`` (its ``id`` becomes done then)."""
        if self._fd is None:
            raise ValueError("the checkpoint is closed")
        line = self._csv_line(row) if self.is_csv else msgspec.json.encode(row) + b"\n"
        self._rows.append(line)
        key = row.get("id")
        if key is not None and self.failed and id_hash(str(key)) in self.failed:
            self._superseded = True  # a failed id's new row: compact at close

    def flush(self) -> None:
        """Write the rows kept since the last flush, in one ``write``."""
        rows = self._rows
        if rows:
            self._rows = []
            self._write(b"".join(rows))  # (one row: joined without a copy)

    def close(self) -> None:
        """Write the rows kept, compact the file to one row per id if it needs it, close it,
        unlock. Idempotent; closed and unlocked even when the last write fails."""
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                try:
                    rows, self._rows = self._rows, []
                    if rows:
                        _write_all(fd, b"".join(rows))
                finally:
                    os.close(fd)
                if self._superseded or self._order:
                    self.compact()
        finally:
            lock, self._lock_fd = self._lock_fd, None
            if lock is not None:
                os.close(lock)  # releases the flock

    def met(self, index: int, key: str | None) -> bool:
        """Note the input's item ``index`` (its order, for ``compact``); whether its id
        is done already."""
        h = id_hash(checkpoint_id(index, key))
        order = self._order
        if index == len(order):
            order.append(h)
        else:  # items reach the pool in order; a gap is only a worker's race
            if index > len(order):
                order.extend(itertools.repeat(0, index + 1 - len(order)))
            order[index] = h
        return self.done.has_hash(h)

    def compact(self) -> None:
        """Rewrite the file with one row per id, its latest, in input order.

        Input order is the order of the ids the run met (``met``); rows of ids it did not
        meet (none when the whole input was read) follow in file order. Memory: 8 bytes per
        input item and 24 per row, plus a sort's index list; rows are copied as bytes, never
        parsed twice. Nothing is written when the file is already so. Otherwise written to
        ``FILE.tmp``, synced, then renamed over ``FILE``: a crash leaves the old file or the
        new one.
        """
        csv.field_size_limit(sys.maxsize)
        hashes, starts, sizes = array("Q"), array("q"), array("q")
        with open(self.path, "rb") as f:
            header = f.readline() if self.is_csv else b""
            for key, start, size in self._spans(f, header):
                hashes.append(id_hash(key))
                starts.append(start)
                sizes.append(size)
            # The latest row of each id: ids sorted (stably, so a run keeps file order).
            keys, latest = array("Q"), array("q")
            for i in sorted(range(len(hashes)), key=hashes.__getitem__):
                if keys and keys[-1] == hashes[i]:
                    latest[-1] = i
                else:
                    keys.append(hashes[i])
                    latest.append(i)
            plan, taken = array("q"), bytearray(len(keys))
            for h in itertools.chain(self._order, hashes):
                j = bisect.bisect_left(keys, h)
                if j < len(keys) and keys[j] == h and not taken[j]:
                    taken[j] = 1
                    plan.append(latest[j])
            if len(plan) == len(hashes) and all(i == n for n, i in enumerate(plan)):
                return  # one row per id, in order already
            tmp = self.path + ".tmp"
            with open(tmp, "wb") as out:
                out.write(header)
                for i in plan:
                    f.seek(starts[i])
                    row = f.read(sizes[i])
                    out.write(row if row.endswith(b"\n") else row + b"\n")
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self._superseded = False

    def _spans(self, f: Any, header: bytes) -> Any:
        """``(id, start, size)`` of each row with an id, in a binary file read past its
        ``header`` (a CSV's first line)."""
        at = len(header)
        if not self.is_csv:
            for line in f:
                start, at = at, at + len(line)
                try:
                    row = msgspec.json.decode(line)
                except msgspec.DecodeError:
                    continue
                if isinstance(row, dict) and row.get("id") is not None:
                    yield str(row["id"]), start, len(line)
            return
        names = next(csv.reader([header.decode("utf-8-sig")]), None) or []
        if "id" not in names:
            return
        column = names.index("id")
        lines = _CountedLines(f, at)
        reader = csv.reader(lines)
        while True:
            start = lines.at
            cells = next(reader, None)
            if cells is None:
                return
            if len(cells) > column and cells[column]:
                yield cells[column], start, lines.at - start


class _CountedLines:
    """A binary file's lines, decoded, counting the bytes read: where a CSV record starts
    and ends (a record may span lines)."""

    def __init__(self, f: Any, at: int) -> None:
        self.f, self.at = f, at

    def __iter__(self) -> _CountedLines:
        return self

    def __next__(self) -> str:
        line = self.f.readline()
        if not line:
            raise StopIteration
        self.at += len(line)
        return str(line.decode("utf-8"))


def done_ids(path: str | os.PathLike[str], retry_failed: bool = True) -> IdSet:
    """The ids a run resuming ``path`` would skip (read only; empty if there is no file)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        return IdSet()
    return _Found(path, retry_failed).done


class _Found:
    """What a results file holds: done ids, failed ids (hashes), labels, repeated ids."""

    def __init__(self, path: str, retry_failed: bool) -> None:
        # An id is done once it has a successful row: it is never sent again after that, so
        # only failed ids can have later rows. Memory: the done hashes, the failed ones.
        csv.field_size_limit(sys.maxsize)
        self.done = done = IdSet()
        self.failed: set[int] = set()
        failed = self.failed
        self.labels: collections.Counter[str] = collections.Counter()
        self.superseded = False
        with open(path, encoding="utf-8", newline="") as f:
            rows = csv.DictReader(f) if path.lower().endswith(".csv") else _jsonl_dicts(f)
            for row in rows:
                key = row.get("id")
                if key is None or key == "":
                    continue
                h = id_hash(str(key))
                if row.get("error") and retry_failed:
                    self.superseded |= h in failed
                    failed.add(h)
                    continue
                if h in failed:
                    failed.discard(h)
                    self.superseded = True
                elif done.has_hash(h):
                    self.superseded = True
                done.add_hash(h)
                label = row.get("label")
                if isinstance(label, str) and label:
                    self.labels[label] += 1
                for lab in row.get("labels") or ():
                    if isinstance(lab, str):
                        self.labels[lab] += 1


def _jsonl_dicts(f: Any) -> Any:
    for _, row in _jsonl_rows(f):
        yield row


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
