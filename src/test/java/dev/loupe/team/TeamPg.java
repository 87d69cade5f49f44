package dev.loupe.team;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loupe.Faults;
import dev.loupe.project.NewImage;
import dev.loupe.project.ProjectStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The PostgreSQL server the team tests run against: {@code -Dloupe.pg.url} or {@code LOUPE_PG_URL}
 * (postgresql://USER:PASSWORD@HOST:PORT/DB; `.ci/run` starts one). Without one reachable, those tests are skipped and
 * say so.
 */
final class TeamPg {

    static String url() {
        String u = System.getProperty("loupe.pg.url");
        if (u == null || u.isBlank()) {
            u = System.getenv("LOUPE_PG_URL");
        }
        available(u != null && !u.isBlank(), "no PostgreSQL for the team tests: set -Dloupe.pg.url or LOUPE_PG_URL to "
                + "postgresql://USER@HOST:PORT/DB, the password in PGPASSWORD or ~/.pgpass (.ci/run starts one)");
        // what a project stores: the address without its password, which comes from PGPASSWORD or ~/.pgpass
        ServerUrl s = ServerUrl.parse(ServerUrl.parse(u).stored());
        try (Connection c = DriverManager.getConnection(s.jdbcUrl(), s.properties())) {
            c.isValid(2);
        } catch (SQLException e) {
            available(false, "PostgreSQL at " + s.stored() + " is not reachable (" + Faults.describe(e)
                    + "; the password must come from PGPASSWORD or ~/.pgpass): team tests skipped");
        }
        return s.stored();
    }

    /** Skips with {@code why} unless {@code ok}; fails instead where a server must be there ({@code -Dloupe.pg.required}, .ci/run). */
    private static void available(boolean ok, String why) {
        if (!ok && Boolean.getBoolean("loupe.pg.required")) {
            throw new AssertionError(why + " (and -Dloupe.pg.required is set)");
        }
        assumeTrue(ok, why);
    }

    /** A fresh project name per test: tests share the database and never clean it. */
    static String projectName(String prefix) {
        return prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    /** {@code n} fake images (the store never reads the files) with content hashes that all instances agree on. */
    static List<Long> addImages(ProjectStore store, Path root, int n) {
        List<NewImage> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String rel = "img" + i + ".png";
            list.add(new NewImage(root.resolve(rel), root, String.format("%064x", i + 1), 1000, 1_700_000_000_000L, 8, 8));
        }
        return store.addImages(list);
    }

    private TeamPg() {
    }
}
