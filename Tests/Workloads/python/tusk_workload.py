"""What every Python workload shares: the connection parameters and table from the environment,
and one JSON line per statement with the workload's own timing (../README.md)."""
import json
import os
import ssl
import sys
import time

HOST = os.environ["PGHOST"]
PORT = int(os.environ["PGPORT"])
USER = os.environ["PGUSER"]
DATABASE = os.environ["PGDATABASE"]
TABLE = os.environ["TUSK_TABLE"]
# "require": connect over TLS (no certificate check) and prove it with the plan's first step
SSLMODE = os.environ.get("TUSK_SSLMODE")
ENCRYPTED = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"

# TUSK_HOLD=1: wait for a line on stdin before connecting, with the driver (and the TLS library it
# loads) already imported; every workload imports its driver before this module
if os.environ.get("TUSK_HOLD") == "1":
    sys.stdin.readline()


def unverified_tls():
    """A client TLS context that encrypts without checking the sandbox's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def require_encrypted(rows):
    """Ends the workload unless the server said (ENCRYPTED's rows) that the connection is encrypted."""
    if [tuple(row) for row in rows] != [(True,)]:
        sys.exit(f"the server says the connection is not encrypted: {rows}")


class Report:
    """Numbers the driver calls and prints their statements."""

    def __init__(self, sqlstate_of):
        self.sqlstate_of = sqlstate_of
        self.calls = 0

    def call(self, step, *texts):
        """A context manager around one driver call carrying `texts` (several for a batch)."""
        self.calls += 1
        return Call(self, self.calls, step, texts)


class Call:
    """Times the driver call in its body. The body sets `rows` (one per text). A database error,
    one the driver gives an SQLSTATE, is reported and swallowed; anything else propagates."""

    def __init__(self, report, number, step, texts):
        self.report, self.number, self.step, self.texts = report, number, step, texts
        self.rows = [None] * len(texts)

    def __enter__(self):
        self.started = time.monotonic_ns()
        return self

    def __exit__(self, kind, error, traceback):
        elapsed = time.monotonic_ns() - self.started
        sqlstate = self.report.sqlstate_of(error) if error is not None else None
        if error is not None and sqlstate is None:
            return False
        for text, rows in zip(self.texts, self.rows):
            line = {"pid": os.getpid(), "call": self.number, "step": self.step, "sql": text,
                    "ns": elapsed, "rows": None if sqlstate else rows, "sqlstate": sqlstate}
            print(json.dumps(line), flush=True)
        return True
