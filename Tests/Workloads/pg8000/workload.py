"""pg8000 (pure Python, native API): `run` without parameters sends a simple Query; with
parameters (:name, rewritten to $n) it uses the unnamed statement in three round trips:
Parse/Flush/Sync, Describe/Flush/Sync, then Bind/Execute/Sync (the Bind leaves before the
Describe's answer is read). `prepare` makes a named statement (pg8000_statement_N) that `run`
then binds and executes. No batch or pipeline API."""
import pg8000.native

from tusk_workload import DATABASE, ENCRYPTED, HOST, PORT, SSLMODE, TABLE, USER, Report, require_encrypted, unverified_tls


def sqlstate_of(error):
    if isinstance(error, pg8000.native.DatabaseError) and error.args and isinstance(error.args[0], dict):
        return error.args[0].get("C")
    return None


connection = pg8000.native.Connection(
    USER, host=HOST, port=PORT, database=DATABASE, ssl_context=unverified_tls() if SSLMODE else None)
report = Report(sqlstate_of)


def sent(sql):
    """The text pg8000 puts in the Parse message: :name placeholders become $n."""
    return pg8000.native.to_statement(sql)[0]


def row_count():
    return connection.row_count if connection.row_count is not None and connection.row_count >= 0 else None


def run(step, sql, **parameters):
    with report.call(step, sent(sql) if parameters else sql) as call:
        connection.run(sql, **parameters)
        call.rows[0] = row_count()


if SSLMODE:
    with report.call("encrypted", ENCRYPTED) as call:
        encrypted = connection.run(ENCRYPTED)
        call.rows[0] = len(encrypted)
    require_encrypted(encrypted)

insert = f"INSERT INTO {TABLE} (id, name, qty) VALUES (:id, :name, :qty)"
run("create", f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)")
run("insert_literal", f"INSERT INTO {TABLE} (id, name, qty) VALUES (1, 'one', 10)")
run("insert_param", insert, id=2, name="two", qty=20)
select_sql = f"SELECT id, name, qty FROM {TABLE} WHERE id = :id"
select = None
for i in range(12):
    with report.call("select_param", sent(select_sql)) as call:
        if select is None:  # the first call prepares the named statement (a Parse that works: no span)
            select = connection.prepare(select_sql)
        call.rows[0] = len(select.run(id=1 + i % 2))
run("update", f"UPDATE {TABLE} SET qty = qty + :add WHERE id <= :id", add=5, id=2)
for i in range(4):  # no batch API: one statement after the other
    run("batch", insert, id=10 + i, name=f"batch {i}", qty=i)
run("delete", f"DELETE FROM {TABLE} WHERE id >= 10")
run("undefined_table", "SELECT * FROM tusk_no_such_table")
run("unique_violation", insert, id=1, name="dup", qty=0)
run("select_many", "SELECT n FROM generate_series(1, 50000) AS n")
run("drop", f"DROP TABLE {TABLE}")
connection.close()
