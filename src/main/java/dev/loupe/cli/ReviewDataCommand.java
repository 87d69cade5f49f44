package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.datacheck.DuplicateActions;
import dev.loupe.datacheck.NearDuplicates;
import dev.loupe.datacheck.Outliers;
import dev.loupe.datacheck.PixelPrint;
import dev.loupe.datacheck.ProjectVectors;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The data side of {@code loupe review} ({@link ReviewCommand} parses the verb and hands these options here):
 * near-duplicates, outliers and excluding images.
 */
final class ReviewDataCommand implements Callable<Integer> {

    CommandSpec spec;
    Path project;
    Action action;

    static final class Action {
        @Option(names = "--duplicates", description = "Groups of near-identical images: resized, recompressed or cropped "
                + "copies (embedding neighbours confirmed by their thumbnails' pixels; the import already drops "
                + "byte-identical files). Groups kept with --keep-group are left out.")
        boolean duplicates;

        @Option(names = "--outliers", description = "Images far from every other image, farthest first.")
        boolean outliers;

        @Option(names = "--exclude", arity = "1..*", paramLabel = "IMAGE", description = "Leave these images out of the "
                + "queue and the exports (paths as imported).")
        List<String> exclude;

        @Option(names = "--include", arity = "1..*", paramLabel = "IMAGE", description = "Bring excluded images back.")
        List<String> include;

        @Option(names = "--hide-copies", description = "Exclude every near-duplicate but one per group (a labelled "
                + "one if any, else the first imported).")
        boolean hideCopies;

        @Option(names = "--label-copies", description = "Give every unlabelled image of a near-duplicate group the label "
                + "its group's labelled images agree on (through the labelling loop: each is one label, undoable with "
                + "`loupe undo`). Groups without a label, or with two, are left alone.")
        boolean labelCopies;

        @Option(names = "--keep-group", arity = "2..*", paramLabel = "IMAGE", description = "Keep every image of a "
                + "near-duplicate group (paths as imported): the group is left out of later --duplicates, --hide-copies "
                + "and --label-copies, as the app's Keep all does.")
        List<String> keepGroup;

        @Option(names = "--undo-exclusion", description = "Reverse the last exclusion change (again: redo it).")
        boolean undo;

        @Option(names = "--excluded", description = "List the excluded images.")
        boolean list;
    }

    /** The tuning options of the data checks (a mixin of {@code loupe review}). */
    static final class Options {
        @Option(names = "--threshold", description = "Near-duplicates by embedding: the centred cosine a pair needs with --embedding-only, "
                + "or when an image has no thumbnail for the pixel check (default: ${DEFAULT-VALUE}).")
        double threshold = NearDuplicates.DEFAULT_THRESHOLD;

        @Option(names = "--embedding-only", description = "Near-duplicates by embedding alone (--threshold), without "
                + "the pixel check of the thumbnails (which also finds cropped copies).")
        boolean embeddingOnly;

        @Option(names = "--candidates", description = "Pixel check: the embedding similarity a candidate pair needs "
                + "(default: ${DEFAULT-VALUE}).")
        double candidates = NearDuplicates.PixelCheck.DEFAULT_CANDIDATE;

        @Option(names = "--match", description = "Pixel check: the pixel match (colour NCC, crops allowed) a copy needs "
                + "(default: ${DEFAULT-VALUE}).")
        double match = NearDuplicates.PixelCheck.DEFAULT_MATCH;

        @Option(names = "--k", description = "Outliers: neighbours averaged (default: ${DEFAULT-VALUE}).")
        int k = Outliers.DEFAULT_K;

        @Option(names = "--z", description = "Outliers: robust z-score bound on the log kNN distance in the model's view (default: ${DEFAULT-VALUE}; how images look is held to this times 3.5 / 3).")
        double z = Outliers.DEFAULT_Z;

        @Option(names = "--all", description = "Outliers: list every image with its score, not only those beyond the threshold.")
        boolean all;

        @Option(names = "--threads", description = "Decoding threads for missing embeddings (default: ${DEFAULT-VALUE}).")
        int threads = Runtime.getRuntime().availableProcessors();
    }

    Options options = new Options();
    boolean json;

    @Override
    public Integer call() {
        if (!(options.threshold > 0 && options.threshold <= 1)) throw new LoupeException("--threshold must be in (0, 1], e.g. 0.95.");
        if (options.k < 1) throw new LoupeException("--k must be at least 1.");
        try (ProjectStore store = ProjectStore.open(project, false)) {
            PrintWriter out = spec.commandLine().getOut();
            if (action.duplicates || action.hideCopies || action.labelCopies) {
                List<NearDuplicates.Group> groups = DuplicateActions.withoutKept(findGroups(store), store.keptGroups());
                if (action.labelCopies) {
                    return labelCopies(store, groups, out);
                } else if (action.hideCopies) {
                    hideCopies(store, groups, out);
                } else {
                    printGroups(store, groups, out);
                }
            } else if (action.outliers) {
                ProjectVectors v = vectors(store);
                java.util.function.LongFunction<Path> thumbs = ProjectVectors.thumbnails(store);
                printOutliers(store, Outliers.find(v, id -> PixelPrint.read(thumbs.apply(id)), options.k,
                        options.z, 42, () -> false, p -> { }), out);
            } else if (action.exclude != null || action.include != null) {
                boolean ex = action.exclude != null;
                List<Long> ids = new ArrayList<>();
                for (String ref : ex ? action.exclude : action.include) ids.add(Projects.image(store, ref).id());
                long batch = store.setExcluded(ids, ex, "user");
                report(out, Map.of("changed", batch == 0 ? 0 : ids.size(), "excluded", store.excludedImages().size()),
                        (batch == 0 ? "Nothing changed" : (ex ? "Excluded " : "Brought back ") + ids.size() + " image(s)")
                                + "; " + store.excludedImages().size() + " excluded now.");
            } else if (action.keepGroup != null) {
                List<Long> ids = new ArrayList<>();
                for (String ref : action.keepGroup) ids.add(Projects.image(store, ref).id());
                store.keepGroup(ids);
                report(out, Map.of("kept", ids.size()), "Kept the group of " + ids.size() + " images: it is no longer "
                        + "listed as near-duplicates.");
            } else if (action.undo) {
                int n = store.undoLastExclusion();
                report(out, Map.of("changed", n, "excluded", store.excludedImages().size()),
                        n == 0 ? "Nothing to undo." : "Reversed the last exclusion change (" + n + " image(s)); "
                                + store.excludedImages().size() + " excluded now.");
            } else {
                List<String> paths = store.excludedImages().stream().sorted().map(id -> path(store, id)).toList();
                if (json) Json.print(out, paths);
                else {
                    paths.forEach(out::println);
                    out.flush();
                }
            }
        }
        return 0;
    }

    private ProjectVectors cached;

    private ProjectVectors vectors(ProjectStore store) {
        if (cached == null) {
            Progress progress = new Progress(spec.commandLine().getErr(), "embedding");
            cached = ProjectVectors.load(store, options.threads, progress::update, ProjectVectors.Use.ONCE);
            progress.finish();
        }
        return cached;
    }

    /** Near-duplicate groups as the options say: by embedding and the pixel check of the thumbnails by default. */
    private List<NearDuplicates.Group> findGroups(ProjectStore store) {
        ProjectVectors v = vectors(store);
        if (options.embeddingOnly) return NearDuplicates.find(v, options.threshold, () -> false);
        if (!(options.candidates > -1 && options.candidates <= 1) || !(options.match > -1 && options.match <= 1)) {
            throw new LoupeException("--candidates and --match must be in (-1, 1], e.g. 0.8 and 0.9.");
        }
        java.util.function.LongFunction<Path> thumbs = ProjectVectors.thumbnails(store);
        NearDuplicates.PixelCheck check = new NearDuplicates.PixelCheck(id -> PixelPrint.read(thumbs.apply(id)),
                options.candidates, options.match);
        return NearDuplicates.find(v, options.threshold, check, () -> false, p -> { });
    }

    private void printGroups(ProjectStore store, List<NearDuplicates.Group> groups, PrintWriter out) {
        Map<Long, Long> labels = store.currentLabels();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("threshold", options.threshold);
            m.put("pixel_check", !options.embeddingOnly);
            if (!options.embeddingOnly) {
                m.put("candidates", options.candidates);
                m.put("match", options.match);
            }
            m.put("images", cached.size());
            List<Map<String, Object>> gs = new ArrayList<>();
            for (NearDuplicates.Group g : groups) {
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("min_similarity", Math.round(g.minSimilarity() * 1e4) / 1e4);
                if (!Double.isNaN(g.minPixelMatch())) gm.put("min_pixel_match", Math.round(g.minPixelMatch() * 1e4) / 1e4);
                List<Map<String, Object>> members = new ArrayList<>();
                for (long id : g.ids()) {
                    Map<String, Object> im = new LinkedHashMap<>();
                    im.put("path", path(store, id));
                    im.put("label", label(store, labels.get(id)));
                    members.add(im);
                }
                gm.put("images", members);
                gs.add(gm);
            }
            m.put("groups", gs);
            Json.print(out, m);
            return;
        }
        if (options.embeddingOnly) {
            out.printf(Locale.ROOT, "%d near-duplicate group(s) among %d images (similarity >= %.2f).%n", groups.size(), cached.size(), options.threshold);
        } else {
            out.printf(Locale.ROOT, "%d near-duplicate group(s) among %d images (similarity >= %.2f and pixel match >= %.2f).%n",
                    groups.size(), cached.size(), options.candidates, options.match);
        }
        int n = 1;
        for (NearDuplicates.Group g : groups) {
            out.printf(Locale.ROOT, "group %d (%d images, least similarity %.3f%s):%n", n++, g.ids().size(), g.minSimilarity(),
                    Double.isNaN(g.minPixelMatch()) ? "" : String.format(Locale.ROOT, ", least pixel match %.3f", g.minPixelMatch()));
            for (long id : g.ids()) {
                String l = label(store, labels.get(id));
                out.printf("  %s%s%n", path(store, id), l == null ? "" : "  [" + l + "]");
            }
        }
        out.flush();
    }

    private void hideCopies(ProjectStore store, List<NearDuplicates.Group> groups, PrintWriter out) {
        List<Long> hide = DuplicateActions.copies(groups, store.currentLabels());
        long batch = store.setExcluded(hide, true, "near-duplicate");
        report(out, Map.of("groups", groups.size(), "changed", batch == 0 ? 0 : hide.size(), "excluded", store.excludedImages().size()),
                "Excluded " + (batch == 0 ? 0 : hide.size()) + " copies in " + groups.size() + " group(s); "
                        + "`loupe review PROJECT --undo-exclusion` brings them back.");
    }

    /** The group's label applied to its unlabelled images, one label at a time through the session (the trainer learns each). */
    private int labelCopies(ProjectStore store, List<NearDuplicates.Group> groups, PrintWriter out) {
        DuplicateActions.Plan plan = DuplicateActions.labelCopies(groups, store.currentLabels());
        List<DuplicateActions.Label> todo = plan.labels();
        int agreed = plan.groupsWithOneLabel();
        Projects.Failures failures = new Projects.Failures(spec.commandLine().getErr());
        try (dev.loupe.labelling.LabellingSession session = Projects.session(store, spec.commandLine().getErr(), failures)) {
            for (DuplicateActions.Label l : todo) session.label(l.imageId(), l.classId()).join();
        }
        report(out, Map.of("groups", groups.size(), "groups_with_one_label", agreed, "labelled", todo.size()),
                "Labelled " + todo.size() + " copies in " + agreed + " of " + groups.size() + " near-duplicate group(s) "
                        + "with their group's label; `loupe undo PROJECT` takes back the last one.");
        return failures.exitCode(0);
    }

    private void printOutliers(ProjectStore store, Outliers.Result r, PrintWriter out) {
        List<Outliers.Scored> shown = options.all ? r.scores() : r.outliers();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("images", r.scores().size());
            m.put("k", options.k);
            m.put("z", options.z);
            m.put("looks_z", options.z * Outliers.LOOKS_Z / Outliers.DEFAULT_Z);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Outliers.Scored s : shown) {
                Map<String, Object> im = new LinkedHashMap<>();
                im.put("path", path(store, s.id()));
                im.put("score", Math.round(s.score() * 1e4) / 1e4);
                im.put("outlier", s.outlier());
                im.put("why", s.why());
                rows.add(im);
            }
            m.put("outliers", rows);
            Json.print(out, m);
            return;
        }
        out.printf(Locale.ROOT, "%d outlier(s) among %d images (score: how far beyond the usual distance to the %d nearest, "
                + "1 = the bound):%n", r.outliers().size(), r.scores().size(), options.k);
        for (Outliers.Scored s : shown) {
            out.printf(Locale.ROOT, "  %.2f  %s  (%s)%s%n", s.score(), path(store, s.id()), s.why(), s.outlier() ? "" : ", not an outlier");
        }
        out.flush();
    }

    private void report(PrintWriter out, Map<String, Object> m, String text) {
        if (json) Json.print(out, m);
        else {
            out.println(text);
            out.flush();
        }
    }

    private static String path(ProjectStore store, long id) {
        return store.image(id).map(ImageRecord::path).map(Path::toString).orElse("#" + id);
    }

    private static String label(ProjectStore store, Long classId) {
        return classId == null ? null : store.classById(classId).map(c -> c.name()).orElse(null);
    }
}
