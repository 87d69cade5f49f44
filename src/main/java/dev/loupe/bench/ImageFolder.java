package dev.loupe.bench;

import dev.loupe.Faults;
import dev.loupe.LoupeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * An ImageFolder tree as a benchmark data set: the folder name is the true class. With {@code train/} and
 * {@code test/} subfolders those are the pool and the held-out test split; otherwise a stratified
 * {@code testFraction} of each class is held out. Both splits can be capped (stratified, fixed seed) so a
 * big tree gives a quick benchmark.
 *
 * @param root    the tree's folder
 * @param classes class names, sorted; a class index is a position in this list
 * @param pool    images the simulated annotator may label
 * @param test    held-out images, never in the pool
 */
public record ImageFolder(Path root, List<String> classes, List<Item> pool, List<Item> test) {
    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp");
    private static final long SPLIT_SEED = 20240501L;

    /** One image: its path relative to the root (the embedding cache key) and its class index. */
    public record Item(String relPath, int label) {}

    /**
     * @param poolLimit at most this many pool images (0 = all), stratified
     * @param testLimit at most this many test images (0 = all), stratified
     */
    public static ImageFolder scan(Path root, double testFraction, int poolLimit, int testLimit) {
        if (!Files.isDirectory(root)) throw new LoupeException("No such folder: " + root);
        Path train = root.resolve("train"), test = root.resolve("test");
        boolean split = Files.isDirectory(train) && Files.isDirectory(test);
        TreeSet<String> names = new TreeSet<>(classFolders(split ? train : root));
        if (split) names.addAll(classFolders(test));
        if (names.isEmpty()) throw new LoupeException("No class folders under " + root + " (expected DIR/<class>/*.png)");
        List<String> classes = List.copyOf(names);
        List<Item> pool = new ArrayList<>(), held = new ArrayList<>();
        if (split) {
            pool.addAll(items(root, train, classes));
            held.addAll(items(root, test, classes));
        } else {
            if (!(testFraction > 0 && testFraction < 1)) throw new LoupeException("--test-fraction must be in (0,1)");
            List<Item> all = items(root, root, classes);
            SplittableRandom r = new SplittableRandom(SPLIT_SEED);
            for (int c = 0; c < classes.size(); c++) {
                List<Item> of = ofClass(all, c);
                shuffle(of, r);
                int hold = (int) Math.round(testFraction * of.size());
                if (of.size() > 1) hold = Math.max(1, Math.min(of.size() - 1, hold));
                held.addAll(of.subList(0, hold));
                pool.addAll(of.subList(hold, of.size()));
            }
        }
        return new ImageFolder(root, classes, cap(pool, poolLimit, classes.size(), SPLIT_SEED + 1),
                cap(held, testLimit, classes.size(), SPLIT_SEED + 2));
    }

    private static List<String> classFolders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new LoupeException("Cannot list " + dir + ": " + Faults.describe(e), e);
        }
    }

    private static List<Item> items(Path root, Path dir, List<String> classes) {
        List<Item> out = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            Path cd = dir.resolve(classes.get(c));
            if (!Files.isDirectory(cd)) continue;
            try (Stream<Path> s = Files.walk(cd)) {
                int cls = c;
                s.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted()
                        .forEach(p -> out.add(new Item(root.relativize(p).toString().replace('\\', '/'), cls)));
            } catch (IOException e) {
                throw new LoupeException("Cannot list " + cd + ": " + Faults.describe(e), e);
            }
        }
        return out;
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && !n.startsWith(".") && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static List<Item> ofClass(List<Item> all, int c) {
        return new ArrayList<>(all.stream().filter(i -> i.label() == c).toList());
    }

    private static void shuffle(List<Item> l, SplittableRandom r) {
        for (int i = l.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            Item t = l.get(i); l.set(i, l.get(j)); l.set(j, t);
        }
    }

    /** A stratified random subset of at most {@code limit} items (each class keeps its share), in a stable order. */
    static List<Item> cap(List<Item> items, int limit, int classes, long seed) {
        if (limit <= 0 || items.size() <= limit) return List.copyOf(items);
        SplittableRandom r = new SplittableRandom(seed);
        List<Item> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Item> of = ofClass(items, c);
            shuffle(of, r);
            int take = (int) Math.round((double) limit * of.size() / items.size());
            out.addAll(of.subList(0, Math.min(of.size(), Math.max(of.isEmpty() ? 0 : 1, take))));
        }
        out.sort(java.util.Comparator.comparing(Item::relPath));
        return List.copyOf(out);
    }
}
