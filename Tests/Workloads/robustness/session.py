"""A database session the tests drive line by line: one JSON command per line on standard input,
one JSON answer per line on standard output. It lets a test keep connections open across events
it controls (the agent starting, a cancel, a kill) and know exactly what the client saw.

Commands (`conn` names a connection; answers carry "ok" and what the command learned):
  {"op": "connect", "conn": "a", "driver": "psycopg2" | "psycopg"}
      → backend_pid, local_port (the client's ephemeral port as the server sees it)
  {"op": "query", "conn": "a", "sql": "...", "params": [...]}
      psycopg2 interpolates params into one simple Query; psycopg 3 binds them on the server
      (Parse/Bind/Describe/Execute/Sync) → rows (returned or affected) or sqlstate
  {"op": "cancel_during", "conn": "a", "sql": "SELECT pg_sleep(30)", "after": 0.5}
      runs sql and, from another thread after `after` seconds, connection.cancel() (a
      CancelRequest on a new connection) → sqlstate, seconds
  {"op": "close", "conn": "a"}
  {"op": "exit"}
The first line printed is {"pid": …}."""
import json
import os
import sys
import threading
import time

import psycopg2
import psycopg

HOST = os.environ.get("PGHOST", "127.0.0.1")
PORT = int(os.environ["PGPORT"])
USER = os.environ.get("PGUSER", "tusk")
DATABASE = os.environ.get("PGDATABASE", "tusk")

connections = {}


def answer(**fields):
    print(json.dumps(fields), flush=True)


def sqlstate(error):
    # psycopg2 names it pgcode, psycopg 3 sqlstate
    return getattr(error, "pgcode", None) or getattr(error, "sqlstate", None)


def connect(command):
    if command["driver"] == "psycopg2":
        connection = psycopg2.connect(host=HOST, port=PORT, user=USER, dbname=DATABASE)
    else:
        # prepare_threshold=None: never switch to named statements, so every execution carries its text
        connection = psycopg.connect(host=HOST, port=PORT, user=USER, dbname=DATABASE, prepare_threshold=None)
    connection.autocommit = True
    connections[command["conn"]] = connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), inet_client_port()")
        backend_pid, local_port = cursor.fetchone()
    answer(ok=True, backend_pid=backend_pid, local_port=local_port)


def query(command):
    connection = connections[command["conn"]]
    params = command.get("params")
    try:
        with connection.cursor() as cursor:
            cursor.execute(command["sql"], params)
            rows = len(cursor.fetchall()) if cursor.description is not None else cursor.rowcount
        answer(ok=True, rows=rows)
    except psycopg2.Error as error:
        answer(ok=False, sqlstate=sqlstate(error), message=str(error).strip())
    except psycopg.Error as error:
        answer(ok=False, sqlstate=sqlstate(error), message=str(error).strip())


def cancel_during(command):
    connection = connections[command["conn"]]
    timer = threading.Timer(command.get("after", 0.5), connection.cancel)
    started = time.monotonic()
    timer.start()
    try:
        with connection.cursor() as cursor:
            cursor.execute(command["sql"])
        answer(ok=True, sqlstate=None, seconds=time.monotonic() - started)
    except (psycopg2.Error, psycopg.Error) as error:
        answer(ok=False, sqlstate=sqlstate(error), seconds=time.monotonic() - started)
    finally:
        timer.join()


answer(pid=os.getpid())
for line in sys.stdin:
    command = json.loads(line)
    op = command["op"]
    if op == "connect":
        connect(command)
    elif op == "query":
        query(command)
    elif op == "cancel_during":
        cancel_during(command)
    elif op == "close":
        connections.pop(command["conn"]).close()
        answer(ok=True)
    elif op == "exit":
        break
for connection in connections.values():
    connection.close()
