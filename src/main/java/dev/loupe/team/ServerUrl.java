package dev.loupe.team;

import dev.loupe.LoupeException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A team server's address as users write it ({@code postgresql://user@host:5432/db}, libpq style; {@code postgres://}
 * and {@code jdbc:postgresql://} are accepted too). A password in the address is used for this run but never stored:
 * {@link #stored()} leaves it out, and later runs take it from {@code PGPASSWORD} or {@code ~/.pgpass} (ADR 0034).
 *
 * @param host     host name or address
 * @param port     TCP port (5432 unless given)
 * @param database database name
 * @param user     role name; null: the OS user name, as psql does
 * @param password from the address; null when it had none
 * @param params   other query parameters (sslmode=require …), passed on to the driver, in order
 */
public record ServerUrl(String host, int port, String database, String user, String password, List<String> params) {

    private static final Pattern URL = Pattern.compile(
            "(?:jdbc:)?postgres(?:ql)?://(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?]+|\\[[^]]+])(?::(\\d+))?/([^?]+)(?:\\?(.*))?");

    /** Parses {@code url}, or a LoupeException saying what a server address looks like. */
    public static ServerUrl parse(String url) {
        Matcher m = URL.matcher(url == null ? "" : url.strip());
        if (!m.matches()) {
            throw new LoupeException("Not a PostgreSQL server address: \"" + url + "\". Write it as "
                    + "postgresql://USER@HOST:PORT/DATABASE (the password from PGPASSWORD or ~/.pgpass).");
        }
        String user = decode(m.group(1));
        String password = decode(m.group(2));
        List<String> params = new ArrayList<>();
        if (m.group(6) != null) {
            for (String p : m.group(6).split("&")) {
                if (p.isEmpty()) {
                    continue;
                }
                String key = p.contains("=") ? p.substring(0, p.indexOf('=')) : p;
                String value = p.contains("=") ? decode(p.substring(p.indexOf('=') + 1)) : "";
                switch (key) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    default -> params.add(p);
                }
            }
        }
        return new ServerUrl(m.group(3), m.group(4) == null ? 5432 : Integer.parseInt(m.group(4)), decode(m.group(5)),
                user == null || user.isEmpty() ? null : user, password, List.copyOf(params));
    }

    private static String decode(String s) {
        return s == null ? null : URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The address without its password: what a project file keeps, and what messages show. */
    public String stored() {
        StringBuilder b = new StringBuilder("postgresql://");
        if (user != null) {
            b.append(java.net.URLEncoder.encode(user, StandardCharsets.UTF_8)).append('@');
        }
        b.append(host).append(':').append(port).append('/').append(database);
        if (!params.isEmpty()) {
            b.append('?').append(String.join("&", params));
        }
        return b.toString();
    }

    /** The JDBC address (no credentials in it; those go in {@link #properties()}). */
    String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database
                + (params.isEmpty() ? "" : "?" + String.join("&", params));
    }

    /**
     * The driver's connection properties: the user, the password from the address or else {@code PGPASSWORD} (the
     * driver reads {@code ~/.pgpass} itself when neither gives one), short timeouts so an unreachable server fails a
     * sync in seconds rather than hanging it.
     */
    Properties properties() {
        Properties p = new Properties();
        p.setProperty("user", user != null ? user : System.getProperty("user.name", "postgres"));
        String pw = password != null ? password : System.getenv("PGPASSWORD");
        if (pw != null) {
            p.setProperty("password", pw);
        }
        p.setProperty("connectTimeout", "5");
        p.setProperty("loginTimeout", "10");
        p.setProperty("socketTimeout", "60");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "loupe");
        return p;
    }
}
