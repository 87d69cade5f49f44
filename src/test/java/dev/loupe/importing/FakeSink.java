package dev.loupe.importing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** An in-memory {@link ImportSink} that also checks the importer's promises about threads. */
final class FakeSink implements ImportSink {
    final Map<String, ImportedImage> byRelPath = new LinkedHashMap<>();
    final Set<String> hashes = new HashSet<>();
    final Set<String> knownFiles = new HashSet<>();
    final List<Integer> batchSizes = new ArrayList<>();
    final Set<Thread> callers = new HashSet<>();

    private static String key(Path p, long size, long mtime) {
        return p + "|" + size + "|" + mtime;
    }

    @Override
    public boolean alreadyImported(Path file, long sizeBytes, long mtimeMs) {
        callers.add(Thread.currentThread());
        return knownFiles.contains(key(file, sizeBytes, mtimeMs));
    }

    @Override
    public boolean hasContent(String sha256) {
        callers.add(Thread.currentThread());
        return hashes.contains(sha256);
    }

    @Override
    public void accept(ImportedImage image) {
        callers.add(Thread.currentThread());
        if (!hashes.add(image.sha256())) {
            throw new AssertionError("content accepted twice: " + image.relPath());
        }
        byRelPath.put(image.relPath(), image);
        knownFiles.add(key(image.path(), image.sizeBytes(), image.mtimeMs()));
    }

    @Override
    public void acceptBatch(List<ImportedImage> images) {
        batchSizes.add(images.size());
        ImportSink.super.acceptBatch(images);
    }
}
