package dev.loupe.project;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * One schema step: brings a database from {@code version - 1} to {@code version}. Steps run inside
 * the store's migration transaction and must not commit.
 */
record Migration(int version, String description, Step step) {

    @FunctionalInterface
    interface Step {
        void apply(Connection c) throws SQLException;
    }

    /** A step made of plain SQL statements. */
    static Migration sql(int version, String description, String... statements) {
        List<String> copy = List.of(statements);
        return new Migration(version, description, c -> {
            try (Statement s = c.createStatement()) {
                for (String sql : copy) {
                    s.execute(sql);
                }
            }
        });
    }
}
