"""OpenTelemetry GenAI spans and metrics, made from the client's hook events.

The names and attributes are those of the GenAI semantic conventions as last released in
the core conventions (v1.41.0, 2026-04-28; every GenAI name is still "Development"), with
the reasoning and cache token attributes added then. Only ``opentelemetry-api`` is used: with
no SDK configured every call is a no-op. A span covers a whole call (its retries are span
events); ``gen_ai.provider.name`` has no registered value for ByteDance's providers, so the
provider's own name is used (``byteplus.modelark``, ``volcengine.ark``...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .._errors import ConfigurationError
from .._version import get_version
from .hooks import (
    BulkEvent,
    CallFailed,
    CallFinished,
    FirstToken,
    HookEvent,
    JobFinished,
    JobStarted,
    Paused,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    Throttled,
)

__all__ = ["SEMCONV_VERSION", "Telemetry"]

#: The semantic conventions release whose GenAI names are emitted.
SEMCONV_VERSION = "1.41.0"
PROVIDER_NAMES = {
    "byteplus": "byteplus.modelark",
    "volcengine": "volcengine.ark",
    "aimlapi": "aiml_api",
    "aisa": "aisa",
    "openai-compatible": "openai_compatible",
}
OPERATIONS = {
    "chat": "chat",
    "responses": "chat",
    "embeddings": "embeddings",
    "images": "generate_content",
}
# The conventions' advisory buckets: seconds doubling from 0.01, tokens by 4 from 1.
_SECONDS = [0.01 * 2**i for i in range(14)]
_TOKENS = [4**i for i in range(14)]
_REQUEST_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "seed": "gen_ai.request.seed",
}


class Telemetry:
    """OpenTelemetry GenAI traces and metrics for a client: ``SeedClient(telemetry=...)``.

    Args:
        tracer_provider: where spans go (default: the global one).
        meter_provider: where metrics go (default: the global one).
        capture_content: also record the messages sent and received
            (``gen_ai.input.messages``, ``gen_ai.output.messages``); off by default, as
            they may hold personal data.

    Spans: one per call, named ``{operation} {model}``, kind CLIENT, with the request's
    parameters, ``gen_ai.response.id`` / ``.model`` / ``.finish_reasons``, token usage
    (input, output, cached input, reasoning), ``gen_ai.response.time_to_first_chunk`` for
    streams, ``server.address`` / ``.port``, ``error.type`` and an ERROR status on failure;
    each retry is an event ``gen_ai.client.retry``. Metrics: the histograms
    ``gen_ai.client.operation.duration``, ``gen_ai.client.token.usage`` (by
    ``gen_ai.token.type``) and ``gen_ai.client.operation.time_to_first_chunk``.

    A bulk run (``Classifier``, ``BatchRunner``) is a span ``invoke_workflow classify`` (or
    ``batch``) that its requests' spans are children of, with 429s and pauses as events and,
    at its end, its counts (``seedclient.job.*``: rows, failed, skipped, throttled, retried,
    rows per second), tokens and cost.
    """

    def __init__(
        self,
        *,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        capture_content: bool = False,
    ) -> None:
        try:
            from opentelemetry import metrics, trace
        except ImportError:
            raise ConfigurationError(
                "telemetry needs OpenTelemetry's API: pip install 'seedclient[otel]'"
            ) from None
        version = get_version()
        self.capture_content = capture_content
        self._trace = trace
        self.tracer = trace.get_tracer("seedclient", version, tracer_provider=tracer_provider)
        meter = metrics.get_meter("seedclient", version, meter_provider=meter_provider)
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_SECONDS,
        )
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKENS,
        )
        self.first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time to receive the first chunk of a streamed answer",
            explicit_bucket_boundaries_advisory=_SECONDS,
        )

    def hook(self, provider: str, base_url: str) -> Callable[[HookEvent], None]:
        """The hook that turns one client's events into spans and metrics."""
        url = urlsplit(base_url)
        server = {"server.address": url.hostname or "", "server.port": url.port or 443}
        provider_name = PROVIDER_NAMES.get(provider, provider)
        live: dict[str, tuple[Any, dict[str, Any]]] = {}
        jobs: dict[str, tuple[Any, Any]] = {}

        def on(event: HookEvent | BulkEvent) -> None:
            if isinstance(event, BulkEvent):
                self._job(event, jobs)
                return
            operation = OPERATIONS.get(event.operation)
            if operation is None:
                return  # (listing models is not a GenAI operation)
            if isinstance(event, RequestSent):
                if event.call_id not in live:
                    live[event.call_id] = self._start(event, operation, provider_name, server)
                return
            found = live.get(event.call_id)
            if found is None:
                return
            span, metric_attrs = found
            if isinstance(event, RetryScheduled):
                span.add_event(
                    "gen_ai.client.retry",
                    _clean(
                        {
                            "retry.attempt": event.attempt,
                            "error.type": event.reason,
                            "http.response.status_code": event.status,
                            "retry.delay_s": event.delay,
                            "retry.retry_after_s": event.retry_after,
                            "seedclient.request_id": event.request_id,
                        }
                    ),
                )
            elif isinstance(event, ResponseReceived):
                span.set_attribute("http.response.status_code", event.status)
            elif isinstance(event, FirstToken):
                span.set_attribute("gen_ai.response.time_to_first_chunk", event.elapsed)
                self.first_chunk.record(event.elapsed, metric_attrs)
            elif isinstance(event, CallFinished):
                del live[event.call_id]
                self._finish(span, metric_attrs, event)
            elif isinstance(event, CallFailed):
                del live[event.call_id]
                self._fail(span, metric_attrs, event)

        return on

    def _job(self, event: BulkEvent, jobs: dict[str, tuple[Any, Any]]) -> None:
        """A bulk run's span: current while its workers start, so their calls are its
        children; ended with the run's counts."""
        from opentelemetry import context

        trace = self._trace
        if isinstance(event, JobStarted):
            span = self.tracer.start_span(
                f"invoke_workflow {event.kind}",
                attributes={
                    "gen_ai.operation.name": "invoke_workflow",
                    "seedclient.job.kind": event.kind,
                },
            )
            jobs[event.job_id] = (span, context.attach(trace.set_span_in_context(span)))
        elif isinstance(event, (Throttled, Paused)):
            name = "seedclient.throttled" if isinstance(event, Throttled) else "seedclient.paused"
            values = (
                {
                    "retry.retry_after_s": event.retry_after,
                    "seedclient.request_id": event.request_id,
                }
                if isinstance(event, Throttled)
                else {"seedclient.pause_s": event.seconds}
            )
            for span, _ in jobs.values():
                span.add_event(name, _clean(values))
        elif isinstance(event, JobFinished) and event.job_id in jobs:
            span, token = jobs.pop(event.job_id)
            s = event.stats
            finished = s["done"] + s["failed"]
            span.set_attributes(
                _clean(
                    {
                        "seedclient.job.rows": s["done"],
                        "seedclient.job.failed": s["failed"],
                        "seedclient.job.skipped": s["skipped"],
                        "seedclient.job.throttled": s["throttled"],
                        "seedclient.job.retried": s["retried"],
                        "seedclient.job.rows_per_second": finished / event.elapsed
                        if event.elapsed > 0
                        else None,
                        "gen_ai.usage.input_tokens": s["prompt_tokens"],
                        "gen_ai.usage.output_tokens": s["completion_tokens"],
                        "seedclient.cost_usd": s["cost_usd"],
                    }
                )
            )
            if event.error is not None:
                span.set_attribute("error.type", type(event.error).__name__)
                span.set_status(trace.Status(trace.StatusCode.ERROR, str(event.error)))
            if trace.get_current_span() is span:
                context.detach(token)  # (from another task the caller's context is not ours)
            span.end()

    def _start(
        self, event: RequestSent, operation: str, provider: str, server: dict[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": provider,
            **server,
        }
        if event.model:
            attrs["gen_ai.request.model"] = event.model
        metric_attrs = dict(attrs)
        span_attrs = {**attrs, "gen_ai.request.stream": event.stream}
        body = _json(event.body)
        for name, key in _REQUEST_PARAMS.items():
            if isinstance(body.get(name), (int, float)):
                span_attrs[key] = body[name]
        stop = body.get("stop")
        if stop:
            span_attrs["gen_ai.request.stop_sequences"] = [stop] if isinstance(stop, str) else stop
        if self.capture_content and "messages" in body:
            span_attrs["gen_ai.input.messages"] = json.dumps(body["messages"])
        name = f"{operation} {event.model}" if event.model else operation
        span = self.tracer.start_span(name, kind=self._trace.SpanKind.CLIENT, attributes=span_attrs)
        return span, metric_attrs

    def _finish(self, span: Any, metric_attrs: dict[str, Any], event: CallFinished) -> None:
        result = event.result
        model = getattr(result, "model", None)
        if model:
            metric_attrs["gen_ai.response.model"] = model
            span.set_attribute("gen_ai.response.model", model)
        if getattr(result, "id", None):
            span.set_attribute("gen_ai.response.id", result.id)
        if event.request_id:
            span.set_attribute("seedclient.request_id", event.request_id)
        choices = getattr(result, "choices", None) or ()
        finish = [c.finish_reason for c in choices if getattr(c, "finish_reason", None)]
        if finish:
            span.set_attribute("gen_ai.response.finish_reasons", finish)
        usage = getattr(result, "usage", None)
        if usage is not None:
            # (chat's names, else the Responses API's)
            input_tokens = getattr(usage, "prompt_tokens", getattr(usage, "input_tokens", None))
            output_tokens = getattr(
                usage, "completion_tokens", getattr(usage, "output_tokens", None)
            )
            for key, value in (
                ("gen_ai.usage.input_tokens", input_tokens),
                ("gen_ai.usage.output_tokens", output_tokens),
                ("gen_ai.usage.cache_read.input_tokens", getattr(usage, "cached_tokens", None)),
                (
                    "gen_ai.usage.reasoning.output_tokens",
                    getattr(usage, "reasoning_tokens", None),
                ),
            ):
                if isinstance(value, int):
                    span.set_attribute(key, value)
            if isinstance(input_tokens, int):
                self.tokens.record(input_tokens, {**metric_attrs, "gen_ai.token.type": "input"})
            if isinstance(output_tokens, int):
                self.tokens.record(output_tokens, {**metric_attrs, "gen_ai.token.type": "output"})
        if self.capture_content and choices:
            out = [
                {"role": "assistant", "content": getattr(c.message, "content", None)}
                for c in choices
                if getattr(c, "message", None) is not None
            ]
            span.set_attribute("gen_ai.output.messages", json.dumps(out))
        self.duration.record(event.elapsed, metric_attrs)
        span.end()

    def _fail(self, span: Any, metric_attrs: dict[str, Any], event: CallFailed) -> None:
        kind = type(event.error).__name__
        span.set_attribute("error.type", kind)
        request_id = getattr(event.error, "request_id", None)
        if request_id:
            span.set_attribute("seedclient.request_id", request_id)
        span.record_exception(event.error)
        span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, str(event.error)))
        self.duration.record(event.elapsed, {**metric_attrs, "error.type": kind})
        span.end()


def _json(body: bytes | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}
