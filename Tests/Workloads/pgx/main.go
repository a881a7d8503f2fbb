// pgx v4 (Go, Debian golang-github-jackc-pgx-v4-dev, built in GOPATH mode): Exec without
// arguments sends a simple Query; Exec with arguments and every Query go through the statement
// cache, which prepares each new text under a name (lrupsc_N_M: Parse/Describe/Sync) and then
// binds and executes that name. SendBatch pipelines one Bind/Describe/Execute per queued
// statement and a single Sync.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
)

type line struct {
	Pid      int     `json:"pid"`
	Call     int     `json:"call"`
	Step     string  `json:"step"`
	SQL      string  `json:"sql"`
	Ns       int64   `json:"ns"`
	Rows     *int64  `json:"rows"`
	SQLState *string `json:"sqlstate"`
}

var calls = 0

// call times body and prints one line per text; a PostgreSQL error is reported, anything else ends the program.
func call(step string, texts []string, body func() ([]*int64, error)) {
	calls++
	started := time.Now()
	rows, err := body()
	elapsed := time.Since(started).Nanoseconds()
	var sqlstate *string
	if err != nil {
		var pgError *pgconn.PgError
		if !errors.As(err, &pgError) {
			fmt.Fprintln(os.Stderr, step, err)
			os.Exit(1)
		}
		sqlstate = &pgError.Code
		rows = nil
	}
	for i, text := range texts {
		out := line{Pid: os.Getpid(), Call: calls, Step: step, SQL: text, Ns: elapsed, SQLState: sqlstate}
		if i < len(rows) {
			out.Rows = rows[i]
		}
		encoded, _ := json.Marshal(out)
		fmt.Println(string(encoded))
	}
}

func one(n int64) []*int64 { return []*int64{&n} }

func main() {
	ctx := context.Background()
	table := os.Getenv("TUSK_TABLE")
	// TUSK_SSLMODE=require: TLS through Go's crypto/tls; pgx skips the certificate check for require
	sslmode := os.Getenv("TUSK_SSLMODE")
	dsn := fmt.Sprintf("host=%s port=%s user=%s dbname=%s",
		os.Getenv("PGHOST"), os.Getenv("PGPORT"), os.Getenv("PGUSER"), os.Getenv("PGDATABASE"))
	if sslmode != "" {
		dsn += " sslmode=" + sslmode
	}
	// TUSK_HOLD=1: wait for a line on stdin before connecting, the process already running
	if os.Getenv("TUSK_HOLD") == "1" {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close(ctx)

	exec := func(step, sql string, arguments ...interface{}) {
		call(step, []string{sql}, func() ([]*int64, error) {
			tag, err := conn.Exec(ctx, sql, arguments...)
			if err != nil || !(tag.Insert() || tag.Update() || tag.Delete()) {
				return nil, err
			}
			return one(tag.RowsAffected()), nil
		})
	}
	query := func(step, sql string, arguments ...interface{}) {
		call(step, []string{sql}, func() ([]*int64, error) {
			rows, err := conn.Query(ctx, sql, arguments...)
			if err != nil {
				return nil, err
			}
			var n int64
			for rows.Next() {
				n++
			}
			rows.Close()
			return one(n), rows.Err()
		})
	}

	if sslmode != "" {
		// the plan's first step over TLS: the server says the connection is encrypted
		encrypted := "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
		var said []bool
		call("encrypted", []string{encrypted}, func() ([]*int64, error) {
			rows, err := conn.Query(ctx, encrypted)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var ssl bool
				if err := rows.Scan(&ssl); err != nil {
					return nil, err
				}
				said = append(said, ssl)
			}
			rows.Close()
			return one(int64(len(said))), rows.Err()
		})
		if len(said) != 1 || !said[0] {
			fmt.Fprintln(os.Stderr, "the server says the connection is not encrypted:", said)
			os.Exit(1)
		}
	}

	insert := "INSERT INTO " + table + " (id, name, qty) VALUES ($1, $2, $3)"
	exec("create", "CREATE TABLE "+table+" (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)")
	exec("insert_literal", "INSERT INTO "+table+" (id, name, qty) VALUES (1, 'one', 10)")
	exec("insert_param", insert, 2, "two", 20)
	for i := 0; i < 12; i++ {
		query("select_param", "SELECT id, name, qty FROM "+table+" WHERE id = $1", 1+i%2)
	}
	exec("update", "UPDATE "+table+" SET qty = qty + $1 WHERE id <= $2", 5, 2)
	call("batch", []string{insert, insert, insert, insert}, func() ([]*int64, error) {
		batch := &pgx.Batch{}
		for i := 0; i < 4; i++ {
			batch.Queue(insert, 10+i, fmt.Sprintf("batch %d", i), i)
		}
		results := conn.SendBatch(ctx, batch)
		var rows []*int64
		for i := 0; i < 4; i++ {
			tag, err := results.Exec()
			if err != nil {
				results.Close()
				return nil, err
			}
			rows = append(rows, one(tag.RowsAffected())...)
		}
		return rows, results.Close()
	})
	// the middle INSERT fails: the server skips the rest of the batch, up to its Sync
	call("batch_error", []string{insert, insert, insert}, func() ([]*int64, error) {
		batch := &pgx.Batch{}
		for _, id := range []int{20, 1, 21} {
			batch.Queue(insert, id, fmt.Sprintf("pipeline %d", id), 0)
		}
		results := conn.SendBatch(ctx, batch)
		defer results.Close()
		for i := 0; i < 3; i++ {
			if _, err := results.Exec(); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	exec("delete", "DELETE FROM "+table+" WHERE id >= 10")
	query("undefined_table", "SELECT * FROM tusk_no_such_table")
	exec("unique_violation", insert, 1, "dup", 0)
	query("select_many", "SELECT n FROM generate_series(1, 50000) AS n")
	exec("drop", "DROP TABLE "+table)
}
