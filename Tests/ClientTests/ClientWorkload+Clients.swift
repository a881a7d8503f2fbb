import Foundation
import TestSupport

/// The clients, each with its toolchain. Paths are where Debian's packages and
/// scripts/setup-clients put things.
extension ClientWorkload {
    private static let env = "/usr/bin/env"

    /// A Python workload, run by the project's Python (its drivers come from
    /// Tests/Workloads/python/requirements.txt): the shared helper is on PYTHONPATH; nothing is
    /// compiled, nothing written.
    private static func python(_ name: String, module: String, driverQueries: [DriverQuery] = [], batches: Bool = true) -> ClientWorkload {
        ClientWorkload(
            name: name,
            missing: { fails(TestEnvironment.python, ["-c", "import \(module)"]) },
            prepare: { _ in
                Command(
                    executable: TestEnvironment.python, arguments: ["\(directory)/\(name)/workload.py"],
                    environment: ["PYTHONPATH": "\(directory)/python", "PYTHONDONTWRITEBYTECODE": "1"])
            },
            driverQueries: driverQueries, batches: batches)
    }

    static let psycopg2 = python("psycopg2", module: "psycopg2")

    static let psycopg3 = python(
        "psycopg3", module: "psycopg",
        driverQueries: [
            DriverQuery(
                text: "DEALLOCATE ALL", position: .inside(step: "drop"),
                reason: "psycopg 3 drops its prepared statements after DDL that may change what they return")
        ])

    static let asyncpg = python("asyncpg", module: "asyncpg")

    static let pg8000 = python("pg8000", module: "pg8000.native", batches: false)

    /// pgjdbc from Debian's libpostgresql-jdbc-java, compiled with javac.
    static let jdbc = ClientWorkload(
        name: "jdbc",
        missing: {
            if !exists("/usr/bin/javac") { return "javac not installed (default-jdk-headless)" }
            if !exists(jdbcJar) { return "\(jdbcJar) missing (libpostgresql-jdbc-java)" }
            return nil
        },
        prepare: { scratch in
            try build("/usr/bin/javac", ["-d", scratch, "-cp", jdbcJar, "\(directory)/jdbc/Workload.java"])
            return Command(executable: "/usr/bin/java", arguments: ["-cp", "\(scratch):\(jdbcJar)", "Workload"])
        },
        driverQueries: [
            DriverQuery(
                text: "SET extra_float_digits = 3", position: .afterConnecting,
                reason: "the startup packet asks for 2, valid on any server; pgjdbc raises it once it knows the version"),
            DriverQuery(
                text: "SET application_name = 'PostgreSQL JDBC Driver'", position: .afterConnecting,
                reason: "left out of the startup packet unless assumeMinServerVersion vouches for the server"),
        ])
    private static let jdbcJar = "/usr/share/java/postgresql.jar"

    /// pgx v4 from Debian's golang-github-jackc-pgx-v4-dev, built in GOPATH mode.
    static let pgx = ClientWorkload(
        name: "pgx",
        missing: {
            if !exists("/usr/bin/go") { return "go not installed (golang-go)" }
            if !exists("/usr/share/gocode/src/github.com/jackc/pgx/v4") { return "pgx v4 missing (golang-github-jackc-pgx-v4-dev)" }
            return nil
        },
        prepare: { scratch in
            try build(
                "/usr/bin/go", ["build", "-o", "\(scratch)/pgx-workload", "\(directory)/pgx/main.go"],
                environment: [
                    "GO111MODULE": "off", "GOPATH": "\(scratch)/gopath:/usr/share/gocode", "GOFLAGS": "",
                    // kept between runs: the pgx packages compile once
                    "GOCACHE": NSTemporaryDirectory() + "tusk-client-tests-go-cache",
                ])
            return Command(executable: "\(scratch)/pgx-workload", arguments: [])
        },
        driverQueries: [])

    /// node-postgres from Debian's node-pg, unpacked by scripts/setup-clients where it does not
    /// install (its dependencies want Debian's nodejs, not another one already installed).
    static let nodePostgres = ClientWorkload(
        name: "node-postgres",
        missing: {
            fails(env, ["node", "-e", "require('pg')"], environment: ["NODE_PATH": nodePath])
        },
        prepare: { _ in
            Command(
                executable: env, arguments: ["node", "\(directory)/node-postgres/workload.js"],
                environment: ["NODE_PATH": nodePath])
        },
        driverQueries: [], batches: false)
    private static let nodePath = "/opt/tusk-clients/node/usr/share/nodejs:/usr/share/nodejs"

    /// ruby-pg from Debian's ruby-pg, for Debian's ruby (whatever other ruby PATH may find first).
    static let rubyPG = ClientWorkload(
        name: "ruby-pg",
        missing: { exists("/usr/bin/ruby") ? fails("/usr/bin/ruby", ["-e", "require 'pg'"]) : "ruby not installed (ruby-pg)" },
        prepare: { _ in Command(executable: "/usr/bin/ruby", arguments: ["\(directory)/ruby-pg/workload.rb"]) },
        driverQueries: [])

    /// PostgresNIO: a package of its own, built in place (Tests/Workloads/postgresnio/.build, ignored
    /// by git); a no-op after scripts/setup-clients built it.
    static let postgresNIO = ClientWorkload(
        name: "postgresnio",
        missing: { nil },
        prepare: { _ in
            let package = "\(directory)/postgresnio"
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/opt/swift/usr/bin"
            try build(env, ["swift", "build", "--package-path", package], environment: ["PATH": path])
            return Command(executable: "\(package)/.build/debug/postgres-nio-workload", arguments: [])
        },
        driverQueries: [], batches: false)
}
