"""An application instrumented with the OpenTelemetry SDK and the OpenTelemetry instrumentation of
its driver — opentelemetry-instrumentation-psycopg2 or -psycopg (psycopg 3), sqlcommenter on —
exporting its own spans over OTLP/HTTP. Tusk's spans for the same queries must join its traces.
Usage: app.py DSN OTLP_TRACES_URL QUERIES [psycopg2|psycopg]"""
import json
import os
import sys
import time

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

dsn, traces_url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
driver = sys.argv[4] if len(sys.argv) > 4 else "psycopg2"
if driver == "psycopg2":
    import psycopg2 as module
    from opentelemetry.instrumentation.psycopg2 import Psycopg2Instrumentor as Instrumentor
else:
    import psycopg as module
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor as Instrumentor

provider = TracerProvider(resource=Resource.create())  # service.name from OTEL_SERVICE_NAME
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=traces_url)))
trace.set_tracer_provider(provider)
Instrumentor().instrument(enable_commenter=True, commenter_options={})
tracer = trace.get_tracer("checkout")

connection = module.connect(dsn)
connection.autocommit = True
cursor = connection.cursor()
with tracer.start_as_current_span("GET /orders"):
    for n in range(count):
        cursor.execute("SELECT %s AS joined_marker", (n,))
        cursor.fetchall()

# a hand-written comment whose trace is not sampled: no span under parentbased_always_on
# (on a connection the instrumentation does not touch, so its own comment cannot win)
Instrumentor().uninstrument()
raw = module.connect(dsn)
raw.autocommit = True
raw.cursor().execute(
    "SELECT 1 AS unsampled_marker /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'*/")
print(json.dumps({"pid": os.getpid()}), flush=True)
time.sleep(1.5)  # stay alive while Tusk reads /proc/PID for the resource
provider.shutdown()
