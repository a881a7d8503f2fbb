// pgx v4's statement cache prepares each new text under a name (Parse/Describe/Sync) and then
// binds and executes that name in a second round trip. Each query here carries a sqlcommenter
// traceparent of its own (so each is a new text); at the end the first text runs again, from the
// cache (Bind/Execute only). Prints {"pid": …} and stays alive a moment for Tusk to read /proc.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v4"
)

func main() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	run := func(text string, n int) {
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
		text := fmt.Sprintf("SELECT $1::int AS pgx_marker /*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-%016x-01'*/", n)
		if n == 1 {
			first = text
		}
		run(text, n)
	}
	run(first, 0)
	conn.Close(ctx)
	encoded, _ := json.Marshal(map[string]int{"pid": os.Getpid()})
	fmt.Println(string(encoded))
	time.Sleep(1500 * time.Millisecond)
}
