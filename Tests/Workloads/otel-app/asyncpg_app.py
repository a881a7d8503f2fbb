"""An asyncpg application instrumented with the OpenTelemetry SDK that writes sqlcommenter comments
itself (the traceparent of its current span, as sqlcommenter writes it), exporting its own spans
over OTLP/HTTP. asyncpg prepares each new text (Parse/Describe/Sync) and executes it by name in a
second round trip (Bind/Execute/Sync): Tusk's span of that execution must nest under the app's span.
At the end it runs the first text again outside any span: asyncpg reuses its prepared statement,
and that execution must not hang under the stale comment.
Usage: asyncpg_app.py DSN OTLP_TRACES_URL QUERIES"""
import asyncio
import json
import os
import sys
import time

import asyncpg
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

dsn, traces_url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
provider = TracerProvider(resource=Resource.create())  # service.name from OTEL_SERVICE_NAME
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=traces_url)))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("checkout")


def commented(sql):
    carrier = {}
    TraceContextTextMapPropagator().inject(carrier)
    return f"{sql} /*traceparent='{carrier['traceparent']}'*/"


async def main():
    conn = await asyncpg.connect(dsn)
    texts = []
    for n in range(count):
        with tracer.start_as_current_span("db call"):
            text = commented("SELECT $1::int AS asyncpg_marker")
            texts.append(text)
            await conn.fetch(text, n)
    await conn.fetch(texts[0], -1)  # the cached statement, executed again: Bind/Execute only
    await conn.close()


asyncio.run(main())
print(json.dumps({"pid": os.getpid()}), flush=True)
time.sleep(1.5)  # stay alive while Tusk reads /proc/PID for the resource
provider.shutdown()
