"""The input of ``seedclient classify``: labels, formats, and texts read lazily."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import msgspec

from .._errors import ConfigurationError

# ---------------------------------------------------------------------------- input


def read_labels(args: argparse.Namespace) -> list[str]:
    if args.labels_file:
        with open(args.labels_file, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
    return [lab.strip() for lab in args.labels.split(",") if lab.strip()]


def input_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    lower = args.input.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return "text"


def count_items(path: str, fmt: str) -> int | None:
    """How many items a file holds, by counting lines (for the progress ETA)."""
    if path == "-":
        return None
    lines = 0
    last = b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    lines += last != b"\n"
    return max(0, lines - (fmt == "csv"))


class TextSource:
    """Reads items lazily as ``(id, text)`` and remembers gold labels when asked."""

    def __init__(self, args: argparse.Namespace, fmt: str) -> None:
        self.args = args
        self.fmt = fmt
        self.gold: dict[str, str] = {}

    def _open(self) -> TextIO:
        if self.args.input == "-":
            return sys.stdin
        return open(self.args.input, encoding="utf-8-sig", newline="")

    def __iter__(self) -> Iterator[tuple[str, str]]:
        f = self._open()
        try:
            if self.fmt == "csv":
                yield from self._csv(f)
            elif self.fmt == "jsonl":
                yield from self._jsonl(f)
            else:
                for n, line in enumerate(f, 1):
                    text = line.rstrip("\r\n")
                    if text.strip():
                        yield str(n), text
        finally:
            if f is not sys.stdin:
                f.close()

    def _pick(self, row: dict[str, Any], n: int) -> tuple[str, str] | None:
        a = self.args
        text = row.get(a.column or "text")
        if not isinstance(text, str) or not text.strip():
            return None
        key = str(row.get(a.id_column, "")) if a.id_column else str(n)
        if a.gold_column and row.get(a.gold_column) not in (None, ""):
            self.gold[key] = str(row[a.gold_column])
        return key, text

    def _csv(self, f: TextIO) -> Iterator[tuple[str, str]]:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        a = self.args
        if a.column is None and "text" not in fields:
            if len(fields) != 1:
                raise ConfigurationError(
                    f"say which column holds the text (--column); columns: {', '.join(fields)}"
                )
            a.column = fields[0]
        for name in (a.column, a.id_column, a.gold_column):
            if name and name not in fields:
                raise ConfigurationError(f"no column {name!r}; columns: {', '.join(fields)}")
        for n, row in enumerate(reader, 1):
            item = self._pick(row, n)
            if item is not None:
                yield item

    def _jsonl(self, f: TextIO) -> Iterator[tuple[str, str]]:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = msgspec.json.decode(line)
            except msgspec.DecodeError as exc:
                raise ConfigurationError(
                    f"line {n} of {self.args.input} is not JSON: {exc}"
                ) from exc
            if isinstance(row, dict):
                item = self._pick(row, n)
                if item is not None:
                    yield item
