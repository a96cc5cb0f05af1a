"""The files of ``seedclient classify``: checked before anything is sent, then read lazily.

Every ordinary file problem is a [ConfigurationError][seedclient.ConfigurationError] (exit 2) naming
the file and, for its content, the line: a missing or unreadable input or labels file, an output
folder that does not exist or cannot be written, invalid UTF-8 or an oversized line (or skipped,
with ``--on-bad-line skip``), an input with no texts. CSV fields may be of any size.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import msgspec

from .._errors import ConfigurationError

#: A text or JSONL line longer than this is "oversized": a bad line, not a text.
MAX_LINE_BYTES = 16 * 1024 * 1024
_SURROGATE = re.compile("[\udc80-\udcff]")


def _readable(path: str, what: str) -> None:
    if not os.path.exists(path):
        raise ConfigurationError(f"no such {what}: {path}")
    if os.path.isdir(path):
        raise ConfigurationError(f"{what} {path} is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise ConfigurationError(f"cannot read {what} {path}: permission denied")


def check_output(path: str) -> None:
    """Refuse an output that cannot be written, before anything is sent."""
    if not path.lower().endswith((".jsonl", ".csv", ".ndjson")):
        raise ConfigurationError("--output must end in .jsonl or .csv")
    check_writable(path, "--output")


def check_writable(path: str, option: str) -> None:
    """Refuse a file ``option`` names that cannot be written, before anything is sent."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ConfigurationError(
            f"the folder of {option} does not exist: {folder} (create it first)"
        )
    if os.path.isdir(path):
        raise ConfigurationError(f"{option} {path} is a folder, not a file")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise ConfigurationError(f"cannot write {option} {path}: permission denied")
    if not os.path.exists(path) and not os.access(folder, os.W_OK):
        raise ConfigurationError(f"cannot create {option} {path}: the folder is not writable")


def read_labels(args: argparse.Namespace) -> list[str]:
    """The labels from ``--labels`` or ``--labels-file``."""
    if args.labels_file:
        _readable(args.labels_file, "labels file")
        try:
            with open(args.labels_file, encoding="utf-8") as f:
                labels = [line.strip() for line in f if line.strip()]
        except UnicodeDecodeError as exc:
            raise ConfigurationError(
                f"labels file {args.labels_file} is not UTF-8 text ({exc.reason})"
            ) from None
        if not labels:
            raise ConfigurationError(f"labels file {args.labels_file} holds no labels")
        return labels
    return [lab.strip() for lab in args.labels.split(",") if lab.strip()]


def scan_input(path: str, fmt: str, on_bad_line: str) -> tuple[int, int]:
    """Check an input file before the run: (lines that hold something, bad lines).

    One pass over the bytes: each line must be UTF-8 and at most ``MAX_LINE_BYTES``;
    a bad line is an error naming its number unless ``on_bad_line == "skip"``.
    """
    _readable(path, "input file")
    decoder = codecs.getincrementaldecoder("utf-8")()
    filled = bad = 0
    number = 0
    with open(path, "rb") as f:
        pending = b""
        while block := f.read(1 << 20):
            lines = (pending + block).split(b"\n")
            pending = lines.pop()
            if len(pending) > MAX_LINE_BYTES:
                raise _bad_line(path, number + len(lines) + 1, "is longer than 16 MiB")
            for line in lines:
                number += 1
                f_bad = _check_line(line, decoder)
                if f_bad is None:
                    filled += bool(line.strip())
                elif on_bad_line == "skip":
                    bad += 1
                else:
                    raise _bad_line(path, number, f_bad)
        if pending:
            number += 1
            problem = _check_line(pending, decoder)
            if problem is None:
                filled += bool(pending.strip())
            elif on_bad_line == "skip":
                bad += 1
            else:
                raise _bad_line(path, number, problem)
    if filled - (fmt == "csv") <= 0:
        raise ConfigurationError(f"no texts in {path}")
    return filled - (fmt == "csv"), bad


def _check_line(line: bytes, decoder: codecs.IncrementalDecoder) -> str | None:
    if len(line) > MAX_LINE_BYTES:
        return "is longer than 16 MiB"
    try:
        decoder.decode(line, final=True)
    except UnicodeDecodeError as exc:
        return f"is not valid UTF-8 (byte {exc.start + 1} of the line: {exc.reason})"
    finally:
        decoder.reset()
    return None


def _bad_line(path: str, number: int, problem: str) -> ConfigurationError:
    return ConfigurationError(
        f"line {number} of {path} {problem}; fix it, or pass --on-bad-line skip"
    )


def check_fields(args: argparse.Namespace, fmt: str) -> None:
    """Refuse, before anything is sent, a text, id or gold field the input does not have.

    A CSV's header names its columns; a JSONL file's first object stands for its rows (a
    later row without the text field becomes an error row, not a silent loss).
    """
    if args.input == "-" or fmt == "text":
        return
    with open(args.input, encoding="utf-8-sig", errors="replace", newline="") as f:
        if fmt == "csv":
            fields = next(csv.reader(f), [])
            where = "columns"
        else:
            first = next((line for line in f if line.strip()), "")
            try:
                row = msgspec.json.decode(first)
            except msgspec.DecodeError:
                return  # a bad line: reported (or skipped) where it is read
            if not isinstance(row, dict):
                raise ConfigurationError(
                    f"{args.input} is JSONL of {type(row).__name__}s: each line must be an "
                    'object such as {"text": "..."}'
                )
            fields = list(row)
            where = "fields in its first row"
    kind = "column" if fmt == "csv" else "field"
    found = f"{where}: {', '.join(fields) or 'none'}"
    if args.column is None and "text" not in fields:
        if fmt == "csv" and len(fields) == 1:
            return  # the only column is the text (see TextSource)
        raise ConfigurationError(
            f"no {kind} 'text' in {args.input}: say which holds the text with --column ({found})"
        )
    for option, name in (
        ("--column", args.column),
        ("--id-column", args.id_column),
        ("--gold-column", args.gold_column),
    ):
        if name and name not in fields:
            raise ConfigurationError(f"no {kind} {name!r} ({option}) in {args.input}; {found}")


def input_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    lower = args.input.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return "text"


class TextSource:
    """Reads items lazily as ``(id, text)`` and remembers gold labels when asked."""

    def __init__(self, args: argparse.Namespace, fmt: str) -> None:
        self.args = args
        self.fmt = fmt
        self.gold: dict[str, str] = {}
        self.bad_lines = 0  # skipped with --on-bad-line skip

    def _open(self) -> TextIO:
        # Undecodable bytes become lone surrogates, so that a bad line is found by its
        # number (and skipped or reported) instead of ending the read with a byte offset.
        if self.args.input == "-":
            return io.TextIOWrapper(
                sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape", newline=""
            )
        return open(self.args.input, encoding="utf-8-sig", errors="surrogateescape", newline="")

    def _bad(self, number: int, problem: str) -> None:
        if self.args.on_bad_line != "skip":
            raise _bad_line(self.args.input, number, problem)
        self.bad_lines += 1

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
                    if _SURROGATE.search(text):
                        self._bad(n, "is not valid UTF-8")
                    else:  # a blank line is an empty text: an error row, never dropped
                        yield str(n), text
        finally:
            if isinstance(f, io.TextIOWrapper) and self.args.input == "-":
                f.detach()  # leave sys.stdin itself open
            else:
                f.close()

    def _pick(self, row: dict[str, Any], n: int) -> tuple[str, str]:
        """The row's id and text; a row with no text keeps its place with an empty one (the
        classifier answers it with an EmptyTextError row, sending nothing)."""
        a = self.args
        text = row.get(a.column or "text")
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        key = str(row.get(a.id_column, "")) if a.id_column else str(n)
        if a.gold_column and row.get(a.gold_column) not in (None, ""):
            self.gold[key] = str(row[a.gold_column])
        return key, text

    def _csv(self, f: TextIO) -> Iterator[tuple[str, str]]:
        csv.field_size_limit(sys.maxsize)  # fields of any size (the default stops at 128 KiB)
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
            if any(isinstance(v, str) and _SURROGATE.search(v) for v in row.values()):
                self._bad(reader.line_num, "is not valid UTF-8")
                continue
            yield self._pick(row, n)

    def _jsonl(self, f: TextIO) -> Iterator[tuple[str, str]]:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            if _SURROGATE.search(line):
                self._bad(n, "is not valid UTF-8")
                continue
            try:
                row = msgspec.json.decode(line)
            except msgspec.DecodeError as exc:
                self._bad(n, f"is not JSON ({exc})")
                continue
            if isinstance(row, dict):
                yield self._pick(row, n)
            else:
                self._bad(n, "is not a JSON object")
