"""OpenTelemetry GenAI spans and metrics, read back with the OpenTelemetry SDK's in-memory
exporters, and sent over OTLP/HTTP to a receiver that decodes the protobuf."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest
from aiohttp import web
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from seedclient import AuthenticationError, Classifier, SeedClient
from seedclient.telemetry import SEMCONV_VERSION, Telemetry
from seedclient.testing import FakeClock, FakeSeedServer, FaultPlan

from ..conftest import web_server

HI = [{"role": "user", "content": "Say hi to Oslo"}]


class Otel:
    def __init__(self, capture_content: bool = False) -> None:
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.metrics = InMemoryMetricReader()
        self.telemetry = Telemetry(
            tracer_provider=tracer_provider,
            meter_provider=MeterProvider(metric_readers=[self.metrics]),
            capture_content=capture_content,
        )

    def points(self, name: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        out = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        out.extend(metric.data.data_points)
        return out


async def test_create_and_stream_make_genai_spans_and_metrics() -> None:
    otel = Otel()
    async with (
        FakeSeedServer() as server,
        SeedClient(
            provider=server.provider, base_url=server.url, api_key="k", telemetry=otel.telemetry
        ) as client,
    ):
        done = await client.chat.completions.create(
            model="seed-1.6-flash", messages=HI, max_tokens=20, temperature=0.3
        )
        async with client.chat.completions.stream(model="seed-1.8", messages=HI) as stream:
            async for _ in stream:
                pass
    create, streamed = otel.spans.get_finished_spans()
    assert create.name == "chat seed-1.6-flash" and create.kind == SpanKind.CLIENT
    a = dict(create.attributes or {})
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.provider.name"] == "byteplus.modelark"
    assert a["gen_ai.request.model"] == "seed-1.6-flash"
    assert a["gen_ai.response.model"] == done.model  # the pinned id the server answered with
    assert a["gen_ai.response.id"] == done.id
    assert a["gen_ai.response.finish_reasons"] == (done.choices[0].finish_reason,)
    assert a["gen_ai.request.max_tokens"] == 20 and a["gen_ai.request.temperature"] == 0.3
    assert a["gen_ai.request.stream"] is False
    assert done.usage is not None
    assert a["gen_ai.usage.input_tokens"] == done.usage.prompt_tokens
    assert a["gen_ai.usage.output_tokens"] == done.usage.completion_tokens
    assert a["gen_ai.usage.cache_read.input_tokens"] == done.usage.cached_tokens
    assert a["server.address"] == "127.0.0.1" and a["server.port"] == server.port
    assert a["seedclient.request_id"] == done.request_id
    assert "gen_ai.input.messages" not in a  # content only when asked for
    s = dict(streamed.attributes or {})
    assert s["gen_ai.request.stream"] is True and s["gen_ai.response.time_to_first_chunk"] > 0
    assert s["gen_ai.usage.reasoning.output_tokens"] == stream.completion.usage.reasoning_tokens
    assert create.status.status_code == StatusCode.UNSET

    durations = otel.points("gen_ai.client.operation.duration")
    assert sorted(p.attributes["gen_ai.request.model"] for p in durations) == [
        "seed-1.6-flash",
        "seed-1.8",
    ]
    assert all(p.count == 1 for p in durations)
    tokens = {
        (p.attributes["gen_ai.request.model"], p.attributes["gen_ai.token.type"]): p.sum
        for p in otel.points("gen_ai.client.token.usage")
    }
    assert tokens[("seed-1.6-flash", "input")] == done.usage.prompt_tokens
    assert tokens[("seed-1.6-flash", "output")] == done.usage.completion_tokens
    (first,) = otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert first.attributes["gen_ai.request.model"] == "seed-1.8" and first.count == 1
    assert SEMCONV_VERSION == "1.41.0"


async def test_retries_are_span_events_and_a_failure_is_an_error_span() -> None:
    otel = Otel(capture_content=True)
    async with (
        FakeSeedServer(faults=FaultPlan(script=["rate_limit"], retry_after=2)) as server,
        SeedClient(
            provider=server.provider,
            base_url=server.url,
            api_key="k",
            telemetry=otel.telemetry,
            clock=FakeClock(),
        ) as client,
    ):
        done = await client.chat.completions.parse(
            model="seed-1.8",
            messages=[{"role": "user", "content": "Great trip, 5 stars"}],
            response_format=dict,
        )
    async with (
        FakeSeedServer(api_key="right") as strict,
        SeedClient(
            provider=strict.provider, base_url=strict.url, api_key="nope", telemetry=otel.telemetry
        ) as wrong,
    ):
        with pytest.raises(AuthenticationError):
            await wrong.chat.completions.create(model="seed-1.8", messages=HI)
    parsed, failed = otel.spans.get_finished_spans()
    (retry,) = parsed.events
    assert retry.name == "gen_ai.client.retry"
    assert retry.attributes is not None
    assert retry.attributes["error.type"] == "RateLimitError"
    assert retry.attributes["http.response.status_code"] == 429
    assert retry.attributes["retry.retry_after_s"] == 2
    p = dict(parsed.attributes or {})
    assert "Great trip" in p["gen_ai.input.messages"]  # captured: it was asked for
    assert done.choices[0].message.content in p["gen_ai.output.messages"]
    assert failed.status.status_code == StatusCode.ERROR
    assert (failed.attributes or {})["error.type"] == "AuthenticationError"
    assert any(e.name == "exception" for e in failed.events)
    errors = [
        p
        for p in otel.points("gen_ai.client.operation.duration")
        if p.attributes.get("error.type") == "AuthenticationError"
    ]
    assert len(errors) == 1


async def test_a_bulk_run_is_a_span_with_its_counts_and_its_requests_under_it() -> None:
    otel = Otel()
    tracer = otel.telemetry.tracer
    plan = FaultPlan(script=[None, "rate_limit"], retry_after=0.01)
    async with (
        FakeSeedServer(faults=plan) as server,
        SeedClient(
            provider=server.provider, base_url=server.url, api_key="k", telemetry=otel.telemetry
        ) as client,
    ):
        with tracer.start_as_current_span("label the reviews") as caller:
            clf = Classifier(client, labels=["positive", "negative"])
            rows = await clf.classify_all(["I love it", "It broke", "Works well"])
    assert [r.label for r in rows] == ["positive", "negative", "positive"]
    spans = otel.spans.get_finished_spans()
    (job,) = [s for s in spans if s.name == "invoke_workflow classify"]
    calls = [s for s in spans if s.name.startswith("chat ")]
    # One span per call: the runner sends the throttled request again as a call of its own.
    assert len(calls) == 4
    refused = [c for c in calls if (c.attributes or {}).get("error.type") == "RateLimitError"]
    assert len(refused) == 1
    assert job.parent is not None and job.parent.span_id == caller.get_span_context().span_id
    assert all(c.parent is not None and c.parent.span_id == job.context.span_id for c in calls)
    a = dict(job.attributes or {})
    assert a["seedclient.job.rows"] == 3 and a["seedclient.job.failed"] == 0
    assert a["seedclient.job.throttled"] == 1 and a["seedclient.job.rows_per_second"] > 0
    assert a["gen_ai.usage.input_tokens"] == clf.runner.stats.prompt_tokens
    assert [e.name for e in job.events] == ["seedclient.throttled", "seedclient.paused"]


async def test_otlp_http_carries_the_spans_to_a_collector() -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    received: list[bytes] = []

    async def collect(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(body=b"", content_type="application/x-protobuf")

    async with web_server("/traces", collect) as base:
        exporter = OTLPSpanExporter(endpoint=base + "/traces")
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(exporter))  # exports from its thread
        telemetry = Telemetry(tracer_provider=provider)
        async with (
            FakeSeedServer() as server,
            SeedClient(
                provider=server.provider, base_url=server.url, api_key="k", telemetry=telemetry
            ) as client,
        ):
            done = await client.chat.completions.create(model="seed-1.8", messages=HI)
            # The exporter posts synchronously: flush from a thread, while this loop serves
            # the collector.
            assert await asyncio.to_thread(provider.force_flush, 10_000)
    sent = ExportTraceServiceRequest()
    sent.ParseFromString(received[0])
    (span,) = [s for r in sent.resource_spans for sc in r.scope_spans for s in sc.spans]
    attrs = {kv.key: kv.value for kv in span.attributes}
    assert span.name == "chat seed-1.8"
    assert attrs["gen_ai.response.id"].string_value == done.id
    assert attrs["gen_ai.usage.input_tokens"].int_value == done.usage.prompt_tokens


def test_importing_seedclient_does_not_import_opentelemetry() -> None:
    code = "import sys, seedclient; print(any(m.startswith('opentelemetry') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_sync_facade_keeps_the_callers_span_as_parent(fake_in_thread: FakeSeedServer) -> None:
    from seedclient import SyncSeedClient

    otel = Otel()
    server = fake_in_thread
    with SyncSeedClient(
        provider=server.provider, base_url=server.url, api_key="k", telemetry=otel.telemetry
    ) as client:
        with otel.telemetry.tracer.start_as_current_span("a script's step") as step:
            client.chat.completions.create(model="seed-1.8", messages=HI)
    (call,) = [s for s in otel.spans.get_finished_spans() if s.name.startswith("chat ")]
    assert call.parent is not None and call.parent.span_id == step.get_span_context().span_id
