// node-postgres (pg 8, Debian node-pg): a query without values is a simple Query; with values it
// is Parse/Bind/Describe/Execute/Sync on the unnamed statement, and a query config with a `name`
// is parsed once under that name per connection, then only bound and executed. No pipelining:
// queries issued together wait in the client's queue, one round trip each.
'use strict'
const { Client } = require('pg')

const table = process.env.TUSK_TABLE
let calls = 0

// Times one driver call and prints a line per statement; a database error (one with an SQLSTATE) is reported.
async function call (step, texts, body) {
  calls += 1
  const started = process.hrtime.bigint()
  let rows = texts.map(() => null)
  let sqlstate = null
  try {
    rows = await body()
  } catch (error) {
    if (!error.code || error.code.length !== 5) throw error
    sqlstate = error.code
    rows = texts.map(() => null)
  }
  const ns = Number(process.hrtime.bigint() - started)
  for (const [i, sql] of texts.entries()) {
    console.log(JSON.stringify({ pid: process.pid, call: calls, step, sql, ns, rows: rows[i], sqlstate }))
  }
}

async function main () {
  // PGHOST, PGPORT, PGUSER, PGDATABASE; TUSK_SSLMODE=require: TLS through node's built-in
  // OpenSSL, the sandbox's certificate unchecked
  const sslmode = process.env.TUSK_SSLMODE
  const client = new Client(sslmode ? { ssl: { rejectUnauthorized: false } } : {})
  // TUSK_HOLD=1: wait for a line on stdin before connecting, the process already running
  if (process.env.TUSK_HOLD === '1') {
    await new Promise(resolve => process.stdin.once('data', resolve))
    process.stdin.pause()
  }
  await client.connect()
  const run = (step, config) => {
    const text = typeof config === 'string' ? config : config.text
    return call(step, [text], async () => {
      const result = await client.query(config)
      return [result.command === 'SELECT' ? result.rows.length : result.rowCount]
    })
  }
  if (sslmode) {
    // the plan's first step over TLS: the server says the connection is encrypted
    const encrypted = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'
    let said = []
    await call('encrypted', [encrypted], async () => {
      said = (await client.query(encrypted)).rows.map((row) => row.ssl)
      return [said.length]
    })
    if (said.length !== 1 || said[0] !== true) {
      console.error('the server says the connection is not encrypted:', said)
      process.exit(1)
    }
  }
  const insert = `INSERT INTO ${table} (id, name, qty) VALUES ($1, $2, $3)`
  await run('create', `CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)`)
  await run('insert_literal', `INSERT INTO ${table} (id, name, qty) VALUES (1, 'one', 10)`)
  await run('insert_param', { text: insert, values: [2, 'two', 20] })
  for (let i = 0; i < 12; i++) {
    await run('select_param', { name: 'select_by_id', text: `SELECT id, name, qty FROM ${table} WHERE id = $1`, values: [1 + i % 2] })
  }
  await run('update', { text: `UPDATE ${table} SET qty = qty + $1 WHERE id <= $2`, values: [5, 2] })
  for (let i = 0; i < 4; i++) {
    await run('batch', { text: insert, values: [10 + i, `batch ${i}`, i] })
  }
  await run('delete', `DELETE FROM ${table} WHERE id >= 10`)
  await run('undefined_table', 'SELECT * FROM tusk_no_such_table')
  await run('unique_violation', { text: insert, values: [1, 'dup', 0] })
  await run('select_many', 'SELECT n FROM generate_series(1, 50000) AS n')
  await run('drop', `DROP TABLE ${table}`)
  await client.end()
}

main().catch((error) => { console.error(error); process.exit(1) })
