"""seedclient.ray on a local Ray cluster started here, against a FakeSeedServer with limits.

Run by ``nox -s ray`` (which installs the ``ray`` extra). Ray gets 4 logical CPUs on this
two-core machine and each actor a quarter of one, with the dashboard and auth off.
"""

from __future__ import annotations

import asyncio
import csv
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("RAY_AUTH_MODE", "disabled")

import ray
import ray.data

import seedclient.ray
from seedclient import Classifier, SeedClient
from seedclient.testing import FakeSeedServer, FaultPlan

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["positive", "negative", "neutral"]
pytestmark = pytest.mark.timeout(300)


def reviews(n: int = 300) -> list[dict[str, str]]:
    with open(ROOT / "examples" / "reviews.csv", newline="", encoding="utf-8") as f:
        rows = [{"id": r["id"], "text": r["text"]} for r in csv.DictReader(f)]
    return rows[:n]


class ServerThread:
    """A FakeSeedServer on its own event loop in a thread: Ray's actors reach it by URL,
    the test reads its stats directly."""

    def __init__(self, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = FakeSeedServer(**options)
        self._run(self.server.start())

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self._run(self.server.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="session", autouse=True)
def cluster() -> Iterator[None]:
    ray.init(
        num_cpus=4,
        include_dashboard=False,
        namespace="seedclient-tests",
        log_to_driver=False,
        configure_logging=False,
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[ServerThread] = []

    def start(**options: Any) -> ServerThread:
        started.append(ServerThread(**options))
        return started[-1]

    yield start
    for s in started:
        s.stop()


def single_process_labels(url: str, rows: list[dict[str, str]]) -> dict[str, str | None]:
    async def run() -> dict[str, str | None]:
        async with SeedClient(base_url=url, api_key="k") as client:
            clf = Classifier(client, labels=LABELS)
            done = await clf.classify_all([(r["id"], r["text"]) for r in rows])
            return {str(r.id): r.label for r in done}

    return asyncio.run(run())


def test_three_actors_share_one_budget_and_never_overrun_it(serve: Any) -> None:
    limit, window = 100, 2.0
    fake = serve(rpm_limit=limit, rpm_window=window)
    rows = reviews(300)
    budget = seedclient.ray.RateBudget(rpm=limit, window=window)
    out = seedclient.ray.classify(
        ray.data.from_items(rows),
        labels=LABELS,
        id_column="id",
        client_options={"base_url": fake.url, "api_key": "k"},
        budget=budget,
        num_actors=3,
        concurrency_per_actor=16,
        batch_size=20,
    ).take_all()

    stats = fake.server.stats
    assert stats.rate_limited == 0
    assert stats.max_in_window(window) <= limit
    ids = sorted(r["id"] for r in out)
    assert ids == sorted(r["id"] for r in rows)  # every row exactly once
    assert all(r["error"] is None for r in out)
    summary = budget.summary()
    assert summary.actors == 3
    assert summary.rows == 300
    assert summary.errors == 0
    assert summary.prompt_tokens > 0
    # The same labels as one process with the Classifier gives for the same texts.
    assert {r["id"]: r["label"] for r in out} == single_process_labels(fake.url, rows)


def test_a_row_that_always_fails_carries_its_error_and_the_rest_complete(serve: Any) -> None:
    rows = reviews(60)
    poison = rows[7]["text"]
    fake = serve(faults=FaultPlan(by_text={poison: "server_error"}))
    out = seedclient.ray.classify(
        ray.data.from_items(rows),
        labels=LABELS,
        id_column="id",
        client_options={"base_url": fake.url, "api_key": "k", "max_retries": 2},
        num_actors=2,
        batch_size=16,
    ).take_all()
    by_id = {r["id"]: r for r in out}
    assert len(out) == 60
    assert by_id[rows[7]["id"]]["label"] is None
    assert by_id[rows[7]["id"]]["error"].startswith("InternalServerError:")
    assert all(
        r["error"] is None and r["label"] in LABELS for k, r in by_id.items() if k != rows[7]["id"]
    )
    assert fake.server.stats.user_texts[poison] == 3  # the first try and 2 retries


def test_rerun_with_the_previous_output_classifies_only_the_missing_ids(
    serve: Any, tmp_path: Path
) -> None:
    rows = reviews(120)
    failed = rows[3]["text"]
    first = serve(faults=FaultPlan(by_text={failed: "server_error"}))
    options = {"base_url": first.url, "api_key": "k", "max_retries": 0}
    # A first run over the first 80 rows, one of them failing, written to Parquet.
    seedclient.ray.classify(
        ray.data.from_items(rows[:80]),
        labels=LABELS,
        id_column="id",
        client_options=options,
        batch_size=16,
    ).write_parquet(str(tmp_path / "run1"))
    previous = ray.data.read_parquet(str(tmp_path / "run1"))
    assert previous.count() == 80

    second = serve()
    budget = seedclient.ray.RateBudget()
    out = seedclient.ray.classify(
        ray.data.from_items(rows),
        labels=LABELS,
        id_column="id",
        client_options={"base_url": second.url, "api_key": "k"},
        previous=previous,
        budget=budget,
        batch_size=16,
    ).take_all()
    expected = {r["id"] for r in rows[80:]} | {rows[3]["id"]}  # missing, and the failed one
    assert {r["id"] for r in out} == expected
    assert second.server.stats.received == len(expected)  # nothing paid twice
    assert budget.summary().skipped == 79


def test_rows_without_an_id_get_a_stable_one(serve: Any) -> None:
    fake = serve()
    rows = [{"text": r["text"]} for r in reviews(30)]
    options = {"base_url": fake.url, "api_key": "k"}
    out = seedclient.ray.classify(
        ray.data.from_items(rows), labels=LABELS, client_options=options
    ).take_all()
    assert sorted(r["id"] for r in out) == sorted(seedclient.ray.row_id(r["text"]) for r in rows)
    again = seedclient.ray.classify(
        ray.data.from_items(rows),
        labels=LABELS,
        client_options=options,
        previous=ray.data.from_items(out),
    ).take_all()
    assert again == []


def test_a_wrong_key_stops_the_job_after_few_requests(serve: Any) -> None:
    fake = serve(api_key="right-key")
    budget = seedclient.ray.RateBudget()
    ds = seedclient.ray.classify(
        ray.data.from_items(reviews(200)),
        labels=LABELS,
        id_column="id",
        client_options={"base_url": fake.url, "api_key": "wrong-key"},
        budget=budget,
        num_actors=2,
        batch_size=20,
    )
    with pytest.raises(Exception, match="AuthenticationError") as caught:
        ds.take_all()
    assert "wrong-key" not in str(caught.value)
    # Each actor's first request goes alone; the first 401 stops every actor.
    assert fake.server.stats.received <= 2
    assert "AuthenticationError" in budget.summary().stopped


def test_the_key_is_in_no_ray_log_or_argument(serve: Any) -> None:
    secret = "sk-ray-secret-0123456789abcdef"
    fake = serve(api_key=secret)
    out = seedclient.ray.classify(
        ray.data.from_items(reviews(40)),
        labels=LABELS,
        id_column="id",
        client_options={"base_url": fake.url, "api_key": secret},
        batch_size=10,
    )
    rows = out.take_all()
    assert all(r["error"] is None for r in rows)  # the actors did use the key
    session = Path(ray._private.worker._global_node.get_session_dir_path())
    leaked = [
        p
        for p in session.rglob("*")
        if p.is_file() and p.stat().st_size < 50_000_000 and secret.encode() in p.read_bytes()
    ]
    assert leaked == []
    assert secret not in repr(out) and secret not in str(out.stats())


def test_chat_any_request_per_row(serve: Any) -> None:
    fake = serve()
    rows = [{"n": i, "question": f"Say hello number {i}"} for i in range(25)]
    out = seedclient.ray.chat(
        ray.data.from_items(rows),
        build_request=lambda row: {
            "model": "seed-1.6-flash",
            "messages": [{"role": "user", "content": row["question"]}],
            "max_tokens": 20,
        },
        id_column="n",
        client_options={"base_url": fake.url, "api_key": "k"},
    ).take_all()
    assert sorted(r["n"] for r in out) == list(range(25))
    assert all(r["content"] and r["error"] is None and r["total_tokens"] > 0 for r in out)
    assert fake.server.stats.received == 25


def test_the_example_reads_parquet_and_writes_parquet(tmp_path: Path) -> None:
    import subprocess
    import sys

    import pyarrow.csv
    import pyarrow.parquet

    source, out = tmp_path / "reviews.parquet", tmp_path / "labelled"
    pyarrow.parquet.write_table(pyarrow.csv.read_csv(ROOT / "examples" / "reviews.csv"), source)
    example = [sys.executable, str(ROOT / "examples" / "ray_classify.py"), "--fake"]
    done = subprocess.run(
        [*example, str(source), str(out)], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"300 rows labelled into {out}: 0 errors, 0 skipped" in done.stdout
    table = pyarrow.parquet.read_table(out)
    assert table.num_rows == 300
    assert set(table.column("label").to_pylist()) <= set(LABELS)
    # Run again with that output as --previous: nothing left to label, nothing sent.
    again = subprocess.run(
        [*example, str(source), str(tmp_path / "again"), "--previous", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert "0 rows labelled" in again.stdout and "300 skipped as done before" in again.stdout


def test_the_ray_guide_runs_as_a_script(serve: Any, tmp_path: Path) -> None:
    """The guide's blocks, pasted into one file (the second continues the first), run with
    ``python file.py`` given only the fake server's URL and a key, as the page says."""
    import re
    import subprocess
    import sys

    fake = serve()
    page = (ROOT / "docs" / "guides" / "ray.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) == 2 and blocks[1].startswith("# (continues the block above)")
    script = tmp_path / "guide.py"
    script.write_text("\n".join(blocks))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SEED_", "ARK_")) and k != "RAY_ADDRESS"
    }
    env.update(SEED_BASE_URL=fake.url, SEED_API_KEY="k")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    printed = done.stdout
    assert "[('r1', 'positive'), ('r2', 'negative')]" in printed
    assert "'rows': 2" in printed
    assert printed.rstrip().endswith("0")  # the rerun skipped every id


def test_every_public_name_of_seedclient_ray_is_documented() -> None:
    index = (ROOT / "docs" / "reference" / "index.md").read_text()
    for name in seedclient.ray.__all__:
        assert (getattr(seedclient.ray, name).__doc__ or "").strip(), name
        page = ROOT / "docs" / "reference" / f"ray.{name}.md"
        assert page.read_text() == f"# ray.{name}\n\n::: seedclient.ray.{name}\n", name
        assert f"](ray.{name}.md)" in index, name


def test_a_429_seen_by_one_actor_pauses_all_of_them(serve: Any) -> None:
    retry_after = 2.0
    plan = FaultPlan(script=[None] * 40 + ["rate_limit"], retry_after=retry_after)
    fake = serve(faults=plan)
    budget = seedclient.ray.RateBudget()
    out = seedclient.ray.classify(
        ray.data.from_items(reviews(200)),
        labels=LABELS,
        id_column="id",
        client_options={"base_url": fake.url, "api_key": "k"},
        budget=budget,
        num_actors=3,
        concurrency_per_actor=4,
        batch_size=10,
    ).take_all()
    assert len(out) == 200 and all(r["error"] is None for r in out)
    arrivals = list(fake.server.stats.arrivals)
    refused_at = arrivals[40]  # the 41st request was the 429
    # Blocks already taken may still be spent for up to 0.5 s; then no actor sends until
    # the pause ends.
    paused = [t for t in arrivals if refused_at + 0.6 < t < refused_at + retry_after - 0.1]
    assert paused == []
    assert arrivals[-1] > refused_at + retry_after  # and the job went on after it
    assert budget.summary().throttled == 1
