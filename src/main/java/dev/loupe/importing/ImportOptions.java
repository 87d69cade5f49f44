package dev.loupe.importing;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * How to run one import. Build with {@link #of(Path)} and the {@code with…} methods.
 *
 * @param threads       decoding threads (default: available processors)
 * @param decodeMaxSide longest side the pixels are decoded at; the thumbnail and {@code onDecoded}
 *                      get this image
 * @param cancel        polled between files; once true the import stops and reports the rest as
 *                      skipped with reason "import cancelled"
 * @param onDecoded     called on the importing thread after each accepted batch, or null
 */
public record ImportOptions(Path root, boolean labelsFromSubfolders, int threads, int decodeMaxSide,
                            ImportListener listener, BooleanSupplier cancel, Consumer<DecodedImport> onDecoded,
                            int batchSize) {
    public static final int DEFAULT_DECODE_MAX_SIDE = 512;
    public static final int DEFAULT_BATCH_SIZE = 32;

    public ImportOptions {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(cancel, "cancel");
        if (threads < 1 || decodeMaxSide < 1 || batchSize < 1) {
            throw new IllegalArgumentException("threads, decodeMaxSide and batchSize must be positive");
        }
    }

    public static ImportOptions of(Path root) {
        return new ImportOptions(root, false, Runtime.getRuntime().availableProcessors(), DEFAULT_DECODE_MAX_SIDE,
                ImportListener.NONE, () -> false, null, DEFAULT_BATCH_SIZE);
    }

    public ImportOptions withLabelsFromSubfolders(boolean on) {
        return new ImportOptions(root, on, threads, decodeMaxSide, listener, cancel, onDecoded, batchSize);
    }

    public ImportOptions withThreads(int n) {
        return new ImportOptions(root, labelsFromSubfolders, n, decodeMaxSide, listener, cancel, onDecoded, batchSize);
    }

    public ImportOptions withDecodeMaxSide(int side) {
        return new ImportOptions(root, labelsFromSubfolders, threads, side, listener, cancel, onDecoded, batchSize);
    }

    public ImportOptions withListener(ImportListener l) {
        return new ImportOptions(root, labelsFromSubfolders, threads, decodeMaxSide, l, cancel, onDecoded, batchSize);
    }

    public ImportOptions withCancel(BooleanSupplier c) {
        return new ImportOptions(root, labelsFromSubfolders, threads, decodeMaxSide, listener, c, onDecoded, batchSize);
    }

    public ImportOptions withOnDecoded(Consumer<DecodedImport> hook) {
        return new ImportOptions(root, labelsFromSubfolders, threads, decodeMaxSide, listener, cancel, hook, batchSize);
    }

    public ImportOptions withBatchSize(int n) {
        return new ImportOptions(root, labelsFromSubfolders, threads, decodeMaxSide, listener, cancel, onDecoded, n);
    }
}
