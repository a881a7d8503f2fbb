#!/usr/bin/env python3
"""OTLP/HTTP trace and metrics receiver for Tusk's integration tests, run as a separate process.

Decodes with the official opentelemetry-proto package (never Tusk's generated code), keeps every
span, metric data point and request in memory, and lets a test script failures of trace requests
over HTTP. Endpoints:

  POST /v1/traces   application/x-protobuf, optionally Content-Encoding: gzip. 200 with an
                    ExportTraceServiceResponse, unless a fault below says otherwise.
  POST /v1/metrics  the same for an ExportMetricsServiceRequest: 200 with an
                    ExportMetricsServiceResponse, unless metrics_unavailable is set (below).
  POST /control     JSON object; keys may be combined and apply in this order:
                      {"reset": true}            forget spans, metric points, requests and
                                                 every fault
                      {"fail_next": N, "status": 503, "retry_after": "1"}
                                                 answer the next N trace requests with `status`
                                                 (default 503) and, if given, Retry-After
                      {"reject_all_status": 400, "retry_after": "2"}
                                                 answer every trace request with that status until
                                                 cleared with {"reject_all_status": null} (or 0)
                      {"partial_success": {"rejected": 2, "message": "..."}}
                                                 the next 200 carries partial_success
                      {"delay_ms": 1500}         wait before answering each trace request (0 clears)
                      {"metrics_unavailable": 503}
                                                 answer every metrics request with that status
                                                 until cleared with null (or 0); the only fault
                                                 that applies to metrics
                    Answers 200 with the resulting fault state as JSON.
  GET  /control     the fault state as JSON.
  GET  /spans       {"spans": [...], "requests": [...]}; `?min=N&timeout=S` waits up to S seconds
                    (default 10) until at least N spans were received.
  GET  /metrics-points
                    {"points": [...], "requests": [...]}: one entry per data point, with its
                    metric's name, unit, type and temporality, the resource and point attributes,
                    start/time nanos, and count, sum, bucket_counts, explicit_bounds (histograms)
                    or value (sums, gauges); "requests" are the /v1/metrics requests only.
                    `?min=N&timeout=S` waits up to S seconds (default 10) for at least N points.
  GET  /bodies-containing?text=T
                    {"bodies": N, "containing": M}: of the N request bodies received (traces and
                    metrics, after gzip), how many hold the UTF-8 bytes of T anywhere — a check on
                    every exported byte, not only on what the decoder shows.
  GET  /healthz     200 "ok".

A faulted request is listed in "requests" (with the status it got) but its spans are not kept.
/spans lists trace requests only, so the traces tests' counts are not disturbed by metrics.
fail_next is consumed before reject_all_status. Faults live in memory only; with --state FILE the
spans and requests are written to FILE after every change and loaded at start, so a test can kill
the receiver ("backend down") and start it again on the same port without losing what it saw.

  python3 Tests/Receivers/otlp_receiver.py --port 4318 [--host 127.0.0.1] [--state FILE]
      [--tls-port P --tls-cert CERT.pem --tls-key KEY.pem]

With --tls-port the same endpoints are also served over HTTPS on port P (the plain port stays,
for the tests' own requests).

prints "listening on HOST:PORT" once ready (--port 0 picks a free port and prints it).
"""

import argparse
import gzip
import json
import math
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality


# --- protobuf -> JSON-ready dicts ------------------------------------------------------------------


def any_value(value):
    """An AnyValue as the matching JSON type; bytes as a hex string, an empty value as null."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "int_value":
        return value.int_value
    if kind == "double_value":
        # JSON has no NaN or infinities; spell them as strings rather than emit invalid JSON.
        return value.double_value if math.isfinite(value.double_value) else str(value.double_value)
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return None


def attributes(key_values):
    return {kv.key: any_value(kv.value) for kv in key_values}


def flatten(request, request_index):
    """Every span of an export request, each with its resource and scope."""
    spans = []
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append({
                    "request_index": request_index,
                    "resource": resource,
                    "scope_name": scope_spans.scope.name,
                    "scope_version": scope_spans.scope.version,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "trace_state": span.trace_state,
                    "flags": span.flags,
                    "name": span.name,
                    "kind": span.kind,
                    "start_time_unix_nano": span.start_time_unix_nano,
                    "end_time_unix_nano": span.end_time_unix_nano,
                    "attributes": attributes(span.attributes),
                    "dropped_attributes_count": span.dropped_attributes_count,
                    "events": [
                        {"name": e.name, "time_unix_nano": e.time_unix_nano, "attributes": attributes(e.attributes)}
                        for e in span.events
                    ],
                    "links": [
                        {"trace_id": l.trace_id.hex(), "span_id": l.span_id.hex(), "trace_state": l.trace_state,
                         "flags": l.flags, "attributes": attributes(l.attributes)}
                        for l in span.links
                    ],
                    "status_code": span.status.code,
                    "status_message": span.status.message,
                })
    return spans


def flatten_points(request, request_index):
    """Every data point of a metrics export request, each with its metric, resource and scope."""
    points = []
    for resource_metrics in request.resource_metrics:
        resource = attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                data = getattr(metric, kind) if kind else None
                for point in (data.data_points if data is not None else []):
                    entry = {
                        "request_index": request_index,
                        "resource": resource,
                        "scope_name": scope_metrics.scope.name,
                        "scope_version": scope_metrics.scope.version,
                        "name": metric.name,
                        "unit": metric.unit,
                        "type": kind,
                        # by its enum name, e.g. AGGREGATION_TEMPORALITY_DELTA; gauges and summaries have none
                        "temporality": AggregationTemporality.Name(data.aggregation_temporality)
                        if hasattr(data, "aggregation_temporality") else None,
                        "monotonic": data.is_monotonic if kind == "sum" else None,
                        "attributes": attributes(point.attributes),
                        "start_time_unix_nano": point.start_time_unix_nano,
                        "time_unix_nano": point.time_unix_nano,
                        "count": None,
                        "sum": None,
                        "bucket_counts": None,
                        "explicit_bounds": None,
                        "min": None,
                        "max": None,
                        "value": None,
                    }
                    if kind in ("histogram", "exponential_histogram", "summary"):
                        entry["count"] = point.count
                        entry["sum"] = point.sum
                    if kind == "histogram":
                        entry["bucket_counts"] = list(point.bucket_counts)
                        entry["explicit_bounds"] = list(point.explicit_bounds)
                        entry["min"] = point.min if point.HasField("min") else None
                        entry["max"] = point.max if point.HasField("max") else None
                    if kind in ("sum", "gauge"):
                        entry["value"] = getattr(point, point.WhichOneof("value")) if point.WhichOneof("value") else None
                    points.append(entry)
    return points


# --- state -----------------------------------------------------------------------------------------


class Store:
    """Received spans, metric points and requests, the scripted faults, and the optional state file."""

    def __init__(self, state_path):
        self.lock = threading.Condition()
        self.state_path = state_path
        self.spans = []
        self.requests = []
        self.points = []
        self.metric_requests = []
        self.bodies = []  # every decompressed request body, for /bodies-containing
        self.clear_faults()
        if state_path and os.path.exists(state_path):
            with open(state_path) as f:
                saved = json.load(f)
            self.spans = saved.get("spans", [])
            self.requests = saved.get("requests", [])
            self.points = saved.get("points", [])
            self.metric_requests = saved.get("metric_requests", [])

    def clear_faults(self):
        self.fail_next = 0
        self.fail_status = 503
        self.fail_retry_after = None
        self.reject_all_status = None
        self.reject_all_retry_after = None
        self.partial_success = None
        self.delay_ms = 0
        self.metrics_unavailable = None

    def faults(self):
        return {
            "fail_next": self.fail_next,
            "status": self.fail_status,
            "retry_after": self.fail_retry_after,
            "reject_all_status": self.reject_all_status,
            "reject_all_retry_after": self.reject_all_retry_after,
            "partial_success": self.partial_success,
            "delay_ms": self.delay_ms,
            "metrics_unavailable": self.metrics_unavailable,
        }

    def control(self, command):
        """Apply a /control command (lock held by the caller)."""
        if command.get("reset"):
            self.spans, self.requests = [], []
            self.points, self.metric_requests = [], []
            self.bodies = []
            self.clear_faults()
            self.save()
        if "fail_next" in command:
            self.fail_next = int(command["fail_next"])
            self.fail_status = int(command.get("status", 503))
            self.fail_retry_after = optional_str(command.get("retry_after"))
        if "reject_all_status" in command:
            self.reject_all_status = int(command["reject_all_status"] or 0) or None
            self.reject_all_retry_after = optional_str(command.get("retry_after"))
        if "partial_success" in command:
            partial = command["partial_success"]
            self.partial_success = None if partial is None else {
                "rejected": int(partial.get("rejected", 0)),
                "message": str(partial.get("message", "")),
            }
        if "delay_ms" in command:
            self.delay_ms = int(command["delay_ms"] or 0)
        if "metrics_unavailable" in command:
            self.metrics_unavailable = int(command["metrics_unavailable"] or 0) or None

    def next_fault(self):
        """The (status, retry_after) for the request being answered, or None to accept it."""
        if self.fail_next > 0:
            self.fail_next -= 1
            return self.fail_status, self.fail_retry_after
        if self.reject_all_status:
            return self.reject_all_status, self.reject_all_retry_after
        return None

    def save(self):
        """Replace the state file atomically, so a receiver killed mid-write leaves the old one."""
        if not self.state_path:
            return
        directory = os.path.dirname(os.path.abspath(self.state_path))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".otlp-receiver-")
        with os.fdopen(fd, "w") as f:
            json.dump({"spans": self.spans, "requests": self.requests,
                       "points": self.points, "metric_requests": self.metric_requests}, f)
        os.replace(tmp, self.state_path)


def optional_str(value):
    return None if value is None else str(value)


# --- HTTP ------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real collector offers
    server_version = "tusk-otlp-receiver"
    store: Store  # set on the subclass built in main()

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self.reply(200, b"ok\n", "text/plain")
        elif url.path == "/spans":
            body = self.listing(url.query, lambda store: {"spans": store.spans, "requests": store.requests}, "spans")
            self.reply(200, body.encode(), "application/json")
        elif url.path == "/metrics-points":
            body = self.listing(url.query, lambda store: {"points": store.points, "requests": store.metric_requests}, "points")
            self.reply(200, body.encode(), "application/json")
        elif url.path == "/bodies-containing":
            text = parse_qs(url.query).get("text", [""])[0].encode()
            with self.store.lock:
                bodies = list(self.store.bodies)
            body = json.dumps({"bodies": len(bodies), "containing": sum(text in b for b in bodies)})
            self.reply(200, body.encode(), "application/json")
        elif url.path == "/control":
            with self.store.lock:
                body = json.dumps(self.store.faults())
            self.reply(200, body.encode(), "application/json")
        else:
            self.reply(404, b"not found\n", "text/plain")

    def listing(self, query_string, view, counted):
        """`view` of the store as JSON, once its `counted` list holds `?min=N` entries or `?timeout=S`
        seconds (default 10) passed."""
        query = parse_qs(query_string)
        minimum = int(query.get("min", ["0"])[0])
        deadline = time.monotonic() + float(query.get("timeout", ["10"])[0])
        with self.store.lock:
            while len(view(self.store)[counted]) < minimum and time.monotonic() < deadline:
                self.store.lock.wait(max(0.0, deadline - time.monotonic()))
            return json.dumps(view(self.store))

    def do_POST(self):
        path = urlsplit(self.path).path
        body = self.read_body()
        if body is None:
            return
        if path == "/v1/traces":
            self.export(body)
        elif path == "/v1/metrics":
            self.export_metrics(body)
        elif path == "/control":
            try:
                command = json.loads(body or b"{}")
                if not isinstance(command, dict):
                    raise ValueError("expected a JSON object")
                with self.store.lock:
                    self.store.control(command)
                    state = json.dumps(self.store.faults())
            except (ValueError, TypeError, AttributeError) as error:
                self.reply(400, f"bad control command: {error}\n".encode(), "text/plain")
                return
            self.reply(200, state.encode(), "application/json")
        else:
            self.reply(404, b"not found\n", "text/plain")

    def export(self, body):
        headers = {name.lower(): value for name, value in self.headers.items()}
        record = {
            "index": None,
            "path": self.path,
            "received_at": time.time(),
            "headers": headers,
            "body_size": len(body),
            "decoded_size": None,
            "span_count": 0,
            "status": None,
            "error": None,
        }
        status, retry_after, spans, reply = self.decode(body, headers, record)
        with self.store.lock:
            delay = self.store.delay_ms
            if status == 200:
                fault = self.store.next_fault()
                if fault:
                    status, retry_after = fault
                    reply = f"injected fault: {status}\n".encode()
                else:
                    response = ExportTraceServiceResponse()
                    if self.store.partial_success:
                        response.partial_success.rejected_spans = self.store.partial_success["rejected"]
                        response.partial_success.error_message = self.store.partial_success["message"]
                        self.store.partial_success = None
                    reply = response.SerializeToString()
            record["status"] = status
            record["index"] = len(self.store.requests)
            self.store.requests.append(record)
            if status == 200:
                self.store.spans.extend(flatten(spans, record["index"]))
            self.store.save()
            self.store.lock.notify_all()
        if delay:
            time.sleep(delay / 1000)
        content_type = "application/x-protobuf" if status == 200 else "text/plain"
        extra = {"Retry-After": retry_after} if retry_after else {}
        self.reply(status, reply, content_type, extra)

    def export_metrics(self, body):
        headers = {name.lower(): value for name, value in self.headers.items()}
        record = {
            "index": None,
            "path": self.path,
            "received_at": time.time(),
            "headers": headers,
            "body_size": len(body),
            "decoded_size": None,
            "point_count": 0,
            "status": None,
            "error": None,
        }
        status, _, request, reply = self.decode(body, headers, record, ExportMetricsServiceRequest)
        if status == 200:
            reply = ExportMetricsServiceResponse().SerializeToString()
        with self.store.lock:
            if status == 200 and self.store.metrics_unavailable:
                status = self.store.metrics_unavailable
                reply = f"injected fault: {status}\n".encode()
            record["status"] = status
            record["index"] = len(self.store.metric_requests)
            self.store.metric_requests.append(record)
            if status == 200:
                points = flatten_points(request, record["index"])
                record["point_count"] = len(points)
                self.store.points.extend(points)
            self.store.save()
            self.store.lock.notify_all()
        self.reply(status, reply, "application/x-protobuf" if status == 200 else "text/plain")

    def decode(self, body, headers, record, message=ExportTraceServiceRequest):
        """Check and decode an export body into a `message`: (status, retry_after, request or None,
        reply body)."""
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/x-protobuf":
            record["error"] = f"unsupported content-type {media_type!r}"
            return 415, None, None, (record["error"] + "\n").encode()
        encoding = headers.get("content-encoding", "identity").strip().lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding not in ("", "identity"):
                record["error"] = f"unsupported content-encoding {encoding!r}"
                return 415, None, None, (record["error"] + "\n").encode()
            request = message()
            request.ParseFromString(body)
        except (OSError, EOFError, zlib.error, DecodeError) as error:
            record["error"] = f"cannot decode body: {error}"
            return 400, None, None, (record["error"] + "\n").encode()
        record["decoded_size"] = len(body)
        with self.store.lock:
            self.store.bodies.append(body)
        if message is ExportTraceServiceRequest:
            record["span_count"] = sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
        return 200, None, request, b""

    def read_body(self):
        """The request body (Content-Length or chunked), or None after answering 411."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
        length = self.headers.get("Content-Length")
        if length is None:
            if self.command == "POST":
                self.reply(411, b"length required\n", "text/plain")
                self.close_connection = True
                return None
            return b""
        return self.rfile.read(int(length))

    def reply(self, status, body, content_type, extra_headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        sys.stderr.write("otlp-receiver: " + (format % args) + "\n")


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that timed out or was killed; nothing to report
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="OTLP/HTTP trace and metrics receiver for Tusk's tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--state", help="persist spans, points and requests to this JSON file across restarts")
    parser.add_argument("--quiet", action="store_true", help="do not log each request to stderr")
    parser.add_argument("--tls-port", type=int, help="also serve HTTPS on this port")
    parser.add_argument("--tls-cert", help="PEM certificate chain for --tls-port")
    parser.add_argument("--tls-key", help="PEM private key for --tls-port")
    args = parser.parse_args()

    handler = type("BoundHandler", (Handler,), {"store": Store(args.state)})
    if args.quiet:
        handler.log_message = lambda self, format, *a: None
    server_class = ReceiverServer
    if ":" in args.host:
        server_class = type("ReceiverServerV6", (ReceiverServer,), {"address_family": socket.AF_INET6})
    server = server_class((args.host, args.port), handler)
    if args.tls_port is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        secure = server_class((args.host, args.tls_port), handler)
        secure.socket = context.wrap_socket(secure.socket, server_side=True)
        threading.Thread(target=secure.serve_forever, daemon=True).start()
    print(f"listening on {args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
