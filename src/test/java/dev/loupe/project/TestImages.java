package dev.loupe.project;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds fake image rows; the store never opens the files, so they need not exist. */
final class TestImages {

    static NewImage image(Path root, String rel) {
        return new NewImage(root.resolve(rel), root, sha(rel), 1000 + rel.length(), 1_700_000_000_000L, 64, 48);
    }

    static List<Long> addMany(ProjectStore store, Path root, int n) {
        List<NewImage> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(image(root, "img" + i + ".png"));
        }
        return store.addImages(list);
    }

    static String sha(String s) {
        return String.format("%064x", s.hashCode() & 0xffffffffL);
    }

    private TestImages() {
    }
}
