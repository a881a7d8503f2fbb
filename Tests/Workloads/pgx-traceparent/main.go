// A pgx v4 application instrumented with the OpenTelemetry Go SDK (Debian's
// golang-opentelemetry-otel-dev) that writes sqlcommenter comments itself: each query carries the
// traceparent of the application's span around it. pgx's statement cache prepares each new text
// under a name (Parse/Describe/Sync) and then binds and executes that name in a second round trip.
// At the end the first text runs again outside any span, from the cache (Bind/Execute only).
// Prints {"pid": …, "spans": [{"trace_id", "span_id", "start", "end"}]} (the application's own
// spans, Unix ns) and stays alive a moment for Tusk to read /proc.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v4"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

type recorded struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	Start   int64  `json:"start"`
	End     int64  `json:"end"`
}

func main() {
	ctx := context.Background()
	recorder := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)).Tracer("checkout")
	conn, err := pgx.Connect(ctx, os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	run := func(ctx context.Context, text string, n int) {
		rows, err := conn.Query(ctx, text, n)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for rows.Next() {
		}
		rows.Close()
		if rows.Err() != nil {
			fmt.Fprintln(os.Stderr, rows.Err())
			os.Exit(1)
		}
	}
	var first string
	for n := 1; n <= 5; n++ {
		spanCtx, span := tracer.Start(ctx, "db call")
		carrier := propagation.HeaderCarrier(http.Header{})
		propagation.TraceContext{}.Inject(spanCtx, carrier)
		text := "SELECT $1::int AS pgx_marker /*traceparent='" + carrier.Get("traceparent") + "'*/"
		if n == 1 {
			first = text
		}
		run(spanCtx, text, n)
		span.End()
	}
	run(ctx, first, 0)
	conn.Close(ctx)
	var spans []recorded
	for _, span := range recorder.Ended() {
		context := span.SpanContext()
		spans = append(spans, recorded{context.TraceID().String(), context.SpanID().String(), span.StartTime().UnixNano(), span.EndTime().UnixNano()})
	}
	encoded, _ := json.Marshal(map[string]interface{}{"pid": os.Getpid(), "spans": spans})
	fmt.Println(string(encoded))
	time.Sleep(1500 * time.Millisecond)
}
