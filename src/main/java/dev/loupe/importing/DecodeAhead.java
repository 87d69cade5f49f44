package dev.loupe.importing;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Decodes a list of items batch by batch on a small pool of daemon threads, one batch ahead of the caller, so the
 * next batch decodes while the caller runs the current one through a network. Each batch comes back in the items'
 * order. {@code decode} runs on the pool; to skip a file it cannot read it returns a result that says so (see
 * {@link ImageDecoder#failureReason}); what it throws ends the run ({@link #next()} throws a CompletionException).
 * Closing stops the pool (an unfinished batch is abandoned).
 *
 * @param <K> an item (a path, an image id)
 * @param <R> what decoding one item gives
 */
public final class DecodeAhead<K, R> implements AutoCloseable {
    private final List<K> items;
    private final int batchSize;
    private final Function<K, R> decode;
    private final ExecutorService pool;
    private int nextStart; // first item of the batch after the one being decoded
    private CompletableFuture<List<R>> ahead;

    public DecodeAhead(List<K> items, int batchSize, int threads, String threadName, Function<K, R> decode) {
        this.items = List.copyOf(items);
        this.batchSize = Math.max(1, batchSize);
        this.decode = decode;
        this.pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        this.ahead = start(0);
    }

    public boolean hasNext() {
        return ahead != null;
    }

    /** The next batch, decoded; starts decoding the one after it. */
    public List<R> next() {
        if (ahead == null) throw new NoSuchElementException();
        List<R> batch = ahead.join();
        ahead = start(nextStart);
        return batch;
    }

    private CompletableFuture<List<R>> start(int from) {
        if (from >= items.size()) return null;
        int to = Math.min(items.size(), from + batchSize);
        nextStart = to;
        List<CompletableFuture<R>> parts = new ArrayList<>(to - from);
        for (K item : items.subList(from, to)) {
            parts.add(CompletableFuture.supplyAsync(() -> decode.apply(item), pool));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> parts.stream().map(CompletableFuture::join).toList());
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
