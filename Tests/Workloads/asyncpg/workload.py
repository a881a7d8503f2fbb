"""asyncpg (asyncio, its own protocol implementation): `execute` without arguments sends a simple
Query; everything with arguments, and every `fetch`, goes through its statement cache: the first
use of a text prepares it under a name (__asyncpg_stmt_N__, Parse/Describe/Sync), later uses Bind
and Execute that name. `executemany` pipelines one Bind/Execute per row and a single Sync."""
import asyncio

import asyncpg

from tusk_workload import DATABASE, ENCRYPTED, HOST, PORT, SSLMODE, TABLE, USER, Report, require_encrypted, unverified_tls

report = Report(lambda error: getattr(error, "sqlstate", None))


def affected(status):
    """The row count at the end of a command status such as 'INSERT 0 1'."""
    last = status.split()[-1]
    return int(last) if last.isdigit() else None


async def main():
    # over TLS asyncio runs OpenSSL on memory BIOs (ssl.SSLObject) and moves the ciphertext itself
    connection = await asyncpg.connect(
        host=HOST, port=PORT, user=USER, database=DATABASE, ssl=unverified_tls() if SSLMODE else None)

    async def execute(step, sql, *arguments):
        with report.call(step, sql) as call:
            call.rows[0] = affected(await connection.execute(sql, *arguments))

    async def fetch(step, sql, *arguments):
        with report.call(step, sql) as call:
            call.rows[0] = len(await connection.fetch(sql, *arguments))

    if SSLMODE:
        with report.call("encrypted", ENCRYPTED) as call:
            encrypted = await connection.fetch(ENCRYPTED)
            call.rows[0] = len(encrypted)
        require_encrypted(encrypted)

    insert = f"INSERT INTO {TABLE} (id, name, qty) VALUES ($1, $2, $3)"
    await execute("create", f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)")
    await execute("insert_literal", f"INSERT INTO {TABLE} (id, name, qty) VALUES (1, 'one', 10)")
    await execute("insert_param", insert, 2, "two", 20)
    for i in range(12):
        await fetch("select_param", f"SELECT id, name, qty FROM {TABLE} WHERE id = $1", 1 + i % 2)
    await execute("update", f"UPDATE {TABLE} SET qty = qty + $1 WHERE id <= $2", 5, 2)
    rows = [(10 + i, f"batch {i}", i) for i in range(4)]
    with report.call("batch", *[insert] * len(rows)):
        await connection.executemany(insert, rows)  # returns nothing: rows stay unknown
    # the middle INSERT fails: the server skips the rest, up to the single Sync
    rows = [(20, "pipeline ok", 0), (1, "pipeline dup", 0), (21, "pipeline skipped", 0)]
    with report.call("batch_error", *[insert] * len(rows)):
        await connection.executemany(insert, rows)
    await execute("delete", f"DELETE FROM {TABLE} WHERE id >= 10")
    await fetch("undefined_table", "SELECT * FROM tusk_no_such_table")
    await execute("unique_violation", insert, 1, "dup", 0)
    await fetch("select_many", "SELECT n FROM generate_series(1, 50000) AS n")
    await execute("drop", f"DROP TABLE {TABLE}")
    await connection.close()


asyncio.run(main())
