"""psycopg2 (libpq, simple query protocol): parameters are interpolated on the client, so every
statement reaches the server as one Query message with literals in its text; `cursor.mogrify`
returns exactly those bytes. The batch is `execute_batch`: the INSERTs joined with ';' into a
single Query, one round trip."""
import psycopg2
import psycopg2.extras

from tusk_workload import DATABASE, ENCRYPTED, HOST, PORT, SSLMODE, TABLE, USER, Report, require_encrypted

connection = psycopg2.connect(host=HOST, port=PORT, user=USER, dbname=DATABASE)
connection.autocommit = True
cursor = connection.cursor()
report = Report(lambda error: getattr(error, "pgcode", None))


def sent(sql, parameters=None):
    return cursor.mogrify(sql, parameters).decode()


def run(step, sql, parameters=None, returns_rows=False):
    with report.call(step, sent(sql, parameters)) as call:
        cursor.execute(sql, parameters)
        call.rows[0] = len(cursor.fetchall()) if returns_rows else (cursor.rowcount if cursor.rowcount >= 0 else None)


if SSLMODE:  # libpq takes the mode from PGSSLMODE
    with report.call("encrypted", ENCRYPTED) as call:
        cursor.execute(ENCRYPTED)
        encrypted = cursor.fetchall()
        call.rows[0] = len(encrypted)
    require_encrypted(encrypted)

insert = f"INSERT INTO {TABLE} (id, name, qty) VALUES (%s, %s, %s)"
run("create", f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)")
run("insert_literal", f"INSERT INTO {TABLE} (id, name, qty) VALUES (1, 'one', 10)")
run("insert_param", insert, (2, "two", 20))
for i in range(12):
    run("select_param", f"SELECT id, name, qty FROM {TABLE} WHERE id = %s", (1 + i % 2,), returns_rows=True)
run("update", f"UPDATE {TABLE} SET qty = qty + %s WHERE id <= %s", (5, 2))

rows = [(10 + i, f"batch {i}", i) for i in range(4)]
joined = ";".join(sent(insert, row) for row in rows)
with report.call("batch", joined) as call:
    # one Query with four statements: libpq keeps only the last statement's result, so the
    # rows stay unknown here (the DELETE below deletes all four)
    psycopg2.extras.execute_batch(cursor, insert, rows)

rows = [(20, "pipeline ok", 0), (1, "pipeline dup", 0), (21, "pipeline skipped", 0)]
with report.call("batch_error", ";".join(sent(insert, row) for row in rows)):
    psycopg2.extras.execute_batch(cursor, insert, rows)

run("delete", f"DELETE FROM {TABLE} WHERE id >= 10")
run("undefined_table", "SELECT * FROM tusk_no_such_table", returns_rows=True)
run("unique_violation", insert, (1, "dup", 0))
run("select_many", "SELECT n FROM generate_series(1, 50000) AS n", returns_rows=True)
run("drop", f"DROP TABLE {TABLE}")
connection.close()
