"""Crash-safe result files: one row per finished item, appended and flushed; resumable.

Each row is written with a single ``write`` to a file opened for appending, so a crash
(even SIGKILL) leaves every written row whole. The only damage a crash can do is a torn
last row if the machine itself fails mid-write; on reopening, anything after the last
newline is cut off before appending, so the file always parses.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

__all__ = ["Checkpoint", "checkpoint_id"]


def checkpoint_id(index: int, key: str | None) -> str:
    """The id a result is kept under: its own id, else its 1-based position in the input."""
    return key if key is not None else str(index + 1)


class Checkpoint:
    """A JSONL or CSV results file keyed by an ``id`` column.

    Args:
        path: the file; ``.csv`` means CSV, anything else JSON Lines.
        fields: the CSV columns (ignored for JSONL).
        resume: keep the rows already there and report their ids as done; else start over.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, fields: Sequence[str] = (), resume: bool = True
    ) -> None:
        self.path = os.fspath(path)
        self.is_csv = self.path.lower().endswith(".csv")
        self.fields = list(fields)
        if self.is_csv and "id" not in self.fields:
            raise ValueError("a CSV checkpoint needs an 'id' field")
        self.done: set[str] = set()
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

    def _load_done(self) -> None:
        with open(self.path, encoding="utf-8", newline="") as f:
            if self.is_csv:
                for row in csv.DictReader(f):
                    if row.get("id"):
                        self.done.add(row["id"])
                return
            for line in f:
                if not line.strip():
                    continue
                try:
                    row = msgspec.json.decode(line)
                except msgspec.DecodeError:
                    continue
                if isinstance(row, dict) and row.get("id") is not None:
                    self.done.add(str(row["id"]))

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
        if row.get("id") is not None:
            self.done.add(str(row["id"]))

    def close(self) -> None:
        """Close the file. Idempotent."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return msgspec.json.encode(value).decode()
    return str(value)
