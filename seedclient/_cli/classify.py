"""``seedclient classify``: label a file's texts; resumable; progress and summary."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
from collections.abc import Iterator
from typing import Any

import msgspec

from .._bulk.checkpoint import done_ids
from .._bulk.classify import Classifier
from .._config import resolve_model
from .._errors import ConfigurationError
from .._prices import Price, price_of
from .inputs import (
    TextSource,
    check_fields,
    check_output,
    check_writable,
    input_format,
    read_labels,
    scan_input,
)
from .progress import Progress
from .summary import (
    Tally,
    Totals,
    estimate_json,
    estimate_rows,
    print_table,
    read_rows,
    summarize,
    summary_rows,
    write_json,
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
    p.add_argument(
        "--price",
        metavar="IN,OUT[,CACHED]",
        help="USD per million input, output (and cached input) tokens, for the cost where "
        "the catalogue has no price for the model and provider",
    )
    p.add_argument(
        "--cache-prefix",
        action="store_true",
        help="on Ark: store the instructions and labels once as a cached prefix (Responses "
        "API) and send each text after it, at the cached price (no confidence)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the items, distinct texts, estimated tokens and cost; send nothing",
    )
    p.add_argument("--limit", type=int, metavar="N", help="only the first N items")
    p.add_argument(
        "--max-cost",
        type=float,
        metavar="USD",
        help="stop (exit 3, what is done kept) before the estimate or the running cost passes this",
    )
    p.add_argument("--summary-json", metavar="FILE", help="write the run's summary as JSON to FILE")
    p.add_argument(
        "--report",
        metavar="FILE.html",
        help="write a self-contained HTML report: labels, confidence, the least confident "
        "rows, against --gold-column the confusion matrix, throughput and 429s over time",
    )
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


# ---------------------------------------------------------------------------- the command


async def _classify(args: argparse.Namespace) -> int:
    from .common import EXIT_STOPPED, fail, open_client

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
    for option, path in (("--summary-json", args.summary_json), ("--report", args.report)):
        if path:
            check_writable(path, option)
    for option, value in (("--limit", args.limit), ("--max-cost", args.max_cost)):
        if value is not None and not value > 0:
            raise ConfigurationError(f"{option} must be positive, got {value}")
    price = parse_price(args.price) if args.price else None
    if args.input != "-":
        scan_input(args.input, fmt, args.on_bad_line)
    check_fields(args, fmt)
    source = TextSource(args, fmt)

    def items() -> Iterator[tuple[str, str]]:
        return itertools.islice(source, args.limit)

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
            price=price,
            max_cost=args.max_cost,
            cache_prefix=args.cache_prefix,
        )
        total = None
        if args.dry_run or args.max_cost is not None:
            resuming = args.output and args.resume
            done = done_ids(args.output, args.retry_failed) if resuming else None
            estimate = clf.estimate(items(), done=done)
            total = estimate.items
            if args.dry_run:
                if args.summary_json:
                    write_json(args.summary_json, {"dry_run": True, **estimate_json(estimate)})
                print_table(
                    "seedclient classify --dry-run: nothing was sent",
                    estimate_rows(estimate, client.provider, args.model),
                    sys.stdout,
                )
                return 0
            if estimate.cost_usd is None and not client.requester.provider.reports_cost:
                raise ConfigurationError(
                    f"--max-cost needs a price, and none is known for {args.model} on "
                    f"{client.provider}: give one with --price IN,OUT (USD per million tokens)"
                )
            if estimate.cost_usd is not None and estimate.cost_usd > args.max_cost:
                fail(
                    f"stopped before sending anything: the estimate ${estimate.cost_usd:.4f} "
                    f"passes --max-cost ${args.max_cost:g} (--dry-run shows it; --limit N "
                    "runs a sample)",
                    EXIT_STOPPED,
                )
        elif args.input != "-":
            total = sum(1 for _ in items())
        if args.output:
            args.interrupt_hint = (
                f"\ninterrupted: finished rows are in {args.output}; "
                "run the same command again to resume"
            )
        summary = await _run(args, clf, items(), total, source)
    return _finish(args, summary, source)


async def _run(
    args: argparse.Namespace,
    clf: Classifier,
    items: Iterator[tuple[str, str]],
    total: int | None,
    source: TextSource,
) -> dict[str, Any]:
    """Classify, showing progress; then the summary of the whole results file."""
    gold = source.gold if args.gold_column else None
    tally = Tally(clf.labels, gold)
    totals = Totals(args.output, args.resume)
    progress = Progress(clf.runner, total, enabled=not args.no_progress)
    stats = clf.runner.stats
    run = clf.classify(
        items,
        checkpoint=_checkpoint(args),
        include_text=args.include_text,
        retry_failed=args.retry_failed,
    )
    out = sys.stdout if not args.output else None
    ticker = asyncio.create_task(_tick(progress))
    try:
        async with run as results:
            async for r in results:
                row = r.row(include_text=args.include_text, multi_label=args.multi_label)
                if out is not None:
                    out.write(msgspec.json.encode(row).decode() + "\n")
                    tally.add(row)
                progress.update()
    finally:
        ticker.cancel()
        progress.close()
        totals.save(stats, progress.wall)
    if out is not None:
        out.flush()
    else:
        for row in read_rows(args.output):  # the whole file, earlier runs' rows too
            tally.add(row)
    summary = summarize(
        tally,
        totals.now(stats, progress.wall),
        resumed=stats.skipped,
        bad_lines=source.bad_lines,
        price=clf.runner.price or _catalog_price(clf),
        timeline=progress.timeline,
    )
    summary["this_run"] = {
        "rows": stats.done + stats.failed,
        "failed": stats.failed,
        "wall_s": round(progress.wall, 3),
    }
    return summary


def _finish(args: argparse.Namespace, summary: dict[str, Any], source: TextSource) -> int:
    """The table on stderr, ``--summary-json`` and ``--report``; the exit code."""
    least = summary["least_confident"]
    if least and args.input != "-":  # the texts of the few least confident rows
        wanted = {row["id"]: row for row in least}
        for key, text in source:
            if key in wanted:
                wanted[key]["text"] = text
    print_table("seedclient classify", summary_rows(summary), sys.stderr)
    if args.summary_json:
        write_json(args.summary_json, summary)
    if args.report:
        from .report import write_report

        write_report(args.report, summary, title=f"seedclient classify {args.input}")
    return EXIT_FAILED_ITEMS if summary["this_run"]["failed"] else 0


async def _tick(progress: Progress) -> None:
    while True:
        await asyncio.sleep(1.0)
        progress.tick()


def _catalog_price(clf: Classifier) -> Price | None:
    provider = clf.client.requester.provider
    return price_of(provider.name, resolve_model(provider, clf.model))


def parse_price(text: str) -> Price:
    """``--price IN,OUT[,CACHED]``: USD per million tokens."""
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) not in (2, 3) or any(p < 0 for p in parts):
        raise ConfigurationError(
            f"--price takes IN,OUT or IN,OUT,CACHED in USD per million tokens, got {text!r}"
        )
    return Price(
        input=parts[0],
        output=parts[1],
        cached_input=parts[2] if len(parts) == 3 else None,
        source="--price",
    )


def _checkpoint(args: argparse.Namespace) -> str | None:
    if not args.output:
        return None
    if not args.resume and os.path.exists(args.output):
        os.remove(args.output)
    return str(args.output)
