"""What a classify run did, as one JSON-able summary: the table, ``--summary-json`` and the
HTML report are all drawn from it.

Rows are tallied from the finished results file when there is one (so a resumed run's
figures cover the whole file); tokens, cost, retries and wall time of earlier runs on the
same file are kept beside it in ``FILE.totals.json``.
"""

from __future__ import annotations

import collections
import csv
import heapq
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TextIO

import msgspec

from .._bulk.estimate import CostEstimate
from .._bulk.stats import BatchStats
from .._prices import Price

__all__ = [
    "Tally",
    "Totals",
    "estimate_json",
    "estimate_rows",
    "print_table",
    "read_rows",
    "summarize",
    "summary_rows",
    "write_json",
]

#: Confidence histogram: ten bins of 0.1.
BINS = 10
#: How many of the least confident rows the summary keeps.
LEAST = 20


class Tally:
    """Counts output rows: labels, failures, confidence per label, the least confident rows,
    and against gold labels the confusion matrix."""

    def __init__(self, labels: Sequence[str], gold: Mapping[str, str] | None) -> None:
        self.labels = list(labels)
        self.gold = gold
        self._by_fold = {label.casefold(): label for label in labels}
        self.rows = 0
        self.label_counts: collections.Counter[str] = collections.Counter()
        self.failures: collections.Counter[str] = collections.Counter()
        self.histogram: dict[str, list[int]] = {label: [0] * BINS for label in labels}
        self._least: list[tuple[float, int, str, str]] = []  # a max-heap by -confidence
        self.confusion: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )

    def add(self, row: Mapping[str, Any]) -> None:
        """Count one output row (``id``, ``label`` or ``labels``, ``confidence``, ``error``)."""
        self.rows += 1
        error = row.get("error")
        if error:
            kind = error.get("type") if isinstance(error, Mapping) else None
            self.failures[str(kind or "error")] += 1
            return
        found = row.get("labels") or ([row["label"]] if row.get("label") else [])
        self.label_counts.update(found)
        confidence = row.get("confidence")
        key = str(row.get("id"))
        if isinstance(confidence, (int, float)) and found:
            for label in found:
                if label in self.histogram:
                    self.histogram[label][min(int(confidence * BINS), BINS - 1)] += 1
            entry = (-float(confidence), self.rows, key, ",".join(found))
            if len(self._least) < LEAST:
                heapq.heappush(self._least, entry)
            elif entry > self._least[0]:
                heapq.heapreplace(self._least, entry)
        if self.gold is not None and key in self.gold and found:
            truth = self.gold[key].strip()
            self.confusion[self._by_fold.get(truth.casefold(), truth)][found[0]] += 1

    def least_confident(self) -> list[dict[str, Any]]:
        """The least confident rows, least first: id, label, confidence."""
        ordered = sorted(self._least, reverse=True)
        return [{"id": k, "label": lab, "confidence": -c} for c, _, k, lab in ordered]

    def against_gold(self) -> dict[str, Any] | None:
        """Accuracy, the confusion matrix (gold -> predicted -> rows) and per-label
        precision and recall, over the rows that have a gold label; None without gold."""
        if self.gold is None:
            return None
        seen = sum(sum(c.values()) for c in self.confusion.values())
        right = sum(c[g] for g, c in self.confusion.items())
        per_label = {}
        for label in self.labels:
            true_pos = self.confusion.get(label, collections.Counter())[label]
            predicted = sum(c[label] for c in self.confusion.values())
            support = sum(self.confusion.get(label, collections.Counter()).values())
            per_label[label] = {
                "precision": true_pos / predicted if predicted else None,
                "recall": true_pos / support if support else None,
                "support": support,
            }
        return {
            "seen": seen,
            "right": right,
            "accuracy": right / seen if seen else None,
            "confusion": {g: dict(c) for g, c in sorted(self.confusion.items())},
            "per_label": per_label,
        }


class Totals:
    """Tokens, cost, retries and wall time summed over the runs on one results file."""

    KEYS = (
        "prompt_tokens",
        "cached_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "retried",
        "throttled",
        "unpriced",
    )

    def __init__(self, output: str | None, resume: bool) -> None:
        self.path = None if output is None else output + ".totals.json"
        self.before: dict[str, Any] = {}
        if self.path is not None and os.path.exists(self.path):
            if resume:
                try:
                    with open(self.path, encoding="utf-8") as f:
                        self.before = json.load(f)
                except (OSError, ValueError):
                    self.before = {}  # a torn or foreign file: count this run only
            else:
                os.remove(self.path)

    def now(self, stats: BatchStats, wall: float) -> dict[str, Any]:
        """The sums with this run's figures so far."""
        before = self.before
        out: dict[str, Any] = {k: int(before.get(k, 0)) + int(getattr(stats, k)) for k in self.KEYS}
        costs = [c for c in (before.get("cost_usd"), stats.cost_usd) if c is not None]
        out["cost_usd"] = sum(costs) if costs else None
        out["wall_s"] = float(before.get("wall_s", 0.0)) + wall
        out["runs"] = int(before.get("runs", 0)) + 1
        return out

    def save(self, stats: BatchStats, wall: float) -> None:
        """Write the sums beside the results file (atomically)."""
        if self.path is None:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.now(stats, wall), f)
        os.replace(tmp, self.path)


def read_rows(path: str) -> Iterator[dict[str, Any]]:
    """The rows of a results file, as the run wrote them (CSV cells decoded back)."""
    if not path.lower().endswith(".csv"):
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    yield msgspec.json.decode(line)
        return
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out: dict[str, Any] = dict(row)
            for name in ("error", "labels"):
                if out.get(name):
                    out[name] = json.loads(out[name])
            out["confidence"] = float(row["confidence"]) if row.get("confidence") else None
            yield out


def summarize(
    tally: Tally,
    totals: dict[str, Any],
    *,
    resumed: int,
    bad_lines: int,
    price: Price | None,
    timeline: list[dict[str, float]],
) -> dict[str, Any]:
    """The run's summary (what ``--summary-json`` writes)."""
    return {
        "rows": tally.rows,
        "labelled": tally.rows - sum(tally.failures.values()),
        "labels": {label: tally.label_counts[label] for label in tally.labels},
        "failed": dict(tally.failures.most_common()),
        "resumed": resumed,
        "skipped_bad_lines": bad_lines,
        "confidence_histogram": tally.histogram,
        "least_confident": tally.least_confident(),
        "gold": tally.against_gold(),
        **totals,
        "price": price_json(price),
        "timeline": timeline,
    }


def summary_rows(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The summary as the table printed at the end of a run."""
    rows: list[tuple[str, str]] = [
        (f"label {k}", f"{v:,}") for k, v in sorted(s["labels"].items(), key=lambda kv: -kv[1])
    ]
    rows += [(f"failed: {k}", f"{v:,}") for k, v in s["failed"].items()]
    rows.append(("rows", f"{s['rows']:,}"))
    if s["resumed"]:
        rows.append(("already done (resumed)", f"{s['resumed']:,}"))
    gold = s["gold"]
    if gold is not None:
        seen = gold["seen"]
        rows.append(
            (
                "accuracy vs gold",
                f"{gold['accuracy']:.1%} ({gold['right']:,}/{seen:,})" if seen else "n/a",
            )
        )
    rows.append(
        (
            "tokens",
            f"{s['prompt_tokens']:,} prompt ({s['cached_tokens']:,} cached) + "
            f"{s['completion_tokens']:,} completion ({s['reasoning_tokens']:,} reasoning)",
        )
    )
    rows.append(("cost", _cost(s)))
    price = s["price"]
    if price and s["cached_tokens"] and price["cached_input"] is not None:
        saved = s["cached_tokens"] * (price["input"] - price["cached_input"]) / 1e6
        rows.append(("saved by cached input", f"${saved:.6f}"))
    rows.append(("retried / throttled", f"{s['retried']:,} / {s['throttled']:,}"))
    if s["skipped_bad_lines"]:
        rows.append(("skipped bad lines", f"{s['skipped_bad_lines']:,}"))
    runs = f" over {s['runs']} runs" if s["runs"] > 1 else ""
    rows.append(("wall time", f"{s['wall_s']:.2f}s{runs}"))
    this = s.get("this_run")
    if this:
        rate = this["rows"] / this["wall_s"] if this["wall_s"] > 0 else 0.0
        rows.append(("requests/s (this run)", f"{rate:.1f}"))
    return rows


def price_json(price: Price | None) -> dict[str, Any] | None:
    """A price as the summary shows it."""
    if price is None:
        return None
    return {
        "input": price.input,
        "cached_input": price.cached_input,
        "output": price.output,
        "source": price.source,
        "as_of": price.as_of,
    }


def estimate_json(e: CostEstimate) -> dict[str, Any]:
    """``--dry-run``'s figures as ``--summary-json`` writes them."""
    return {
        "items": e.items,
        "done": e.done,
        "empty": e.empty,
        "distinct": e.distinct,
        "prompt_tokens": e.prompt_tokens,
        "completion_tokens": e.completion_tokens,
        "cost_usd": e.cost_usd,
        "price": price_json(e.price),
    }


def write_json(path: str, document: Mapping[str, Any]) -> None:
    """Write ``document`` to ``path`` as indented JSON."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
        f.write("\n")


def estimate_rows(e: CostEstimate, provider: str, model: str) -> list[tuple[str, str]]:
    """``--dry-run``'s table."""
    rows = [("items", f"{e.items:,}")]
    if e.done:
        rows.append(("already done (resumed)", f"{e.done:,}"))
    rows += [
        ("empty texts (an error row each)", f"{e.empty:,}"),
        ("requests (distinct texts)", f"{e.distinct:,}"),
        ("prompt tokens (estimate)", f"{e.prompt_tokens:,}"),
        ("completion tokens (estimate)", f"{e.completion_tokens:,}"),
    ]
    if e.cost_usd is None or e.price is None:
        cost = f"unknown: no price for {model} on {provider} (give one with --price IN,OUT)"
    else:
        cost = f"${e.cost_usd:.6f} ({model} on {provider}; prices of {e.price.source}"
        cost += f" {e.price.as_of})" if e.price.as_of else ")"
    rows.append(("cost (estimate)", cost))
    return rows


def print_table(title: str, rows: list[tuple[str, str]], file: TextIO) -> None:
    """Two columns, with rich where it is installed."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        width = max(len(k) for k, _ in rows)
        print(title, file=file)
        for k, v in rows:
            print(f"{k:<{width}}  {v}", file=file)
        return
    table = Table(title=title, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for k, v in rows:
        table.add_row(k, v)
    Console(file=file, width=max(Console(file=file).width, 100)).print(table)


def _cost(s: Mapping[str, Any]) -> str:
    if s["cost_usd"] is None:
        return "unknown: no price for this model and provider (give one with --price IN,OUT)"
    unpriced = f" (+{s['unpriced']:,} answers not priced)" if s["unpriced"] else ""
    price = s["price"]
    source = f"; prices of {price['source']} {price['as_of']}".rstrip() if price else ""
    return f"${s['cost_usd']:.6f}{unpriced}{source}"
