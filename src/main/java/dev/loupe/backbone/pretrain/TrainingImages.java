package dev.loupe.backbone.pretrain;

import dev.loupe.Faults;
import dev.loupe.backbone.Preprocessing;

import dev.loupe.LoupeException;
import dev.loupe.importing.FolderScanner;
import dev.loupe.importing.ImageDecodeException;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.SkippedFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * An ImageFolder tree ({@code DIR/<class>/**}/image) decoded once into input-size RGB bytes, so training
 * epochs never decode again (12 KB per image at 64 px). Files that cannot be decoded are skipped with a
 * reason; a class left without images is dropped.
 *
 * @param root     the folder whose subfolders are the classes (DIR, or DIR/train for a train/test tree)
 * @param classes  class names, sorted; a label is an index into this list
 * @param labels   label of each decoded image
 * @param pixels   each image as planar RGB bytes (3 x size x size, channel-major)
 * @param size     side of every image in pixels
 * @param skipped  files that could not be decoded
 */
record TrainingImages(Path root, List<String> classes, int[] labels, List<byte[]> pixels, int size,
                      List<SkippedFile> skipped) {

    int count() {
        return labels.length;
    }

    /**
     * Scans and decodes {@code dir}. A tree with {@code train/} and {@code test/} (or {@code val/}) folders, as
     * {@code scripts/fetch-datasets.sh} writes, is read from {@code train/} only.
     *
     * @param progress told how many of the image files are settled so far, on the calling thread
     */
    static TrainingImages load(Path dir, Preprocessing input, int threads, Progress progress) {
        Path root = classRoot(dir);
        List<String> names = classFolders(root);
        List<Path> files = new ArrayList<>();
        List<Integer> fileLabels = new ArrayList<>();
        List<String> withImages = new ArrayList<>();
        for (String name : names) {
            List<Path> found = imageFiles(root.resolve(name));
            if (!found.isEmpty()) {
                for (Path f : found) {
                    files.add(f);
                    fileLabels.add(withImages.size());
                }
                withImages.add(name);
            }
        }
        requireTwoClasses(dir, withImages);

        Decoded result = decodeAll(files, input, threads, progress);
        byte[][] decoded = result.pixels();
        List<SkippedFile> skipped = new ArrayList<>();
        int[] perClass = new int[withImages.size()];
        for (int i = 0; i < files.size(); i++) {
            if (decoded[i] == null) {
                continue;
            }
            perClass[fileLabels.get(i)]++;
        }
        // Classes whose every file failed are dropped; the rest are renumbered in order.
        List<String> classes = new ArrayList<>();
        int[] newIndex = new int[withImages.size()];
        for (int c = 0; c < withImages.size(); c++) {
            newIndex[c] = perClass[c] > 0 ? classes.size() : -1;
            if (perClass[c] > 0) {
                classes.add(withImages.get(c));
            }
        }
        List<byte[]> pixels = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (decoded[i] == null) {
                skipped.add(new SkippedFile(files.get(i), result.reasons()[i]));
            } else {
                pixels.add(decoded[i]);
                labels.add(newIndex[fileLabels.get(i)]);
            }
        }
        requireTwoClasses(dir, classes);
        return new TrainingImages(root, List.copyOf(classes), labels.stream().mapToInt(Integer::intValue).toArray(),
                pixels, input.width(), List.copyOf(skipped));
    }

    /**
     * Every image file below {@code dir} (any layout; {@code train/} of a train/test tree), for label-free training:
     * one class, "images", every label 0. Needs at least two decodable images.
     */
    static TrainingImages loadUnlabelled(Path dir, Preprocessing input, int threads, Progress progress) {
        Path root = classRoot(dir);
        List<Path> files = imageFiles(root);
        Decoded result = decodeAll(files, input, threads, progress);
        List<byte[]> pixels = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (result.pixels()[i] == null) {
                skipped.add(new SkippedFile(files.get(i), result.reasons()[i]));
            } else {
                pixels.add(result.pixels()[i]);
            }
        }
        if (pixels.size() < 2) {
            throw new LoupeException("--data " + dir + ": label-free training needs at least 2 images, found "
                    + pixels.size() + (skipped.isEmpty() ? "" : " (" + skipped.size() + " could not be decoded)") + ".");
        }
        return new TrainingImages(root, List.of("images"), new int[pixels.size()], pixels, input.width(),
                List.copyOf(skipped));
    }

    /** Index-aligned with the files: the pixels, or null and the reason it could not be decoded. */
    private record Decoded(byte[][] pixels, String[] reasons) {
    }

    /** Decoding progress: {@code done} of {@code total} files settled. */
    @FunctionalInterface
    interface Progress {
        void update(int done, int total);
    }

    private static Decoded decodeAll(List<Path> files, Preprocessing input, int threads, Progress progress) {
        // The project's own decoder and conversion, with a preprocessing that leaves pixel values as they are
        // (0..255), so augmentation works on the same pixels the embedding would see.
        Preprocessing raw = new Preprocessing(input.width(), input.height(), Preprocessing.ColorMode.RGB,
                input.resize(), Preprocessing.Layout.NCHW, new float[3],
                new float[] {1 / 255f, 1 / 255f, 1 / 255f});
        ImageDecoder decoder = new ImageDecoder();
        int side = input.decodeSide(); // as the Embedder decodes
        byte[][] out = new byte[files.size()][];
        String[] why = new String[files.size()];
        ThreadLocal<Preprocessing.Converter> converters = ThreadLocal.withInitial(raw::newConverter);
        ThreadLocal<float[]> buffers = ThreadLocal.withInitial(() -> new float[raw.inputLength()]);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "loupe-train-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> jobs = new ArrayList<>(files.size());
            for (int i = 0; i < files.size(); i++) {
                int k = i;
                jobs.add(pool.submit(() -> {
                    try {
                        float[] buf = buffers.get();
                        converters.get().convert(decoder.decode(files.get(k), side).image(), buf, 0);
                        byte[] bytes = new byte[buf.length];
                        for (int j = 0; j < buf.length; j++) {
                            bytes[j] = (byte) Math.round(buf[j]);
                        }
                        out[k] = bytes;
                    } catch (ImageDecodeException e) {
                        why[k] = e.getMessage();
                    } catch (RuntimeException | Error e) { // one file never ends the whole run
                        why[k] = ImageDecoder.failureReason(e);
                    }
                }));
            }
            for (int i = 0; i < jobs.size(); i++) {
                try {
                    jobs.get(i).get();
                } catch (ExecutionException e) {
                    why[i] = ImageDecoder.failureReason(e.getCause());
                }
                progress.update(i + 1, jobs.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoupeException("interrupted while decoding the training images", e);
        } finally {
            pool.shutdownNow();
        }
        return new Decoded(out, why);
    }

    private static Path classRoot(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new LoupeException("--data " + dir + ": no such folder. Give an ImageFolder tree: DIR/<class>/<images>.");
        }
        Path train = dir.resolve("train");
        if (Files.isDirectory(train) && (Files.isDirectory(dir.resolve("test")) || Files.isDirectory(dir.resolve("val")))) {
            return train;
        }
        return dir;
    }

    private static List<String> classFolders(Path root) {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new LoupeException("Cannot list " + root + ": " + Faults.describe(e), e);
        }
    }

    private static List<Path> imageFiles(Path classDir) {
        try (Stream<Path> s = Files.walk(classDir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> FolderScanner.isImageName(p.getFileName().toString()))
                    .sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new LoupeException("Cannot list " + classDir + ": " + Faults.describe(e), e);
        }
    }

    private static void requireTwoClasses(Path dir, List<String> classes) {
        if (classes.size() < 2) {
            throw new LoupeException("--data " + dir + ": training needs at least 2 classes (subfolders with images), found "
                    + classes.size() + (classes.isEmpty() ? "" : " (" + classes.get(0) + ")")
                    + ". Give an ImageFolder tree: DIR/<class>/<images>, one subfolder per class.");
        }
    }
}
