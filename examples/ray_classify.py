"""Classify a Parquet file on Ray Data and write the labels as Parquet.

    pip install -e ".[ray]"
    python examples/ray_classify.py reviews.parquet labelled/ --rpm 3000
    python examples/ray_classify.py --fake            # no key: the embedded fake server

With ``--fake`` and no input, ``examples/reviews.csv`` is turned into a Parquet file first.
Run it again with ``--previous labelled/`` after a crash: the ids labelled already are not
sent again. The key comes from the environment (``SEED_API_KEY``, ``ARK_API_KEY``...), as
for ``SeedClient()``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
from pathlib import Path

import pyarrow.csv
import pyarrow.parquet
import ray
import ray.data

import seedclient.ray

HERE = Path(__file__).resolve().parent


def fake_server() -> str:
    """A FakeSeedServer on its own loop in a thread; its URL."""
    from seedclient.testing import FakeSeedServer

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    server = FakeSeedServer()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    return server.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", nargs="?", help="a Parquet file or folder with id and text")
    parser.add_argument("output", nargs="?", help="the folder the labelled Parquet goes to")
    parser.add_argument("--labels", default="positive,negative,neutral")
    parser.add_argument("--model", default="seed-1.6-flash")
    parser.add_argument("--rpm", type=int, help="the account's requests per minute")
    parser.add_argument("--previous", help="an earlier output folder: its ids are skipped")
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--fake", action="store_true", help="use the embedded fake server")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ray-classify-"))
    source = args.input
    if source is None:
        source = str(work / "reviews.parquet")
        pyarrow.parquet.write_table(pyarrow.csv.read_csv(HERE / "reviews.csv"), source)
    output = args.output or str(work / "labelled")
    options = {"base_url": fake_server(), "api_key": "fake"} if args.fake else None

    ray.init(num_cpus=4, include_dashboard=False)  # fractional CPUs per actor: fits 2 cores
    budget = seedclient.ray.RateBudget(rpm=args.rpm)
    labelled = seedclient.ray.classify(
        ray.data.read_parquet(source),
        labels=args.labels.split(","),
        model=args.model,
        id_column="id",
        client_options=options,
        budget=budget,
        previous=ray.data.read_parquet(args.previous) if args.previous else None,
        num_actors=args.actors,
    )
    labelled.write_parquet(output)
    summary = budget.summary()
    print(
        f"{summary.rows} rows labelled into {output}: {summary.errors} errors, "
        f"{summary.skipped} skipped as done before, {summary.total_tokens} tokens"
    )


if __name__ == "__main__":
    main()
