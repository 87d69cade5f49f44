package dev.loupe.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model mirror on the loopback interface (port 0) for tests that must never reach the internet: serves byte arrays
 * by path with HTTP Range support, and can misbehave on purpose (cut a response short, ignore Range, answer 404).
 */
public final class LoopbackMirror implements AutoCloseable {

    /** One request as the server saw it. */
    public record Request(String path, String range) {
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, Integer> cutOnce = new ConcurrentHashMap<>();
    private final Map<String, Boolean> ignoreRange = new ConcurrentHashMap<>();
    private final Map<String, Integer> slow = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    public LoopbackMirror() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Serves {@code bytes} at {@code path} (e.g. "/models/a.onnx"); returns its URL. */
    public String serve(String path, byte[] bytes) {
        files.put(path, bytes.clone());
        return url(path);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The next response for {@code path} stops after {@code bytes} body bytes and drops the connection. */
    public void cutNextResponse(String path, int bytes) {
        cutOnce.put(path, bytes);
    }

    /** Answers every request for {@code path} with the whole file (200), as servers without Range support do. */
    public void ignoreRange(String path) {
        ignoreRange.put(path, true);
    }

    /** Sends {@code path} 1 kB at a time with a pause of {@code millis} after each (a slow network). */
    public void slow(String path, int millis) {
        slow.put(path, millis);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** A URL on a loopback port nothing listens on: connecting is refused, as when offline. */
    public static String unreachableUrl(String path) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return "http://127.0.0.1:" + port + path;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(new Request(path, range));
        byte[] body = files.get(path);
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        int start = 0;
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m != null && m.matches() && !ignoreRange.containsKey(path)) {
            start = Integer.parseInt(m.group(1));
            if (start >= body.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                ex.sendResponseHeaders(416, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - start);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        Integer cut = cutOnce.remove(path);
        int end = cut == null ? body.length : Math.min(body.length, start + cut);
        try (OutputStream out = ex.getResponseBody()) {
            for (int i = start; i < end; i += 1024) {
                out.write(body, i, Math.min(1024, end - i));
                out.flush();
                Integer pause = slow.get(path);
                if (pause != null) {
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    }
                }
            }
            if (cut != null) {
                // Fewer bytes than announced: closing now drops the connection, as a network failure would.
                throw new IOException("cut on purpose");
            }
        } catch (IOException e) {
            ex.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
