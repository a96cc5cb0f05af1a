"""``seedclient classify``: label a file's texts; resumable; progress and summary."""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from typing import Any

import msgspec

from .._bulk.classify import Classification, Classifier
from .._bulk.stats import BatchStats
from .inputs import (
    TextSource,
    check_fields,
    check_output,
    input_format,
    read_labels,
    scan_input,
)

__all__ = ["add_classify_parser"]

EXIT_FAILED_ITEMS = 1


def add_classify_parser(sub: Any) -> None:
    """Register the ``classify`` subcommand."""
    from .common import add_connection_args

    p = sub.add_parser(
        "classify",
        help="label every text of a file with a Seed model",
        description="Label every text of a CSV, JSONL or text file (one text per line).",
        epilog=(
            "exit codes:\n"
            "  0    every row labelled\n"
            "  1    finished, with failed rows (run the same command again to retry them)\n"
            "  2    usage or input error: nothing was sent\n"
            "  3    stopped early: authentication, permission, unknown model or quota\n"
            "       (what is done is kept; fix it and run the same command again)\n"
            "  130  interrupted (what is done is kept)\n"
            "\n"
            "any OpenAI-compatible server (vLLM, llama.cpp, Ollama, LM Studio, litellm):\n"
            "  seedclient classify reviews.csv --labels pos,neg \\\n"
            "      --base-url http://127.0.0.1:8080/v1 --model MODEL [--extra-body JSON]\n"
            "  (the key from SEED_API_KEY; a local server takes any; confidence comes from\n"
            "  the server's log-probabilities where it gives them)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", help="the file ('-': stdin)")
    labels = p.add_mutually_exclusive_group(required=True)
    labels.add_argument("--labels", help="comma-separated labels, e.g. positive,negative,neutral")
    labels.add_argument("--labels-file", help="a file with one label per line")
    p.add_argument(
        "--format", choices=("csv", "jsonl", "text"), help="input format (default: by extension)"
    )
    p.add_argument("--column", help="the text column or key (default: 'text', or the only column)")
    p.add_argument("--id-column", help="the id column or key (default: the 1-based row number)")
    p.add_argument("--gold-column", help="a column of true labels: report accuracy against it")
    p.add_argument("--output", "-o", help="results file, .jsonl or .csv (default: JSONL on stdout)")
    p.add_argument(
        "--resume",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep rows already in --output and skip their ids (default: on)",
    )
    p.add_argument(
        "--retry-failed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="on resume, send again the ids whose latest row is an error (default: on)",
    )
    p.add_argument(
        "--on-bad-line",
        choices=("error", "skip"),
        default="error",
        help="a line that is not UTF-8, not JSON or over 16 MiB: stop before sending "
        "anything, or skip it and count it in the summary (default: %(default)s)",
    )
    p.add_argument("--include-text", action="store_true", help="copy the input text to each row")
    p.add_argument("--multi-label", action="store_true", help="allow several labels per text")
    p.add_argument("--instructions", help="what to classify by, for the model")
    add_connection_args(p)
    p.add_argument(
        "--model",
        default="seed-1.6-flash",
        help="a model alias, a pinned id or an ep- endpoint id (default: %(default)s)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        help="requests in flight (default: 64; 2000 with --batch-endpoint)",
    )
    p.add_argument(
        "--batch-endpoint",
        action="store_true",
        help="send through Ark's Batch Chat at half price (--model must be an ep-bi- "
        "endpoint; answers may take minutes)",
    )
    p.add_argument("--rpm", type=int, help="requests per minute not to exceed")
    p.add_argument("--tpm", type=int, help="tokens per minute not to exceed")
    p.add_argument("--no-progress", action="store_true", help="no progress display on stderr")
    p.add_argument(
        "--fake-fault",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="with --fake: inject a fault, e.g. rate_limit=0.05 (repeatable)",
    )
    p.add_argument(
        "--fake-rpm", type=int, help="with --fake: the fake server's requests/minute limit"
    )
    p.set_defaults(func=_classify, stops_early=True)


# ---------------------------------------------------------------------------- display


class _Display:
    """A live progress bar on stderr (rich when installed), then a summary."""

    def __init__(self, stats: BatchStats, total: int | None, enabled: bool) -> None:
        self.stats = stats
        self.total = total
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None
        self._last_plain = time.monotonic()
        if not enabled:
            return
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )
        except ImportError:
            return
        console = Console(stderr=True)
        if not console.is_terminal:
            return
        self._progress = Progress(
            TextColumn("classifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}/s"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[extra]}"),
            console=console,
            refresh_per_second=5,
        )
        self._progress.start()
        self._task = self._progress.add_task("classify", total=total, rate="0", extra="")

    def _extra(self) -> str:
        s = self.stats
        parts = [
            f"errors {s.failed}",
            f"throttled {s.throttled}",
            f"tokens {s.prompt_tokens + s.completion_tokens:,}",
        ]
        if s.cost_usd is not None:
            parts.append(f"${s.cost_usd:.4f}")
        elif s.credits_used:
            parts.append(f"{s.credits_used:,.0f} credits")
        return " · ".join(parts)

    def update(self) -> None:
        s = self.stats
        done = s.done + s.failed + s.skipped
        if self._progress is not None:
            self._progress.update(
                self._task, completed=done, rate=f"{s.requests_per_second:.0f}", extra=self._extra()
            )
        elif self.enabled:
            now = time.monotonic()
            if now - self._last_plain >= 5.0:
                self._last_plain = now
                of = f"/{self.total}" if self.total is not None else ""
                print(
                    f"classified {done}{of} · {s.requests_per_second:.0f}/s · {self._extra()}",
                    file=sys.stderr,
                    flush=True,
                )

    def close(self) -> None:
        if self._progress is not None:
            self.update()
            self._progress.stop()
            self._progress = None


def _summary(
    stats: BatchStats,
    labels: collections.Counter[str],
    failures: collections.Counter[str],
    accuracy: tuple[int, int] | None,
    wall: float,
) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [(f"label {k}", f"{v:,}") for k, v in labels.most_common()]
    rows += [(f"failed: {k}", f"{v:,}") for k, v in failures.most_common()]
    if stats.skipped:
        rows.append(("already done (resumed)", f"{stats.skipped:,}"))
    if accuracy is not None:
        right, seen = accuracy
        rows.append(
            ("accuracy vs gold", f"{right / seen:.1%} ({right:,}/{seen:,})" if seen else "n/a")
        )
    rows.append(
        (
            "tokens",
            f"{stats.prompt_tokens:,} prompt ({stats.cached_tokens:,} cached) + "
            f"{stats.completion_tokens:,} completion ({stats.reasoning_tokens:,} reasoning)",
        )
    )
    if stats.cost_usd is not None or stats.credits_used:
        cost = f"${stats.cost_usd:.6f}" if stats.cost_usd is not None else ""
        rows.append(("cost", f"{cost} {stats.credits_used:,.0f} credits".strip()))
    rows.append(("retried / throttled", f"{stats.retried:,} / {stats.throttled:,}"))
    finished = stats.done + stats.failed
    rows.append(("wall time", f"{wall:.2f}s"))
    rows.append(("requests/s", f"{finished / wall:.1f}" if wall > 0 else "n/a"))
    return rows


def _print_summary(rows: list[tuple[str, str]]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k:<{width}}  {v}", file=sys.stderr)
        return
    table = Table(title="seedclient classify", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for k, v in rows:
        table.add_row(k, v)
    Console(stderr=True).print(table)


# ---------------------------------------------------------------------------- the command


async def _classify(args: argparse.Namespace) -> int:
    from .common import open_client

    if args.fake:
        from .common import fault_plan

        args.fake_options = {
            "faults": fault_plan(args.fake_fault, seed=0),
            "rpm_limit": args.fake_rpm,
        }
    fmt = input_format(args)
    labels = read_labels(args)
    if args.output:
        check_output(args.output)
    total = None if args.input == "-" else scan_input(args.input, fmt, args.on_bad_line)[0]
    check_fields(args, fmt)
    source = TextSource(args, fmt)
    if args.output:
        args.interrupt_hint = (
            f"\ninterrupted: finished rows are in {args.output}; "
            "run the same command again to resume"
        )
    label_counts: collections.Counter[str] = collections.Counter()
    failures: collections.Counter[str] = collections.Counter()
    right = seen = 0
    started = time.monotonic()
    async with open_client(args) as client:
        clf = Classifier(
            client,
            labels=labels,
            model=args.model,
            instructions=args.instructions,
            multi_label=args.multi_label,
            concurrency=args.concurrency,
            rpm=args.rpm,
            tpm=args.tpm,
            endpoint="batch" if args.batch_endpoint else "chat",
            extra_body=args.extra_body,
        )
        display = _Display(clf.runner.stats, total, enabled=not args.no_progress)
        run = clf.classify(
            source,
            checkpoint=_checkpoint(args),
            include_text=args.include_text,
            retry_failed=args.retry_failed,
        )
        out = sys.stdout if not args.output else None
        try:
            async with run as results:
                async for r in results:
                    _tally(r, label_counts, failures)
                    if source.gold and r.ok:
                        gold = source.gold.pop(r.id or "", None)
                        if gold is not None:
                            seen += 1
                            right += (r.label or "").casefold() == gold.strip().casefold()
                    if out is not None:
                        row = r.row(include_text=args.include_text, multi_label=args.multi_label)
                        out.write(msgspec.json.encode(row).decode() + "\n")
                    display.update()
        finally:
            display.close()
        if out is not None:
            out.flush()
        stats = clf.runner.stats
        if run.checkpoint is not None:
            label_counts.update(run.checkpoint.labels_before)  # the whole file, not this run
    rows = _summary(
        stats,
        label_counts,
        failures,
        (right, seen) if args.gold_column else None,
        time.monotonic() - started,
    )
    if source.bad_lines:
        rows.append(("skipped bad lines", f"{source.bad_lines:,}"))
    _print_summary(rows)
    return EXIT_FAILED_ITEMS if stats.failed else 0


def _checkpoint(args: argparse.Namespace) -> str | None:
    if not args.output:
        return None
    if not args.resume and os.path.exists(args.output):
        os.remove(args.output)
    return str(args.output)


def _tally(
    r: Classification, labels: collections.Counter[str], failures: collections.Counter[str]
) -> None:
    if r.error is not None:
        failures[type(r.error).__name__] += 1
    elif r.labels is not None:
        labels.update(r.labels)
    elif r.label is not None:
        labels[r.label] += 1
