// Statement text as instrumented clients send it, one fixture per writer, in each writer's exact
// serialization (checked against the writers' sources and tests; ids are made up).

enum SQLCommentFixtures {
    static let traceParent = "00-5bd66ef5095369c7b0d1f8f4bd33716a-c532cb4098ac3dd2-01"
    static let traceState = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"

    struct Writer: Sendable, CustomStringConvertible {
        var description: String
        /// The statement as the server receives it.
        var wire: String
        /// The statement as the application wrote it.
        var original: String
        var pairs: [SQLCommentPairFixture]
        var traceState: String?
    }

    static let writers: [Writer] = [
        // OpenTelemetry Python dbapi / psycopg2, enable_commenter=True, executed without parameters:
        // sorted keys, urllib quote() with `/` safe, every % doubled, integers bare (repr), the
        // comment put before a trailing `;`. Without parameters psycopg2 sends the %% as written.
        Writer(
            description: "opentelemetry-python psycopg2, no parameters",
            wire: "SELECT * FROM users WHERE id = 42 /*db_driver='psycopg2%%3A2.9.9',dbapi_level='2.0',"
                + "dbapi_threadsafety=2,driver_paramstyle='pyformat',libpq_version=160002,"
                + "traceparent='\(traceParent)',tracestate='congo%%3Dt61rcWkgMzE%%2Crojo%%3D00f067aa0ba902b7'*/;",
            original: "SELECT * FROM users WHERE id = 42;",
            pairs: [
                .init("db_driver", "psycopg2:2.9.9"), .init("dbapi_level", "2.0"), .init("dbapi_threadsafety", "2"),
                .init("driver_paramstyle", "pyformat"), .init("libpq_version", "160002"),
                .init("traceparent", traceParent), .init("tracestate", traceState),
            ],
            traceState: traceState),
        // The same writer, executed with parameters: psycopg2's %-interpolation turns %% back into %.
        Writer(
            description: "opentelemetry-python psycopg2, with parameters",
            wire: "SELECT * FROM users WHERE id = 42 /*db_driver='psycopg2%3A2.9.9',dbapi_level='2.0',"
                + "dbapi_threadsafety=2,driver_paramstyle='pyformat',libpq_version=160002,"
                + "traceparent='\(traceParent)'*/",
            original: "SELECT * FROM users WHERE id = 42",
            pairs: [
                .init("db_driver", "psycopg2:2.9.9"), .init("dbapi_level", "2.0"), .init("dbapi_threadsafety", "2"),
                .init("driver_paramstyle", "pyformat"), .init("libpq_version", "160002"),
                .init("traceparent", traceParent),
            ],
            traceState: nil),
        // Node @opentelemetry/instrumentation-pg, addSqlCommenterCommentToQueries: sorted keys,
        // encodeURIComponent (plus ! ' ( ) *), appended after the whole text.
        Writer(
            description: "opentelemetry-js instrumentation-pg",
            wire: "SELECT name FROM users WHERE id = $1 /*traceparent='\(traceParent)',"
                + "tracestate='congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7'*/",
            original: "SELECT name FROM users WHERE id = $1",
            pairs: [.init("traceparent", traceParent), .init("tracestate", traceState)],
            traceState: traceState),
        // OpenTelemetry Java agent JDBC: pairs joined by ", ", URLEncoder with + → %20.
        Writer(
            description: "opentelemetry-java JDBC, appended",
            wire: "UPDATE accounts SET balance = balance - ? WHERE id = ? /*traceparent='\(traceParent)', "
                + "tracestate='congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7'*/",
            original: "UPDATE accounts SET balance = balance - ? WHERE id = ?",
            pairs: [.init("traceparent", traceParent), .init("tracestate", traceState)],
            traceState: traceState),
        // The Java agent in prepend mode: comment, one space, statement.
        Writer(
            description: "opentelemetry-java JDBC, prepended",
            wire: "/*traceparent='\(traceParent)'*/ SELECT 1",
            original: "SELECT 1",
            pairs: [.init("traceparent", traceParent)],
            traceState: nil),
        // Go otelsql WithSQLCommenter: keys in propagator order (not sorted), url.QueryEscape
        // (space → +), baggage alongside.
        Writer(
            description: "otelsql (Go)",
            wire: "SELECT * FROM orders /*tracestate='congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7',"
                + "traceparent='\(traceParent)',baggage='user%3Dann+lee'*/",
            original: "SELECT * FROM orders",
            pairs: [
                .init("tracestate", traceState), .init("traceparent", traceParent), .init("baggage", "user=ann lee"),
            ],
            traceState: traceState),
        // Google sqlcommenter-python psycopg2 (CommenterCursorFactory): after the `;`, % doubled,
        // the whole driver version string quoted.
        Writer(
            description: "google sqlcommenter-python psycopg2",
            wire: "SELECT * FROM polls_question; /*db_driver='psycopg2%%3A2.8.2%%20%%28dt%%20dec%%20pq3%%20ext%%20lo64%%29',"
                + "dbapi_level='2.0',dbapi_threadsafety=2,driver_paramstyle='pyformat',libpq_version=100001,"
                + "traceparent='\(traceParent)',tracestate='congo%%3Dt61rcWkgMzE%%2Crojo%%3D00f067aa0ba902b7'*/",
            original: "SELECT * FROM polls_question;",
            pairs: [
                .init("db_driver", "psycopg2:2.8.2 (dt dec pq3 ext lo64)"), .init("dbapi_level", "2.0"),
                .init("dbapi_threadsafety", "2"), .init("driver_paramstyle", "pyformat"),
                .init("libpq_version", "100001"), .init("traceparent", traceParent), .init("tracestate", traceState),
            ],
            traceState: traceState),
    ]
}

/// A pair as a fixture spells it (positional, to keep the table readable).
struct SQLCommentPairFixture: Sendable, Hashable {
    var key: String
    var value: String
    init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}
