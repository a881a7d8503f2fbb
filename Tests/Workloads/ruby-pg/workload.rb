# ruby-pg (libpq, Debian ruby-pg): `exec` sends a simple Query, `exec_params` Parse/Bind/Describe/
# Execute/Sync on the unnamed statement, `prepare` parses a named statement (Parse/Sync) that
# `exec_prepared` then binds and executes. The batch runs in libpq's pipeline mode: four
# extended-protocol groups and one Sync in a single round trip.
require 'json'
require 'pg'

TABLE = ENV.fetch('TUSK_TABLE')
$calls = 0

# Times one driver call and prints a line per statement; a database error is reported, not raised.
def call(step, texts)
  $calls += 1
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
  rows = Array.new(texts.size)
  sqlstate = nil
  begin
    rows = yield
  rescue PG::Error => e
    sqlstate = e.result&.error_field(PG::Result::PG_DIAG_SQLSTATE)
    raise if sqlstate.nil?
    rows = Array.new(texts.size)
  end
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond) - started
  texts.each_with_index do |sql, i|
    puts JSON.generate(pid: Process.pid, call: $calls, step: step, sql: sql, ns: elapsed, rows: rows[i], sqlstate: sqlstate)
  end
  $stdout.flush
end

def rows_of(result)
  return [result.ntuples] if result.cmd_status.start_with?('SELECT')
  result.cmd_tuples.zero? && !result.cmd_status.match?(/\A(INSERT|UPDATE|DELETE)/) ? [nil] : [result.cmd_tuples]
end

conn = PG.connect # PGHOST, PGPORT, PGUSER, PGDATABASE
run = ->(step, sql) { call(step, [sql]) { rows_of(conn.exec(sql)) } }
run_params = ->(step, sql, params) { call(step, [sql]) { rows_of(conn.exec_params(sql, params)) } }

if ENV['TUSK_SSLMODE'] # libpq takes the mode from PGSSLMODE
  # the plan's first step over TLS: the server says the connection is encrypted
  encrypted = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'
  said = nil
  call('encrypted', [encrypted]) do
    said = conn.exec(encrypted).column_values(0)
    [said.size]
  end
  abort("the server says the connection is not encrypted: #{said}") unless said == ['t']
end

insert = "INSERT INTO #{TABLE} (id, name, qty) VALUES ($1, $2, $3)"
run.call('create', "CREATE TABLE #{TABLE} (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)")
run.call('insert_literal', "INSERT INTO #{TABLE} (id, name, qty) VALUES (1, 'one', 10)")
run_params.call('insert_param', insert, [2, 'two', 20])
select = "SELECT id, name, qty FROM #{TABLE} WHERE id = $1"
12.times do |i|
  call('select_param', [select]) do
    conn.prepare('select_by_id', select) if i.zero? # a Parse that works: no span of its own
    rows_of(conn.exec_prepared('select_by_id', [1 + i % 2]))
  end
end
run_params.call('update', "UPDATE #{TABLE} SET qty = qty + $1 WHERE id <= $2", [5, 2])
call('batch', [insert] * 4) do
  conn.enter_pipeline_mode
  4.times { |i| conn.send_query_params(insert, [10 + i, "batch #{i}", i]) }
  conn.pipeline_sync
  counts = 4.times.map do
    result = conn.get_result
    result.check
    conn.get_result # nil: the end of this statement's results
    result.cmd_tuples
  end
  conn.get_result # the pipeline's Sync
  conn.exit_pipeline_mode
  counts
end
# the middle INSERT fails: the server skips the rest of the pipeline, up to its Sync; libpq
# reports the skipped one as PGRES_PIPELINE_ABORTED
call('batch_error', [insert] * 3) do
  conn.enter_pipeline_mode
  [20, 1, 21].each { |id| conn.send_query_params(insert, [id, "pipeline #{id}", 0]) }
  conn.pipeline_sync
  failed = nil
  3.times do
    result = conn.get_result
    failed ||= result if result.result_status == PG::PGRES_FATAL_ERROR
    conn.get_result # nil: the end of this statement's results
  end
  conn.get_result # the pipeline's Sync
  conn.exit_pipeline_mode
  failed&.check
  [nil] * 3
end
run.call('delete', "DELETE FROM #{TABLE} WHERE id >= 10")
run.call('undefined_table', 'SELECT * FROM tusk_no_such_table')
run_params.call('unique_violation', insert, [1, 'dup', 0])
run.call('select_many', 'SELECT n FROM generate_series(1, 50000) AS n')
run.call('drop', "DROP TABLE #{TABLE}")
conn.close
