"""The fake server as a production twin: what users send is answered, what production rejects
is refused with the provider's status, code and envelope (checked on the wire with aiohttp)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import msgspec
import pytest

from seedclient import BadRequestError, NotFoundError, SeedClient
from seedclient.testing import FakeSeedServer, find_labels

AUTH = {"Authorization": "Bearer test"}
SENTIMENT = ["positive", "negative", "neutral"]

# (prompt as a user would write it, the labels it states)
PHRASINGS: list[tuple[str, list[str]]] = [
    ("Classify as: positive, negative, or neutral. Reply with one word.", SENTIMENT),  # AIsa
    ("Classify the sentiment. Answer with one of: positive, negative, neutral.", SENTIMENT),
    (
        "Classify the text.\nAnswer with exactly one of the labels.\nLabels: a, b, c",
        ["a", "b", "c"],
    ),
    ("Categories: billing, technical, account", ["billing", "technical", "account"]),
    ("Choose from: spam, ham", ["spam", "ham"]),
    ("Is this review positive or negative?", ["positive", "negative"]),
    (
        "Classify the ticket into one of these categories:\n- billing\n- technical\n- account\n"
        "Reply with the category only.",
        ["billing", "technical", "account"],
    ),
    ("Respond with 'positive', 'negative' or 'neutral'.", SENTIMENT),
    ("Sentiment (positive/negative/neutral):", SENTIMENT),
    ("Options: A | B | C", ["A", "B", "C"]),
    ("Which of these fits: sports, politics or tech?", ["sports", "politics", "tech"]),
    ("Tag it with one of the following labels: urgent, normal, low.", ["urgent", "normal", "low"]),
    ("Possible classes are: bug, feature, question.", ["bug", "feature", "question"]),
    ("Classify this email as spam or not_spam.", ["spam", "not_spam"]),
    (
        "Categorize into: Bug Report, Feature Request, Question",
        ["Bug Report", "Feature Request", "Question"],
    ),
    ('Allowed values: ["positive", "negative"]', ["positive", "negative"]),
    (
        "Output exactly one word: POSITIVE, NEGATIVE or NEUTRAL.",
        ["POSITIVE", "NEGATIVE", "NEUTRAL"],
    ),
    ("Reply with positive, negative, or neutral only.", SENTIMENT),
    ("Is this message spam or ham? Answer in one word.", ["spam", "ham"]),
    ("Label the review as 'good' or 'bad'.", ["good", "bad"]),
    ("Categories:\n1. Billing\n2. Technical\n3. Other", ["Billing", "Technical", "Other"]),
    ("Answer with one of positive, negative or neutral.", SENTIMENT),
    # Prose prompts state no label set.
    ("Walk me through debugging this async race condition step by step.", []),
    ("Summarise the key differences between transformer and Mamba architectures.", []),
    ("Extract the company name, founding year, and HQ city from this text as JSON.", []),
    ("Classify the intent of this customer message.", []),
    ("It is one of my favourite books, and I love it.", []),
]


@pytest.mark.parametrize(("prompt", "labels"), PHRASINGS)
def test_label_sets_however_phrased(prompt: str, labels: list[str]) -> None:
    assert find_labels(prompt) == labels


async def post(
    url: str, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as s, s.post(url + path, json=body, headers=AUTH) as r:
        raw = await r.read()
        if r.headers.get("Content-Type", "").startswith("text/event-stream"):
            return r.status, raw.decode()
        return r.status, msgspec.json.decode(raw)


def chat(model: str = "seed-1-6-flash-250715", **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    body.update(kw)
    return body


async def test_the_aisa_classification_recipe_gets_labels() -> None:
    reviews = {
        "Absolutely love it, works great": "positive",
        "Broken after two days, terrible": "negative",
        "It is a phone case": "neutral",
    }
    async with FakeSeedServer() as server:
        for review, gold in reviews.items():
            status, body = await post(
                server.url,
                "/chat/completions",
                chat(
                    messages=[
                        {"role": "system", "content": PHRASINGS[0][0]},
                        {"role": "user", "content": review},
                    ],
                    max_tokens=5,
                ),
            )
            assert status == 200
            assert body["choices"][0]["message"]["content"].strip() == gold
        # The label set and the text in one user message, as openai users often write it.
        prompt = f"{PHRASINGS[1][0]}\n\nReview: I hate it, a waste of money"
        status, body = await post(
            server.url,
            "/chat/completions",
            chat(messages=[{"role": "user", "content": prompt}], thinking={"type": "disabled"}),
        )
        assert body["choices"][0]["message"]["content"] == "negative"
        # max_tokens is honoured: a two-token label cut at one.
        status, body = await post(
            server.url,
            "/chat/completions",
            chat(
                messages=[
                    {"role": "system", "content": "Classify as: very good, very bad."},
                    {"role": "user", "content": "ok"},
                ],
                max_tokens=1,
                thinking={"type": "disabled"},
            ),
        )
        message = body["choices"][0]
        assert message["finish_reason"] in ("length", "stop")
        assert len(message["message"]["content"].split()) == 1


async def test_json_object_answers_parse() -> None:
    async with FakeSeedServer() as server:
        text = (
            "Extract the company name, founding year, and HQ city from this text as JSON.\n"
            "Acme Rockets was founded in 1987 in Denver."
        )
        status, body = await post(
            server.url,
            "/chat/completions",
            chat(
                "seed-1-8-251228",
                messages=[{"role": "user", "content": text}],
                response_format={"type": "json_object"},
            ),
        )
        assert status == 200
        data = json.loads(body["choices"][0]["message"]["content"])
        assert set(data) == {"company_name", "founding_year", "hq_city"}
        assert data["founding_year"] == 1987
        assert isinstance(data["company_name"], str) and data["company_name"]


class Address(msgspec.Struct):
    city: str
    zip_code: str | None = None


class Person(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    age: int
    mood: str
    tags: list[str]
    addresses: list[Address]
    verified: bool
    score: float | None = None


def _person_schema() -> dict[str, Any]:
    schema = msgspec.json.schema(Person)  # $ref into $defs, anyOf with null, nested objects
    props = schema["$defs"]["Person"]["properties"]
    props["mood"]["enum"] = ["happy", "sad"]
    props["tags"]["minItems"] = 2
    props["age"]["minimum"] = 18
    props["age"]["maximum"] = 120
    return schema


async def test_json_schema_answers_validate() -> None:
    async with FakeSeedServer() as server:
        for strict in (False, True):
            fmt = {
                "type": "json_schema",
                "json_schema": {"name": "person", "schema": _person_schema(), "strict": strict},
            }
            content = "Ann Lee, 34, from Paris, is happy and loves climbing."
            status, body = await post(
                server.url,
                "/chat/completions",
                chat(
                    "seed-1.8",
                    messages=[{"role": "user", "content": content}],
                    response_format=fmt,
                ),
            )
            assert status == 200
            raw = body["choices"][0]["message"]["content"]
            person = msgspec.json.decode(raw, type=Person)
            assert person.mood == "happy"  # the enum member the text names
            assert 18 <= person.age <= 120 and len(person.tags) >= 2
            assert person.addresses and isinstance(person.addresses[0].city, str)


@pytest.mark.parametrize(
    ("schema", "strict", "why"),
    [
        ({"type": "object", "not": {"required": ["a"]}}, True, "'not' is not supported"),
        ({"type": "array", "minItems": 3, "maxItems": 1}, False, "minItems > maxItems"),
        ({"type": "string", "enum": []}, False, "non-empty"),
        ({"$ref": "#/$defs/Missing"}, False, "cannot resolve"),
    ],
)
async def test_schemas_production_rejects(schema: dict[str, Any], strict: bool, why: str) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema, "strict": strict}}
    async with FakeSeedServer() as server:
        status, body = await post(
            server.url, "/chat/completions", chat("seed-1.8", response_format=fmt)
        )
    assert status == 400
    assert body["error"]["type"] == "BadRequest"
    assert body["error"]["code"].startswith("InvalidParameter")
    assert why in body["error"]["message"]


AIsa_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "query_database",
            "description": "Run a SQL query and return results as JSON",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Valid SQL query"},
                    "database": {"type": "string", "enum": ["production", "analytics"]},
                },
                "required": ["query", "database"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "send_alert",
            "description": "Send an alert to the on-call engineer",
            "parameters": {
                "type": "object",
                "properties": {
                    "severity": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
                    "message": {"type": "string"},
                    "count": {"type": "integer", "minimum": 1},
                    "page": {"type": "boolean"},
                },
                "required": ["severity", "message"],
            },
        },
    },
]
SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in AIsa_TOOLS}


def _valid_args(name: str, args: dict[str, Any]) -> bool:
    schema = SCHEMAS[name]
    props = schema["properties"]
    if not set(schema["required"]) <= set(args) or not set(args) <= set(props):
        return False
    types = {"string": str, "integer": int, "boolean": bool}
    for key, value in args.items():
        if not isinstance(value, types[props[key]["type"]]):
            return False
        if "enum" in props[key] and value not in props[key]["enum"]:
            return False
    return True


async def test_tools_chosen_by_the_text_with_valid_arguments() -> None:
    async with FakeSeedServer() as server:
        for text, expected in [
            ("Alert the on-call engineer that checkout is down", "send_alert"),
            ("Run a SQL query on the analytics database for last week's orders", "query_database"),
        ]:
            messages = [{"role": "user", "content": text}]
            status, body = await post(
                server.url,
                "/chat/completions",
                chat("seed-1.8", messages=messages, tools=AIsa_TOOLS, parallel_tool_calls=False),
            )
            assert status == 200
            choice = body["choices"][0]
            assert choice["finish_reason"] == "tool_calls"
            (call,) = choice["message"]["tool_calls"]
            assert call["function"]["name"] == expected
            args = json.loads(call["function"]["arguments"])
            assert _valid_args(expected, args)
        assert args["database"] == "analytics"  # the enum member the text names


async def test_tool_choice_forms() -> None:
    text = [{"role": "user", "content": "hello there"}]  # matches no tool
    async with FakeSeedServer() as server:

        async def calls(**kw: Any) -> list[str]:
            status, body = await post(
                server.url,
                "/chat/completions",
                chat("seed-1.8", messages=text, tools=AIsa_TOOLS, **kw),
            )
            assert status == 200
            return [
                c["function"]["name"] for c in body["choices"][0]["message"].get("tool_calls") or []
            ]

        assert await calls() == []  # auto: nothing relevant, so prose
        assert await calls(tool_choice="none") == []
        assert len(await calls(tool_choice="required")) == 1
        named = {"type": "function", "function": {"name": "send_alert"}}
        assert await calls(tool_choice=named) == ["send_alert"]
        missing = {"type": "function", "function": {"name": "nope"}}
        status, body = await post(
            server.url,
            "/chat/completions",
            chat("seed-1.8", messages=text, tools=AIsa_TOOLS, tool_choice=missing),
        )
        assert status == 400 and "tool_choice" in body["error"]["message"]


async def test_the_agent_loop_ends_once_tools_answered() -> None:
    messages: list[dict[str, Any]] = [
        {
            "role": "user",
            "content": "Check if any orders have been stuck in 'processing' status for more "
            "than 24 hours, and alert the team if there are more than 10.",
        }
    ]
    async with FakeSeedServer() as server:
        for turn in range(4):  # noqa: B007 - the count after the loop is asserted
            status, body = await post(
                server.url,
                "/chat/completions",
                chat("seed-1-8-251228", messages=messages, tools=AIsa_TOOLS, tool_choice="auto"),
            )
            assert status == 200
            message = body["choices"][0]["message"]
            messages.append(message)
            if not message.get("tool_calls"):
                break
            for call in message["tool_calls"]:
                result = f"{call['function']['name']} done: 12 orders"
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
    assert turn == 1  # one round of tools, then the answer
    assert body["choices"][0]["finish_reason"] == "stop"
    assert "12 orders" in message["content"]


async def test_streamed_tool_call_arguments_arrive_in_pieces() -> None:
    text = [{"role": "user", "content": "Send an alert: the disk is full"}]
    async with FakeSeedServer() as server:
        _, raw = await post(
            server.url,
            "/chat/completions",
            chat(
                "seed-1.8",
                messages=text,
                tools=AIsa_TOOLS,
                stream=True,
                thinking={"type": "disabled"},
            ),
        )
    chunks = [json.loads(e[6:]) for e in raw.split("\n\n") if e.startswith("data: {")]
    pieces = [
        tc for c in chunks for ch in c["choices"] for tc in ch["delta"].get("tool_calls") or []
    ]
    assert len(pieces) >= 3 and pieces[0]["function"]["name"] == "send_alert"
    args = "".join(p["function"].get("arguments", "") for p in pieces)
    assert _valid_args("send_alert", json.loads(args))
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    ("dialect", "envelope_code"),
    [("ark", "InvalidEndpointOrModel.NotFound"), ("aisa", "unknown_model"), ("aiml", None)],
)
async def test_unknown_models_and_typos_are_404(dialect: str, envelope_code: str | None) -> None:
    async with FakeSeedServer(dialect=dialect) as server:  # type: ignore[arg-type]
        for model in ("seed-1.6flash", "gpt-4o", "seed-9"):
            status, body = await post(server.url, "/chat/completions", chat(model))
            assert status == 404
            if envelope_code is None:
                assert body["statusCode"] == 404 and model in body["message"]
            else:
                assert body["error"]["code"] == envelope_code
        # Friendly aliases pass everywhere; the answer names the upstream versioned id.
        status, body = await post(server.url, "/chat/completions", chat("seed-1.8"))
        assert status == 200 and body["model"] != "seed-1.8"


async def test_what_each_dialect_serves() -> None:
    async with FakeSeedServer() as server:
        for model in ("seed-1-6-flash-250715", "doubao-seed-1-8-251228", "ep-20250101-abcde"):
            status, _ = await post(server.url, "/chat/completions", chat(model))
            assert status == 200, model
        status, _ = await post(server.url, "/chat/completions", chat("bytedance/seed-1-8"))
        assert status == 404  # AI/ML's id is not Ark's
    async with FakeSeedServer(dialect="aiml") as server:
        status, _ = await post(server.url, "/chat/completions", chat("bytedance/seed-1-8"))
        assert status == 200
        status, _ = await post(server.url, "/chat/completions", chat("ep-20250101-abcde"))
        assert status == 404


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (chat(messages=[{"role": "usr", "content": "hi"}]), "role"),
        (chat(messages=[{"role": "user"}]), "content"),
        (chat(messages=[{"role": "user", "content": 5}]), "content"),
        (chat(messages=[{"role": "tool", "tool_call_id": "x", "content": "1"}]), "tool_call_id"),
        (chat("seed-1.8", thinking={"type": "auto"}), "Unsupported thinking type"),
        (chat("seed-1.8", reasoning_effort="xhigh"), "reasoning_effort"),
        (chat("seed-2.0-pro", thinking={"type": "disabled"}, reasoning_effort="high"), "disabled"),
        (chat("seed-2.0-code", response_format={"type": "json_object"}), "not supported"),
        (chat("seed-1.8", max_completion_tokens=100_000), "max_completion_tokens"),
        (chat(temperature=3), "temperature"),
        (chat("seedream-4.5"), "does not support chat"),
    ],
)
async def test_chat_bodies_production_rejects(body: dict[str, Any], needle: str) -> None:
    async with FakeSeedServer() as server:
        status, answer = await post(server.url, "/chat/completions", body)
    assert status == 400
    assert needle in answer["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        chat("seed-1.6-flash", thinking={"type": "auto"}),
        chat("seed-2.0-pro", reasoning_effort="xhigh"),
        chat("seed-2.0-mini", reasoning_effort="none"),
        chat("seed-1.8", max_completion_tokens=65_536),
    ],
)
async def test_chat_bodies_production_accepts(body: dict[str, Any]) -> None:
    async with FakeSeedServer() as server:
        status, _ = await post(server.url, "/chat/completions", body)
    assert status == 200


def image(**kw: Any) -> dict[str, Any]:
    return {"model": "seedream-4-5-251128", "prompt": "a glass bottle", **kw}


@pytest.mark.parametrize(
    ("dialect", "body", "needle"),
    [
        ("aisa", image(n=1, size="1024x1024"), "at least 3686400 pixels"),  # the guide's own
        ("ark", image(size="banana"), "size"),
        ("ark", image(size="1K"), "size"),  # 4.5 has no 1K
        ("ark", image(size="5000x5000"), "at most"),
        ("ark", image(size="8200x450"), "aspect"),
        ("ark", image(n=4, size="2K"), "sequential_image_generation"),
        ("aisa", image(n=1), "size"),
    ],
)
async def test_image_requests_production_rejects(
    dialect: str, body: dict[str, Any], needle: str
) -> None:
    async with FakeSeedServer(dialect=dialect) as server:  # type: ignore[arg-type]
        status, answer = await post(server.url, "/images/generations", body)
    assert status == 400
    assert needle in answer["error"]["message"]


async def test_images_report_the_size_made_and_count() -> None:
    async with FakeSeedServer() as server:
        for size, made in (("2K", "2048x2048"), ("4K", "4096x4096"), ("2560x1440", "2560x1440")):
            status, body = await post(server.url, "/images/generations", image(size=size))
            assert status == 200 and [d["size"] for d in body["data"]] == [made]
        options = {"max_images": 4}
        status, body = await post(
            server.url,
            "/images/generations",
            image(sequential_image_generation="auto", sequential_image_generation_options=options),
        )
        assert len(body["data"]) == 4 and body["usage"]["generated_images"] == 4
    async with FakeSeedServer(dialect="aisa") as server:
        status, body = await post(server.url, "/images/generations", image(n=4, size="2560x1440"))
        assert status == 200 and len(body["data"]) == 4


async def test_sequential_images_with_a_partial_failure_and_a_stream() -> None:
    opts = {"max_images": 4}
    body = image(sequential_image_generation="auto", sequential_image_generation_options=opts)
    async with FakeSeedServer(failed_images={1}) as server:
        status, answer = await post(server.url, "/images/generations", body)
        assert status == 200
        assert [("error" in d) for d in answer["data"]] == [False, True, False, False]
        assert answer["data"][1]["error"]["code"] == "OutputImageSensitiveContentDetected"
        assert answer["usage"]["generated_images"] == 3
        status, raw = await post(server.url, "/images/generations", {**body, "stream": True})
    events = [json.loads(e.split("data: ", 1)[1]) for e in raw.split("\n\n") if "data: {" in e]
    assert [e["type"].rsplit(".", 1)[1] for e in events] == [
        "partial_succeeded",
        "partial_failed",
        "partial_succeeded",
        "partial_succeeded",
        "completed",
    ]
    assert events[-1]["usage"]["generated_images"] == 3
    assert raw.rstrip().endswith("data: [DONE]")


async def test_seedclient_sees_the_providers_errors() -> None:
    # A generic client: no Seed rules of its own, so the server's refusals come through.
    async with (
        FakeSeedServer() as server,
        SeedClient(base_url=server.url, api_key="t") as c,
    ):
        with pytest.raises(NotFoundError) as nf:
            await c.chat.completions.create(
                model="seed-1.6flash", messages=[{"role": "user", "content": "hi"}]
            )
        assert nf.value.code == "InvalidEndpointOrModel.NotFound"
        with pytest.raises(BadRequestError) as bad:
            await c.chat.completions.create(
                model="seed-1.8",
                messages=[{"role": "user", "content": "hi"}],
                extra_body={"thinking": {"type": "auto"}},  # past the client's own check
            )
        assert "Unsupported thinking type" in bad.value.message


async def test_stats_repr_shows_counts() -> None:
    async with FakeSeedServer() as server:
        for _ in range(3):
            await post(server.url, "/chat/completions", chat())
        text = repr(server.stats)
    assert "received=3" in text and "answered={200: 3}" in text and "arrivals=3" in text
    assert len(text) < 400
