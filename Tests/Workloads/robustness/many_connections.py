"""Many connections at once, then connection churn, through psycopg2 (one process, so every span
belongs to it). Each query's text is unique, so the test can check that every one got its span.

usage: many_connections.py OPEN CHURN   (PGHOST/PGPORT/PGUSER/PGDATABASE say where)
  0. prints {"phase": "ready", "pid": …} and waits for a line on standard input (the test starts
     the agent for this pid);
  1. opens OPEN connections (8 threads) and runs `SELECT <i> AS open_query` once on each;
  2. prints {"phase": "open", ...} and waits for a line on standard input (the test looks at the
     agent while all of them are open);
  3. closes them all, then CHURN times: connect, `SELECT <i> AS churn_query`, disconnect;
  4. prints {"phase": "done", ...}."""
import json
import os
import sys
import threading
import time

import psycopg2

OPEN, CHURN = int(sys.argv[1]), int(sys.argv[2])
PARAMS = dict(
    host=os.environ.get("PGHOST", "127.0.0.1"), port=int(os.environ["PGPORT"]),
    user=os.environ.get("PGUSER", "tusk"), dbname=os.environ.get("PGDATABASE", "tusk"))


def connect_and_query(text):
    connection = psycopg2.connect(**PARAMS)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(text)
        assert cursor.fetchall() == [(int(text.split()[1]),)]
    return connection


opened = [None] * OPEN


def open_range(start, stop):
    for i in range(start, stop):
        opened[i] = connect_and_query(f"SELECT {i} AS open_query")


print(json.dumps({"phase": "ready", "pid": os.getpid()}), flush=True)
sys.stdin.readline()
started = time.monotonic()
threads = [threading.Thread(target=open_range, args=(k * OPEN // 8, (k + 1) * OPEN // 8)) for k in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert all(connection is not None for connection in opened)
print(json.dumps({"phase": "open", "pid": os.getpid(), "connections": OPEN, "seconds": time.monotonic() - started}), flush=True)
sys.stdin.readline()

for connection in opened:
    connection.close()
started = time.monotonic()
for i in range(CHURN):
    connect_and_query(f"SELECT {i} AS churn_query").close()
print(json.dumps({"phase": "done", "pid": os.getpid(), "churned": CHURN, "seconds": time.monotonic() - started}), flush=True)
