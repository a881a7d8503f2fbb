// Table-driven expectations for QueryAnalyzer in the default (sanitized) mode: one row per statement,
// every attribute exact, so a change in any rule shows up as a failing row.

import QueryText
import Testing

struct CorpusRow: CustomTestStringConvertible, Sendable {
    var sql: String
    var text: String
    var operation: String?
    var collection: String?
    var summary: String?
    var procedure: String? = nil
    var batchSize = 1
    var parsed = true
    var truncated = false
    var deallocations: [Deallocation] = []

    var testDescription: String { sql.count > 70 ? String(sql.prefix(67)) + "…" : sql }

    /// Span name with namespace "shop" and server db.internal:5432 (see QueryAnalysis.spanName).
    var spanName: String {
        if let summary { return summary }
        let target = collection ?? procedure ?? "shop"
        return operation.map { "\($0) \(target)" } ?? target
    }
}

/// Statements an application sends, grouped by what they exercise.
let corpus: [CorpusRow] = [
    // SELECT: literals, names, joins
    CorpusRow(sql: "SELECT abalance FROM pgbench_accounts WHERE aid = 837379;",
              text: "SELECT abalance FROM pgbench_accounts WHERE aid = ?;",
              operation: "SELECT", collection: "pgbench_accounts", summary: "SELECT pgbench_accounts"),
    CorpusRow(sql: "select name from Users where email = 'a@b.c'",
              text: "select name from Users where email = ?",
              operation: "select", collection: "Users", summary: "select Users"),
    CorpusRow(sql: "SELECT * FROM public.orders o WHERE o.total > 10.5 AND o.state = 'open'",
              text: "SELECT * FROM public.orders o WHERE o.total > ? AND o.state = ?",
              operation: "SELECT", collection: "public.orders", summary: "SELECT public.orders"),
    CorpusRow(sql: #"SELECT * FROM "MySchema"."Order Items" WHERE "Qty" >= 3"#,
              text: #"SELECT * FROM "MySchema"."Order Items" WHERE "Qty" >= ?"#,
              operation: "SELECT", collection: "MySchema.Order Items", summary: #"SELECT "MySchema"."Order Items""#),
    CorpusRow(sql: #"SELECT * FROM "song list", 'artists'"#,
              text: #"SELECT * FROM "song list", ?"#,
              operation: nil, collection: nil, summary: nil, parsed: false),
    CorpusRow(sql: #"SELECT * FROM "song list", artists"#,
              text: #"SELECT * FROM "song list", artists"#,
              operation: "SELECT", collection: nil, summary: #"SELECT "song list" artists"#),
    CorpusRow(sql: "SELECT u.id, p.title FROM users u JOIN posts p ON p.user_id = u.id LEFT JOIN comments c ON c.post_id = p.id WHERE u.id = 7",
              text: "SELECT u.id, p.title FROM users u JOIN posts p ON p.user_id = u.id LEFT JOIN comments c ON c.post_id = p.id WHERE u.id = ?",
              operation: "SELECT", collection: nil, summary: "SELECT users posts comments"),
    CorpusRow(sql: "SELECT * FROM songs, artists WHERE songs.artist_id = artists.id",
              text: "SELECT * FROM songs, artists WHERE songs.artist_id = artists.id",
              operation: "SELECT", collection: nil, summary: "SELECT songs artists"),
    CorpusRow(sql: "SELECT * FROM a JOIN a AS a2 ON a2.parent = a.id",
              text: "SELECT * FROM a JOIN a AS a2 ON a2.parent = a.id",
              operation: "SELECT", collection: "a", summary: "SELECT a"),
    CorpusRow(sql: "SELECT 'é', x FROM \"Ünïcode\" JOIN tëst ON true WHERE y = 'ü'",
              text: "SELECT ?, x FROM \"Ünïcode\" JOIN tëst ON true WHERE y = ?",
              operation: "SELECT", collection: nil, summary: "SELECT \"Ünïcode\" tëst"),
    CorpusRow(sql: "SELECT * FROM ȘCHEMA.Tàble", text: "SELECT * FROM ȘCHEMA.Tàble",
              operation: "SELECT", collection: "ȘCHEMA.Tàble", summary: "SELECT ȘCHEMA.Tàble"),
    CorpusRow(sql: "SELECT 1", text: "SELECT ?", operation: "SELECT", collection: nil, summary: "SELECT"),
    CorpusRow(sql: "SELECT now()", text: "SELECT now()", operation: "SELECT", collection: nil, summary: "SELECT"),
    CorpusRow(sql: "SELECT * FROM t WHERE flag = TRUE AND deleted IS NULL AND x = FALSE",
              text: "SELECT * FROM t WHERE flag = TRUE AND deleted IS NULL AND x = FALSE",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT * FROM t WHERE x = -3.5 AND y = 1e10 AND z = .5 AND w = 4.2E-3",
              text: "SELECT * FROM t WHERE x = -? AND y = ? AND z = ? AND w = ?",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT DATE '2024-01-01', INTERVAL '1 day', '{1,2}'::int[] FROM calendar",
              text: "SELECT DATE ?, INTERVAL ?, ?::int[] FROM calendar",
              operation: "SELECT", collection: "calendar", summary: "SELECT calendar"),
    CorpusRow(sql: "SELECT * FROM t FOR UPDATE", text: "SELECT * FROM t FOR UPDATE",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "TABLE orders", text: "TABLE orders", operation: "SELECT", collection: "orders", summary: "SELECT orders"),
    CorpusRow(sql: "VALUES (1, 'a'), (2, 'b')", text: "VALUES (?, ?), (?, ?)", operation: "VALUES", collection: nil, summary: "VALUES"),

    // Subqueries, set operations, CTEs
    CorpusRow(sql: "SELECT order_date FROM (SELECT * FROM orders o JOIN customers c ON o.customer_id = c.customer_id) t",
              text: "SELECT order_date FROM (SELECT * FROM orders o JOIN customers c ON o.customer_id = c.customer_id) t",
              operation: "SELECT", collection: nil, summary: "SELECT SELECT orders customers"),
    CorpusRow(sql: "SELECT id FROM accounts WHERE balance > (SELECT avg(balance) FROM accounts)",
              text: "SELECT id FROM accounts WHERE balance > (SELECT avg(balance) FROM accounts)",
              operation: "SELECT", collection: "accounts", summary: "SELECT accounts SELECT accounts"),
    CorpusRow(sql: "SELECT * FROM a WHERE id IN (SELECT a_id FROM b WHERE x = 1)",
              text: "SELECT * FROM a WHERE id IN (SELECT a_id FROM b WHERE x = ?)",
              operation: "SELECT", collection: nil, summary: "SELECT a SELECT b"),
    CorpusRow(sql: "SELECT (SELECT max(x) FROM b) FROM a", text: "SELECT (SELECT max(x) FROM b) FROM a",
              operation: "SELECT", collection: nil, summary: "SELECT SELECT b a"),
    CorpusRow(sql: "SELECT a FROM t UNION ALL SELECT b FROM u", text: "SELECT a FROM t UNION ALL SELECT b FROM u",
              operation: "SELECT", collection: nil, summary: "SELECT t SELECT u"),
    CorpusRow(sql: "WITH recent AS (SELECT * FROM orders WHERE created_at > '2024-01-01') SELECT customer_id FROM recent",
              text: "WITH recent AS (SELECT * FROM orders WHERE created_at > ?) SELECT customer_id FROM recent",
              operation: "SELECT", collection: "orders", summary: "SELECT orders SELECT"),
    CorpusRow(sql: "WITH orders AS (SELECT * FROM orders WHERE id = 1) SELECT * FROM orders",
              text: "WITH orders AS (SELECT * FROM orders WHERE id = ?) SELECT * FROM orders",
              operation: "SELECT", collection: "orders", summary: "SELECT orders SELECT"),
    CorpusRow(sql: "WITH RECURSIVE tree AS (SELECT id FROM nodes WHERE id = 1 UNION ALL SELECT n.id FROM nodes n JOIN tree t ON n.parent = t.id) SELECT * FROM tree",
              text: "WITH RECURSIVE tree AS (SELECT id FROM nodes WHERE id = ? UNION ALL SELECT n.id FROM nodes n JOIN tree t ON n.parent = t.id) SELECT * FROM tree",
              operation: "SELECT", collection: "nodes", summary: "SELECT nodes SELECT nodes SELECT"),
    CorpusRow(sql: "(WITH x AS (SELECT * FROM a) SELECT * FROM x) UNION SELECT * FROM b",
              text: "(WITH x AS (SELECT * FROM a) SELECT * FROM x) UNION SELECT * FROM b",
              operation: "SELECT", collection: nil, summary: "SELECT a SELECT SELECT b"),
    CorpusRow(sql: "WITH moved AS (DELETE FROM queue WHERE id = 9 RETURNING *) INSERT INTO done SELECT * FROM moved",
              text: "WITH moved AS (DELETE FROM queue WHERE id = ? RETURNING *) INSERT INTO done SELECT * FROM moved",
              operation: "INSERT", collection: nil, summary: "DELETE queue INSERT done SELECT"),

    // INSERT, UPDATE, DELETE, MERGE
    CorpusRow(sql: "INSERT INTO users (name, email) VALUES ('Ann', 'ann@example.com')",
              text: "INSERT INTO users (name, email) VALUES (?, ?)",
              operation: "INSERT", collection: "users", summary: "INSERT users"),
    CorpusRow(sql: "INSERT INTO app.events (id) VALUES (1), (2), (3) ON CONFLICT (id) DO UPDATE SET id = 4 RETURNING id",
              text: "INSERT INTO app.events (id) VALUES (?), (?), (?) ON CONFLICT (id) DO UPDATE SET id = ? RETURNING id",
              operation: "INSERT", collection: "app.events", summary: "INSERT app.events"),
    CorpusRow(sql: "INSERT INTO shipping_details (order_id, address) SELECT order_id, address FROM orders WHERE order_id = 5",
              text: "INSERT INTO shipping_details (order_id, address) SELECT order_id, address FROM orders WHERE order_id = ?",
              operation: "INSERT", collection: nil, summary: "INSERT shipping_details SELECT orders"),
    CorpusRow(sql: "UPDATE accounts SET balance = balance - 100.00 WHERE id = 5",
              text: "UPDATE accounts SET balance = balance - ? WHERE id = ?",
              operation: "UPDATE", collection: "accounts", summary: "UPDATE accounts"),
    CorpusRow(sql: "UPDATE t SET a = u.a FROM u WHERE t.id = u.id", text: "UPDATE t SET a = u.a FROM u WHERE t.id = u.id",
              operation: "UPDATE", collection: nil, summary: "UPDATE t u"),
    CorpusRow(sql: "DELETE FROM sessions WHERE token = 'abc123'", text: "DELETE FROM sessions WHERE token = ?",
              operation: "DELETE", collection: "sessions", summary: "DELETE sessions"),
    CorpusRow(sql: "DELETE FROM t USING u WHERE t.id = u.id", text: "DELETE FROM t USING u WHERE t.id = u.id",
              operation: "DELETE", collection: nil, summary: "DELETE t u"),
    CorpusRow(sql: "MERGE INTO inventory i USING shipments s ON i.sku = s.sku WHEN MATCHED THEN UPDATE SET qty = i.qty + 1 WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (s.sku, 0)",
              text: "MERGE INTO inventory i USING shipments s ON i.sku = s.sku WHEN MATCHED THEN UPDATE SET qty = i.qty + ? WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (s.sku, ?)",
              operation: "MERGE", collection: nil, summary: "MERGE inventory shipments"),

    // Parameters and IN-lists
    CorpusRow(sql: "SELECT * FROM t WHERE id = $1 AND name = $2", text: "SELECT * FROM t WHERE id = $1 AND name = $2",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT * FROM t WHERE id IN ($1, $2, $3)", text: "SELECT * FROM t WHERE id IN ($1, $2, $3)",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT * FROM t WHERE id IN (1, 2, 3) AND code NOT IN ('a', 'b') AND n in (-1, +2)",
              text: "SELECT * FROM t WHERE id IN (?) AND code NOT IN (?) AND n in (?)",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT * FROM t WHERE id IN ($1, 2)", text: "SELECT * FROM t WHERE id IN ($1, ?)",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT * FROM t WHERE id IN (1 + 1, 3)", text: "SELECT * FROM t WHERE id IN (? + ?, ?)",
              operation: "SELECT", collection: "t", summary: "SELECT t"),

    // Every string flavour, comments, identifiers that look like other things
    CorpusRow(sql: "SELECT * FROM t WHERE a = 1 -- trailing comment 'x'", text: "SELECT * FROM t WHERE a = ? -- trailing comment 'x'",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "/* leading */ SELECT /* inline 5 */ * FROM t WHERE a = 2", text: "/* leading */ SELECT /* inline 5 */ * FROM t WHERE a = ?",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT /* outer /* nested */ still */ 1 FROM t", text: "SELECT /* outer /* nested */ still */ ? FROM t",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT $tag$it's $$ nested$tag$ FROM t", text: "SELECT ? FROM t",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: #"SELECT E'line\nbreak\'quote' FROM t"#, text: "SELECT ? FROM t",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT 'one''two' FROM t", text: "SELECT ? FROM t", operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT 'con'\n'tinued' FROM t", text: "SELECT ? FROM t", operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: #"SELECT N'national', U&'\0041' UESCAPE '!' FROM t"#, text: "SELECT ?, ? UESCAPE ? FROM t",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT * FROM t WHERE data = X'DEADBEEF' AND bits = B'1010'", text: "SELECT * FROM t WHERE data = ? AND bits = ?",
              operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "SELECT a$1 FROM t$x", text: "SELECT a$1 FROM t$x", operation: "SELECT", collection: "t$x", summary: "SELECT t$x"),
    CorpusRow(sql: #"SELECT "it's" FROM "a""b""#, text: #"SELECT "it's" FROM "a""b""#,
              operation: "SELECT", collection: #"a"b"#, summary: #"SELECT "a""b""#),

    // COPY and DDL
    CorpusRow(sql: "COPY users (id, name) FROM STDIN", text: "COPY users (id, name) FROM STDIN",
              operation: "COPY", collection: "users", summary: "COPY users"),
    CorpusRow(sql: "COPY (SELECT * FROM orders WHERE total > 100) TO STDOUT WITH CSV", text: "COPY (SELECT * FROM orders WHERE total > ?) TO STDOUT WITH CSV",
              operation: "COPY", collection: "orders", summary: "COPY SELECT orders"),
    CorpusRow(sql: "CREATE TABLE IF NOT EXISTS metrics (id bigserial PRIMARY KEY, value numeric DEFAULT 0)",
              text: "CREATE TABLE IF NOT EXISTS metrics (id bigserial PRIMARY KEY, value numeric DEFAULT ?)",
              operation: "CREATE TABLE", collection: "metrics", summary: "CREATE TABLE metrics"),
    CorpusRow(sql: "create temp table Scratch (a int)", text: "create temp table Scratch (a int)",
              operation: "create table", collection: "Scratch", summary: "create table Scratch"),
    CorpusRow(sql: "CREATE TABLE snapshot AS SELECT * FROM orders WHERE total > 5", text: "CREATE TABLE snapshot AS SELECT * FROM orders WHERE total > ?",
              operation: "CREATE TABLE", collection: nil, summary: "CREATE TABLE snapshot SELECT orders"),
    CorpusRow(sql: "CREATE UNIQUE INDEX CONCURRENTLY idx_users_email ON users (email)", text: "CREATE UNIQUE INDEX CONCURRENTLY idx_users_email ON users (email)",
              operation: "CREATE INDEX", collection: "users", summary: "CREATE INDEX users"),
    CorpusRow(sql: "ALTER TABLE users ADD COLUMN age int DEFAULT 18", text: "ALTER TABLE users ADD COLUMN age int DEFAULT ?",
              operation: "ALTER TABLE", collection: "users", summary: "ALTER TABLE users"),
    CorpusRow(sql: "ALTER TABLE users RENAME COLUMN age TO years", text: "ALTER TABLE users RENAME COLUMN age TO years",
              operation: "ALTER TABLE", collection: "users", summary: "ALTER TABLE users"),
    CorpusRow(sql: #"DROP TABLE IF EXISTS a, s."B" CASCADE"#, text: #"DROP TABLE IF EXISTS a, s."B" CASCADE"#,
              operation: "DROP TABLE", collection: nil, summary: #"DROP TABLE a s."B""#),
    CorpusRow(sql: "DROP INDEX IF EXISTS idx_users_email", text: "DROP INDEX IF EXISTS idx_users_email",
              operation: "DROP INDEX", collection: nil, summary: "DROP INDEX idx_users_email"),
    CorpusRow(sql: "TRUNCATE TABLE logs, audit RESTART IDENTITY", text: "TRUNCATE TABLE logs, audit RESTART IDENTITY",
              operation: "TRUNCATE", collection: nil, summary: "TRUNCATE logs audit"),
    CorpusRow(sql: "CREATE VIEW active_users AS SELECT * FROM users WHERE active", text: "CREATE VIEW active_users AS SELECT * FROM users WHERE active",
              operation: "CREATE VIEW", collection: "active_users", summary: "CREATE VIEW active_users"),
    CorpusRow(sql: "CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int AS $$ SELECT a + b $$ LANGUAGE sql",
              text: "CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int AS ? LANGUAGE sql",
              operation: "CREATE FUNCTION", collection: nil, summary: "CREATE FUNCTION"),
    CorpusRow(sql: "REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals", text: "REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals",
              operation: "REFRESH MATERIALIZED VIEW", collection: "daily_totals", summary: "REFRESH MATERIALIZED VIEW daily_totals"),
    CorpusRow(sql: "VACUUM ANALYZE orders", text: "VACUUM ANALYZE orders", operation: "VACUUM", collection: "orders", summary: "VACUUM orders"),
    CorpusRow(sql: "ANALYZE users", text: "ANALYZE users", operation: "ANALYZE", collection: "users", summary: "ANALYZE users"),
    CorpusRow(sql: "LOCK TABLE accounts IN EXCLUSIVE MODE", text: "LOCK TABLE accounts IN EXCLUSIVE MODE",
              operation: "LOCK", collection: "accounts", summary: "LOCK accounts"),
    CorpusRow(sql: "GRANT SELECT ON users TO reader", text: "GRANT SELECT ON users TO reader", operation: "GRANT", collection: nil, summary: "GRANT"),

    // Transaction control, settings, session
    CorpusRow(sql: "BEGIN", text: "BEGIN", operation: "BEGIN", collection: nil, summary: "BEGIN"),
    CorpusRow(sql: "begin isolation level serializable", text: "begin isolation level serializable",
              operation: "begin", collection: nil, summary: "begin"),
    CorpusRow(sql: "START TRANSACTION READ ONLY", text: "START TRANSACTION READ ONLY",
              operation: "START TRANSACTION", collection: nil, summary: "START TRANSACTION"),
    CorpusRow(sql: "COMMIT", text: "COMMIT", operation: "COMMIT", collection: nil, summary: "COMMIT"),
    CorpusRow(sql: "END", text: "END", operation: "COMMIT", collection: nil, summary: "COMMIT"),
    CorpusRow(sql: "ROLLBACK", text: "ROLLBACK", operation: "ROLLBACK", collection: nil, summary: "ROLLBACK"),
    CorpusRow(sql: "SAVEPOINT sp1", text: "SAVEPOINT sp1", operation: "SAVEPOINT", collection: nil, summary: "SAVEPOINT"),
    CorpusRow(sql: "ROLLBACK TO SAVEPOINT sp1", text: "ROLLBACK TO SAVEPOINT sp1", operation: "ROLLBACK", collection: nil, summary: "ROLLBACK"),
    CorpusRow(sql: "SET search_path TO app, public", text: "SET search_path TO app, public", operation: "SET", collection: nil, summary: "SET"),
    CorpusRow(sql: "SET LOCAL statement_timeout = '5s'", text: "SET LOCAL statement_timeout = ?", operation: "SET", collection: nil, summary: "SET"),
    CorpusRow(sql: "RESET ALL", text: "RESET ALL", operation: "RESET", collection: nil, summary: "RESET"),
    CorpusRow(sql: "SHOW server_version", text: "SHOW server_version", operation: "SHOW", collection: nil, summary: "SHOW"),
    CorpusRow(sql: "LISTEN jobs", text: "LISTEN jobs", operation: "LISTEN", collection: nil, summary: "LISTEN"),
    CorpusRow(sql: "NOTIFY jobs, 'payload'", text: "NOTIFY jobs, ?", operation: "NOTIFY", collection: nil, summary: "NOTIFY"),
    CorpusRow(sql: "DO $$BEGIN PERFORM 1; END$$", text: "DO ?", operation: "DO", collection: nil, summary: "DO"),

    // Procedures and prepared statements
    CorpusRow(sql: "CALL process_order(42, 'express')", text: "CALL process_order(?, ?)",
              operation: "CALL", collection: nil, summary: "CALL process_order", procedure: "process_order"),
    CorpusRow(sql: #"CALL billing."ChargeCard"($1)"#, text: #"CALL billing."ChargeCard"($1)"#,
              operation: "CALL", collection: nil, summary: #"CALL billing."ChargeCard""#, procedure: "billing.ChargeCard"),
    CorpusRow(sql: "EXPLAIN ANALYZE SELECT * FROM orders WHERE id = 3", text: "EXPLAIN ANALYZE SELECT * FROM orders WHERE id = ?",
              operation: "EXPLAIN", collection: "orders", summary: "EXPLAIN SELECT orders"),
    CorpusRow(sql: "PREPARE get_user (int) AS SELECT * FROM users WHERE id = $1", text: "PREPARE get_user (int) AS SELECT * FROM users WHERE id = $1",
              operation: "PREPARE", collection: "users", summary: "PREPARE SELECT users"),
    CorpusRow(sql: "EXECUTE get_user(7)", text: "EXECUTE get_user(?)", operation: "EXECUTE", collection: nil, summary: "EXECUTE"),
    CorpusRow(sql: "DEALLOCATE get_user", text: "DEALLOCATE get_user", operation: "DEALLOCATE", collection: nil, summary: "DEALLOCATE",
              deallocations: [.named("get_user")]),
    CorpusRow(sql: #"DEALLOCATE "S_1""#, text: #"DEALLOCATE "S_1""#, operation: "DEALLOCATE", collection: nil, summary: "DEALLOCATE",
              deallocations: [.named("S_1")]),
    CorpusRow(sql: "DEALLOCATE PREPARE ALL", text: "DEALLOCATE PREPARE ALL", operation: "DEALLOCATE", collection: nil, summary: "DEALLOCATE",
              deallocations: [.all]),
    CorpusRow(sql: "DISCARD ALL", text: "DISCARD ALL", operation: "DISCARD", collection: nil, summary: "DISCARD", deallocations: [.all]),

    // Several statements in one text
    CorpusRow(sql: "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); INSERT INTO t VALUES (3);", text: "INSERT INTO t VALUES (?)",
              operation: "BATCH INSERT", collection: "t", summary: "BATCH INSERT t", batchSize: 3),
    CorpusRow(sql: "UPDATE a SET x = 1; UPDATE b SET x = 2", text: "UPDATE a SET x = ?; UPDATE b SET x = ?",
              operation: "BATCH UPDATE", collection: nil, summary: "BATCH", batchSize: 2),
    CorpusRow(sql: "BEGIN; UPDATE accounts SET balance = 0 WHERE id = 1; COMMIT;", text: "BEGIN; UPDATE accounts SET balance = ? WHERE id = ?; COMMIT;",
              operation: "BATCH", collection: nil, summary: "BATCH", batchSize: 3),
    CorpusRow(sql: "SELECT 1; SELECT 2", text: "SELECT ?", operation: "BATCH SELECT", collection: nil, summary: "BATCH SELECT", batchSize: 2),
    CorpusRow(sql: "CALL p(1); CALL p(2)", text: "CALL p(?)", operation: "BATCH CALL", collection: nil, summary: "BATCH CALL p",
              procedure: "p", batchSize: 2),
    CorpusRow(sql: "DEALLOCATE a; DEALLOCATE b", text: "DEALLOCATE a; DEALLOCATE b", operation: "BATCH DEALLOCATE", collection: nil,
              summary: "BATCH DEALLOCATE", batchSize: 2, deallocations: [.named("a"), .named("b")]),
    CorpusRow(sql: "SELECT * FROM t WHERE x = 1;;", text: "SELECT * FROM t WHERE x = ?;;", operation: "SELECT", collection: "t", summary: "SELECT t"),
    CorpusRow(sql: "", text: "", operation: nil, collection: nil, summary: nil),
    CorpusRow(sql: "-- just a comment", text: "-- just a comment", operation: nil, collection: nil, summary: nil),

    // Text PostgreSQL rejects: still sanitized, never a literal through
    CorpusRow(sql: "SELECT * FROM users WHERE name = 'O''Bri", text: "SELECT * FROM users WHERE name =",
              operation: nil, collection: nil, summary: nil, parsed: false, truncated: true),
    CorpusRow(sql: "SELECT * FROM users WHERE note = $$never closed", text: "SELECT * FROM users WHERE note =",
              operation: nil, collection: nil, summary: nil, parsed: false, truncated: true),
    CorpusRow(sql: "SELECT * FROM users WHERE x = 'a' /* unterminated", text: "SELECT * FROM users WHERE x = ?",
              operation: nil, collection: nil, summary: nil, parsed: false, truncated: true),
    CorpusRow(sql: #"SELECT * FROM "Unclosed"#, text: "SELECT * FROM", operation: nil, collection: nil, summary: nil, parsed: false, truncated: true),
    CorpusRow(sql: "SELEC * FROM users WHERE password = 'hunter2' AND pin = 1234", text: "SELEC * FROM users WHERE password = ? AND pin = ?",
              operation: nil, collection: nil, summary: nil, parsed: false),
    CorpusRow(sql: "SELECT * FROM t WHERE a = 1 AND b = 'x'; DELETE FROM", text: "SELECT * FROM t WHERE a = ? AND b = ?; DELETE FROM",
              operation: nil, collection: nil, summary: nil, batchSize: 2, parsed: false),
    CorpusRow(sql: "SELECT 0x1F, 1_000_000 FROM t", text: "SELECT ?, ? FROM t", operation: nil, collection: nil, summary: nil, parsed: false),
    CorpusRow(sql: #"SELECT 'it\'s secret' FROM t"#, text: "SELECT", operation: nil, collection: nil, summary: nil, parsed: false, truncated: true),
]

@Suite struct QueryAnalyzerCorpusTests {
    @Test func corpusIsLargeEnough() {
        #expect(corpus.count >= 60)
    }

    @Test(arguments: corpus)
    func analysis(_ row: CorpusRow) {
        var analyzer = QueryAnalyzer()
        let analysis = analyzer.analyze(row.sql)
        #expect(analysis.text == row.text)
        #expect(analysis.operation == row.operation)
        #expect(analysis.collection == row.collection)
        #expect(analysis.summary == row.summary)
        #expect(analysis.storedProcedure == row.procedure)
        #expect(analysis.batchSize == row.batchSize)
        #expect(analysis.parsed == row.parsed)
        #expect(analysis.truncated == row.truncated)
        #expect(analysis.deallocations == row.deallocations)
        #expect(QueryAnalysis.spanName(analysis, namespace: "shop", serverAddress: "db.internal", serverPort: 5432) == row.spanName)
    }
}
