"""Classifier: prompt and defaults on the wire, validation, retry, confidence, dedupe."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from aioresponses import aioresponses
from yarl import URL

from seedclient import Classification, Classifier, ConfigurationError, InvalidLabelError, SeedClient
from seedclient._bulk.classify import normalize
from seedclient.testing import FakeSeedServer, FaultPlan

LABELS = ["positive", "negative", "neutral"]
TEXTS = ["I love this phone, great battery", "Terrible. It broke after a day", "It is a phone"]


@pytest.mark.parametrize(
    ("answer", "folded"),
    [
        ("positive", "positive"),
        (" Positive.", "positive"),
        ('"NEGATIVE"', "negative"),
        ("Label: neutral", "neutral"),
        ("'positive'!", "positive"),
        ("“neutral”", "neutral"),
        ("very  positive", "very positive"),
    ],
)
def test_normalize(answer: str, folded: str) -> None:
    assert normalize(answer) == folded


def test_label_checks() -> None:
    client = SeedClient(base_url="http://127.0.0.1:9/v1", api_key="t")
    with pytest.raises(ConfigurationError, match="at least two"):
        Classifier(client, labels=["only"])
    with pytest.raises(ConfigurationError, match="distinct"):
        Classifier(client, labels=["Yes", "yes."])
    with pytest.raises(ConfigurationError, match="commas"):
        Classifier(client, labels=["a,b", "c"])
    with pytest.raises(ConfigurationError, match="example label"):
        Classifier(client, labels=LABELS, examples=[("meh", "ok")])


async def test_request_has_cheap_defaults_and_lists_labels() -> None:
    url = "https://ark.ap-southeast.bytepluses.com/api/v3/chat/completions"
    reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "negative"}}]}
    with aioresponses() as m:
        m.post(url, payload=reply)
        async with SeedClient(api_key="k") as client:
            clf = Classifier(
                client,
                labels=LABELS,
                instructions="Sentiment of a product review.",
                examples=[("meh", "neutral")],
            )
            (result,) = await clf.classify_all(["awful"])
        body = msgspec.json.decode(m.requests[("POST", URL(url))][0].kwargs["data"])
    assert result.label == "negative"
    assert result.confidence is None  # no logprobs in that answer
    assert body["model"] == "seed-1-6-flash-250715"
    assert body["thinking"] == {"type": "disabled"}
    assert body["temperature"] == 0
    assert body["logprobs"] is True
    assert body["max_tokens"] == len("positive") // 2 + 4
    system = body["messages"][0]["content"]
    assert system.startswith("Sentiment of a product review.")
    assert "Labels: positive, negative, neutral" in system
    assert "Text: meh\nLabel: neutral" in system
    assert body["messages"][1] == {"role": "user", "content": "awful"}


async def test_aiml_uses_reasoning_effort_and_no_logprobs() -> None:
    async with FakeSeedServer(dialect="aiml") as server:
        async with SeedClient(provider="aimlapi", base_url=server.url, api_key="t") as client:
            clf = Classifier(client, labels=LABELS, model="bytedance/seed-1-8")
            results = await clf.classify_all(TEXTS)
    assert [r.label for r in results] == LABELS
    assert all(r.confidence is None for r in results)
    assert server.stats.answered == {200: 3}  # strict AI/ML validation accepted every body


async def test_labels_confidence_usage_and_order() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        clf = Classifier(client, labels=LABELS)
        results = await clf.classify_all(TEXTS * 3)
    assert [r.label for r in results] == LABELS * 3
    assert [r.index for r in results] == list(range(9))
    assert all(r.confidence is not None and 0.5 < r.confidence < 1 for r in results)
    assert results[0].usage is not None and results[0].usage.prompt_tokens > 0
    assert all(r.usage is None for r in results[3:])  # duplicates cost nothing
    assert clf.runner.stats.done == 9


async def test_identical_texts_are_sent_once() -> None:
    async with (
        FakeSeedServer(ttft=0.01) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        clf = Classifier(client, labels=LABELS, concurrency=16)
        items = [(f"id{i}", TEXTS[i % 3]) for i in range(60)]
        async with clf.classify(items) as results:
            got = [r async for r in results]
    assert server.stats.received == 3
    assert sorted(r.id or "" for r in got) == sorted(f"id{i}" for i in range(60))
    assert {r.text: r.label for r in got} == dict(zip(TEXTS, LABELS, strict=True))


async def test_off_label_answer_retried_once_then_error() -> None:
    plan = FaultPlan(script=["bad_answer", None, "bad_answer", "bad_answer"])
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        clf = Classifier(client, labels=LABELS, concurrency=1)
        first, second = await clf.classify_all(TEXTS[:2])
    assert first.label == "positive"  # the stricter second ask got a label
    assert first.usage is not None and first.usage.prompt_tokens > 0
    assert second.label is None
    assert isinstance(second.error, InvalidLabelError)
    assert "is not among the labels" in str(second.error)
    assert server.stats.received == 4
    assert clf.runner.stats.failed == 1


async def test_multi_label() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        clf = Classifier(client, labels=["billing", "shipping", "login"], multi_label=True)
        (r,) = await clf.classify_all(["my parcel is late and I was charged twice"])
    assert r.label is None
    assert r.labels is not None and len(r.labels) >= 1
    assert set(r.labels) <= {"billing", "shipping", "login"}
    assert r.row(multi_label=True)["labels"] == r.labels


async def test_checkpoint_csv_resume(tmp_path: Path) -> None:
    out = tmp_path / "labels.csv"
    items = [{"id": f"t{i}", "text": f"{TEXTS[i % 3]} #{i}"} for i in range(40)]
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client,
    ):
        clf = Classifier(client, labels=LABELS, concurrency=2)
        async with clf.classify(items, checkpoint=out, include_text=True) as results:
            async for r in results:
                if r.index >= 10:
                    break
        again = Classifier(client, labels=LABELS)
        async with again.classify(items, checkpoint=out, include_text=True) as results:
            rest: list[Classification] = [r async for r in results]
    import csv

    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["id"] for r in rows) == sorted(f"t{i}" for i in range(40))
    assert len(rest) == 40 - again.runner.stats.skipped
    assert set(rows[0]) == {"id", "text", "label", "confidence", "error"}
    assert all(r["label"] in LABELS and r["error"] == "" for r in rows)


async def test_bad_items() -> None:
    async with SeedClient(base_url="http://127.0.0.1:9/v1", api_key="t") as client:
        clf = Classifier(client, labels=LABELS)
        with pytest.raises(ConfigurationError, match="not a text"):
            await clf.classify_all([42])


async def test_an_asked_again_row_counts_both_calls_cached_tokens_included() -> None:
    text = (
        "The battery died after two days and support never answered my emails about it, "
        "which is a shame because the screen is lovely and bright"
    )
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        clf = Classifier(c, labels=["positive", "negative", "neutral"], model="seed-1.6-flash")
        (once,) = await clf.classify_all([text])
    async with (
        FakeSeedServer(faults=FaultPlan(script=["bad_answer"])) as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        clf = Classifier(c, labels=["positive", "negative", "neutral"], model="seed-1.6-flash")
        (twice,) = await clf.classify_all([text])
        assert server.stats.received == 2
    assert once.usage is not None and twice.usage is not None
    assert twice.label == once.label == "negative"
    assert twice.usage.prompt_tokens > 2 * once.usage.prompt_tokens  # two calls, the second longer
    # The second call's prompt is long enough to be partly cached: the sum keeps it.
    assert twice.usage.cached_tokens > once.usage.cached_tokens
