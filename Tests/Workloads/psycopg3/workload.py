"""psycopg 3 (libpq): statements with parameters go out in the extended protocol with $n
placeholders (server-side binding), statements without parameters as simple Query messages.
A statement executed more than `prepare_threshold` (5) times is prepared under a name (_pg3_N)
and then executed by that name. The batch runs in pipeline mode: four Parse/Bind/Describe/Execute
groups and one Sync in a single round trip."""
import psycopg

from tusk_workload import DATABASE, ENCRYPTED, HOST, PORT, SSLMODE, TABLE, USER, Report, require_encrypted

connection = psycopg.connect(host=HOST, port=PORT, user=USER, dbname=DATABASE, autocommit=True)
cursor = connection.cursor()
report = Report(lambda error: getattr(error, "sqlstate", None))


def run(step, sql, sent, parameters=None, returns_rows=False):
    with report.call(step, sent) as call:
        cursor.execute(sql, parameters)
        call.rows[0] = len(cursor.fetchall()) if returns_rows else (cursor.rowcount if cursor.rowcount >= 0 else None)


if SSLMODE:  # libpq takes the mode from PGSSLMODE
    with report.call("encrypted", ENCRYPTED) as call:
        encrypted = cursor.execute(ENCRYPTED).fetchall()
        call.rows[0] = len(encrypted)
    require_encrypted(encrypted)

insert = f"INSERT INTO {TABLE} (id, name, qty) VALUES (%s, %s, %s)"
insert_sent = f"INSERT INTO {TABLE} (id, name, qty) VALUES ($1, $2, $3)"
create = f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)"
run("create", create, create)
literal = f"INSERT INTO {TABLE} (id, name, qty) VALUES (1, 'one', 10)"
run("insert_literal", literal, literal)
run("insert_param", insert, insert_sent, (2, "two", 20))
for i in range(12):
    run("select_param", f"SELECT id, name, qty FROM {TABLE} WHERE id = %s",
        f"SELECT id, name, qty FROM {TABLE} WHERE id = $1", (1 + i % 2,), returns_rows=True)
run("update", f"UPDATE {TABLE} SET qty = qty + %s WHERE id <= %s", f"UPDATE {TABLE} SET qty = qty + $1 WHERE id <= $2", (5, 2))

rows = [(10 + i, f"batch {i}", i) for i in range(4)]
with report.call("batch", *[insert_sent] * len(rows)) as call:
    with connection.pipeline():
        cursors = [connection.cursor() for _ in rows]
        for batch_cursor, row in zip(cursors, rows):
            batch_cursor.execute(insert, row)
    call.rows = [batch_cursor.rowcount for batch_cursor in cursors]

# the middle INSERT fails: the server skips the rest of the pipeline, up to its Sync
rows = [(20, "pipeline ok", 0), (1, "pipeline dup", 0), (21, "pipeline skipped", 0)]
with report.call("batch_error", *[insert_sent] * len(rows)):
    with connection.pipeline():
        for row in rows:
            connection.cursor().execute(insert, row)

delete = f"DELETE FROM {TABLE} WHERE id >= 10"
run("delete", delete, delete)
run("undefined_table", "SELECT * FROM tusk_no_such_table", "SELECT * FROM tusk_no_such_table", returns_rows=True)
run("unique_violation", insert, insert_sent, (1, "dup", 0))
many = "SELECT n FROM generate_series(1, 50000) AS n"
run("select_many", many, many, returns_rows=True)
run("drop", f"DROP TABLE {TABLE}", f"DROP TABLE {TABLE}")
connection.close()
