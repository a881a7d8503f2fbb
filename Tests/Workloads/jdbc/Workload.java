// PostgreSQL JDBC (pgjdbc, Debian libpostgresql-jdbc-java): every statement goes out in the
// extended protocol (Parse/Bind/Describe/Execute/Sync), a plain Statement as the unnamed
// statement, a PreparedStatement with ? rewritten to $n and, from its prepareThreshold-th
// execution on (1 here), under a server-side name (S_N) that later executions only Bind. The
// batch is addBatch/executeBatch: the four Bind/Execute groups and one Sync in one round trip.
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public final class Workload {
    /** The body of one driver call: returns the rows of each statement it carried (null: unknown). */
    interface Body {
        List<Long> run() throws SQLException;
    }

    private static final long PID = ProcessHandle.current().pid();
    private static int calls = 0;

    /** Times `body`, prints one JSON line per statement; a database error is reported, not thrown. */
    static void call(String step, List<String> texts, Body body) {
        calls += 1;
        long started = System.nanoTime();
        List<Long> rows = Collections.nCopies(texts.size(), null);
        String sqlstate = null;
        try {
            rows = body.run();
        } catch (SQLException error) {
            sqlstate = error.getSQLState();
            if (sqlstate == null) throw new RuntimeException(error);
        }
        long elapsed = System.nanoTime() - started;
        for (int i = 0; i < texts.size(); i++) {
            System.out.println("{\"pid\":" + PID + ",\"call\":" + calls + ",\"step\":" + quote(step)
                + ",\"sql\":" + quote(texts.get(i)) + ",\"ns\":" + elapsed + ",\"rows\":" + rows.get(i)
                + ",\"sqlstate\":" + (sqlstate == null ? "null" : quote(sqlstate)) + "}");
        }
        System.out.flush();
    }

    static void call(String step, String text, Body body) {
        call(step, List.of(text), body);
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }

    static List<Long> count(ResultSet results) throws SQLException {
        long n = 0;
        while (results.next()) n += 1;
        results.close();
        return List.of(n);
    }

    public static void main(String[] args) throws Exception {
        String table = System.getenv("TUSK_TABLE");
        // TUSK_SSLMODE=require: TLS through Java's own JSSE, the sandbox's certificate unchecked
        String sslmode = System.getenv("TUSK_SSLMODE");
        String url = "jdbc:postgresql://" + System.getenv("PGHOST") + ":" + System.getenv("PGPORT") + "/"
            + System.getenv("PGDATABASE") + "?user=" + System.getenv("PGUSER") + "&prepareThreshold=1"
            + (sslmode == null ? "" : "&sslmode=" + sslmode + "&sslfactory=org.postgresql.ssl.NonValidatingFactory");
        try (Connection connection = DriverManager.getConnection(url)) {
            Statement statement = connection.createStatement();
            if (sslmode != null) {
                // the plan's first step over TLS: the server says the connection is encrypted
                String encrypted = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
                List<Boolean> said = new ArrayList<>();
                call("encrypted", encrypted, () -> {
                    ResultSet results = statement.executeQuery(encrypted);
                    while (results.next()) said.add(results.getBoolean(1));
                    results.close();
                    return List.of((long) said.size());
                });
                if (!said.equals(List.of(true))) {
                    System.err.println("the server says the connection is not encrypted: " + said);
                    System.exit(1);
                }
            }
            String create = "CREATE TABLE " + table + " (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)";
            call("create", create, () -> { statement.executeUpdate(create); return Collections.singletonList(null); });
            String literal = "INSERT INTO " + table + " (id, name, qty) VALUES (1, 'one', 10)";
            call("insert_literal", literal, () -> List.of((long) statement.executeUpdate(literal)));

            String insertSent = "INSERT INTO " + table + " (id, name, qty) VALUES ($1, $2, $3)";
            PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " (id, name, qty) VALUES (?, ?, ?)");
            call("insert_param", insertSent, () -> {
                insert.setInt(1, 2); insert.setString(2, "two"); insert.setInt(3, 20);
                return List.of((long) insert.executeUpdate());
            });
            PreparedStatement select = connection.prepareStatement("SELECT id, name, qty FROM " + table + " WHERE id = ?");
            for (int i = 0; i < 12; i++) {
                int id = 1 + i % 2;
                call("select_param", "SELECT id, name, qty FROM " + table + " WHERE id = $1", () -> {
                    select.setInt(1, id);
                    return count(select.executeQuery());
                });
            }
            PreparedStatement update = connection.prepareStatement("UPDATE " + table + " SET qty = qty + ? WHERE id <= ?");
            call("update", "UPDATE " + table + " SET qty = qty + $1 WHERE id <= $2", () -> {
                update.setInt(1, 5); update.setInt(2, 2);
                return List.of((long) update.executeUpdate());
            });
            call("batch", Collections.nCopies(4, insertSent), () -> {
                for (int i = 0; i < 4; i++) {
                    insert.setInt(1, 10 + i); insert.setString(2, "batch " + i); insert.setInt(3, i);
                    insert.addBatch();
                }
                List<Long> rows = new ArrayList<>();
                for (int n : insert.executeBatch()) rows.add((long) n);
                return rows;
            });
            // the middle INSERT fails: the server skips the rest of the batch, up to its Sync
            call("batch_error", Collections.nCopies(3, insertSent), () -> {
                int[][] rows = {{20, 0}, {1, 0}, {21, 0}};
                for (int[] row : rows) {
                    insert.setInt(1, row[0]); insert.setString(2, "pipeline " + row[0]); insert.setInt(3, row[1]);
                    insert.addBatch();
                }
                try {
                    insert.executeBatch();
                } catch (BatchUpdateException error) {
                    insert.clearBatch();
                    throw error.getNextException() != null ? error.getNextException() : error;
                }
                return Collections.nCopies(3, null);
            });
            String delete = "DELETE FROM " + table + " WHERE id >= 10";
            call("delete", delete, () -> List.of((long) statement.executeUpdate(delete)));
            String undefined = "SELECT * FROM tusk_no_such_table";
            call("undefined_table", undefined, () -> count(statement.executeQuery(undefined)));
            call("unique_violation", insertSent, () -> {
                insert.setInt(1, 1); insert.setString(2, "dup"); insert.setInt(3, 0);
                return List.of((long) insert.executeUpdate());
            });
            String many = "SELECT n FROM generate_series(1, 50000) AS n";
            call("select_many", many, () -> count(statement.executeQuery(many)));
            String drop = "DROP TABLE " + table;
            call("drop", drop, () -> { statement.executeUpdate(drop); return Collections.singletonList(null); });
        }
    }
}
