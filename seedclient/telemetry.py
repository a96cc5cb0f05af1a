"""OpenTelemetry GenAI traces and metrics: ``SeedClient(telemetry=True)``.

Needs the ``otel`` extra (``opentelemetry-api``); you bring the SDK, its exporters and, if
you like, ``Telemetry(tracer_provider=..., meter_provider=..., capture_content=True)``.
Importing ``seedclient`` never imports OpenTelemetry; a client made with telemetry does.
"""

from ._telemetry.otel import SEMCONV_VERSION, Telemetry

__all__ = ["SEMCONV_VERSION", "Telemetry"]
