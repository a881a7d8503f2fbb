// Go's crypto/tls under two drivers (built in GOPATH mode from Debian's
// golang-github-jackc-pgx-v4-dev and golang-github-lib-pq-dev): pgx v4 directly, lib/pq through
// database/sql. Usage: go-tls-workload pgx|pq DSN. It waits for a line on standard input before
// connecting, so it is running (and its executable can be found) before the agent starts. Then it
// prints one line per step: ssl=…, simple=…, error=SQLSTATE, rows=…, prepared=….
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
	"github.com/lib/pq"
)

const (
	sslCheck = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
	simple   = "SELECT 1 AS go_tls_simple"
	missing  = "SELECT * FROM nosuch_go_table"
	many     = "SELECT n FROM generate_series(1, 50000) AS n"
	prepared = "SELECT $1::int + 1 AS go_tls_prepared"
)

func fail(step string, err error) {
	fmt.Fprintln(os.Stderr, step, err)
	os.Exit(1)
}

func withPgx(dsn string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		fail("connect", err)
	}
	defer conn.Close(ctx)
	var ssl bool
	if err := conn.QueryRow(ctx, sslCheck).Scan(&ssl); err != nil {
		fail("ssl", err)
	}
	fmt.Printf("ssl=%v\n", ssl)
	// Exec without arguments: a simple Query
	if _, err := conn.Exec(ctx, simple); err != nil {
		fail("simple", err)
	}
	fmt.Println("simple=ok")
	_, err = conn.Exec(ctx, missing)
	var pgError *pgconn.PgError
	if !errors.As(err, &pgError) {
		fail("error", err)
	}
	fmt.Printf("error=%s\n", pgError.Code)
	rows, err := conn.Query(ctx, many)
	if err != nil {
		fail("rows", err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if rows.Err() != nil {
		fail("rows", rows.Err())
	}
	fmt.Printf("rows=%d\n", n)
	if _, err := conn.Prepare(ctx, "go_tls_statement", prepared); err != nil {
		fail("prepare", err)
	}
	var sum int
	if err := conn.QueryRow(ctx, "go_tls_statement", 41).Scan(&sum); err != nil {
		fail("prepared", err)
	}
	fmt.Printf("prepared=%d\n", sum)
}

func withPq(dsn string) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		fail("open", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var ssl bool
	if err := db.QueryRow(sslCheck).Scan(&ssl); err != nil {
		fail("ssl", err)
	}
	fmt.Printf("ssl=%v\n", ssl)
	// no arguments: a simple Query
	if _, err := db.Exec(simple); err != nil {
		fail("simple", err)
	}
	fmt.Println("simple=ok")
	_, err = db.Exec(missing)
	var pqError *pq.Error
	if !errors.As(err, &pqError) {
		fail("error", err)
	}
	fmt.Printf("error=%s\n", pqError.Code)
	rows, err := db.Query(many)
	if err != nil {
		fail("rows", err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if rows.Err() != nil {
		fail("rows", rows.Err())
	}
	fmt.Printf("rows=%d\n", n)
	statement, err := db.Prepare(prepared)
	if err != nil {
		fail("prepare", err)
	}
	var sum int
	if err := statement.QueryRow(41).Scan(&sum); err != nil {
		fail("prepared", err)
	}
	statement.Close()
	fmt.Printf("prepared=%d\n", sum)
}

func main() {
	if len(os.Args) != 3 {
		fail("usage", errors.New("go-tls-workload pgx|pq DSN"))
	}
	bufio.NewReader(os.Stdin).ReadString('\n')
	switch os.Args[1] {
	case "pgx":
		withPgx(os.Args[2])
	case "pq":
		withPq(os.Args[2])
	default:
		fail("usage", errors.New("driver: pgx or pq"))
	}
}
