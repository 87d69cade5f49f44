package dev.loupe.testing;

import dev.loupe.export.LoupeModel;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.ModelVersionFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the fault harness does to a project, through the CLI as a user would: import (with labels from folder names),
 * label from a CSV, undo, export (model, labels, ImageFolder copy). After a fault, {@link #verify} checks what a user
 * must be able to rely on once the disk has room again (docs/GUARANTEES.md, "Full disk").
 */
public final class FaultScenario {

    private static final Pattern OK = Pattern.compile("^ok (\\S+) (\\S+)$");
    private static final Pattern UNDONE = Pattern.compile("^undo: (\\S+) is now (\\S+) \\(");
    /** Text no user-facing line may contain: a missing cause, SQLite's own words, a stack trace. */
    private static final Pattern BAD_TEXT = Pattern.compile("\\bnull\\b|SQLITE|SQL error|Exception:|\\tat ");
    private static final int PER_CLASS = 6;
    private static final int POOL = 12;

    private final Path images;
    private final Path csv;

    private FaultScenario(Path images, Path csv) {
        this.images = images;
        this.csv = csv;
    }

    /** The images (two labelled folders and a pool) and the CSV that labels the pool, under {@code dir}. */
    public static FaultScenario prepare(Path dir) throws IOException {
        Path images = TestImages.imageFolder(dir.resolve("images"), 2, PER_CLASS);
        StringBuilder lines = new StringBuilder("path,class\n");
        for (int i = 0; i < POOL; i++) {
            TestImages.png(images.resolve("pool/img" + i + ".png"), i % 2, 1000 + i);
            lines.append("pool/img").append(i).append(".png,class").append(i % 2).append('\n');
        }
        return new FaultScenario(images, Files.writeString(dir.resolve("labels.csv"), lines.toString()));
    }

    public Path images() {
        return images;
    }

    /** The commands, in order. */
    public List<String[]> commands(Path project, Path exports) {
        return List.of(
                new String[] {"import", project.toString(), images.toString(), "--labels-from-subfolders"},
                new String[] {"label", project.toString(), "--from-csv", csv.toString()},
                new String[] {"undo", project.toString()},
                new String[] {"export", project.toString(), "--model", exports.resolve("model.zip").toString(),
                    "--labels", exports.resolve("labels.csv").toString(),
                    "--imagefolder", exports.resolve("images").toString()});
    }

    /** One command and what it printed. */
    public record Step(String[] args, CliRun result) {
    }

    /** Runs commands {@code from} to the end. */
    public List<Step> run(Path project, Path exports, int from) {
        List<Step> steps = new ArrayList<>();
        List<String[]> all = commands(project, exports);
        for (int i = from; i < all.size(); i++) {
            steps.add(new Step(all.get(i), CliRun.run(all.get(i))));
        }
        return steps;
    }

    /**
     * The labels the CLI acknowledged, as they stand after every acknowledgement in order: absolute image path to class
     * name (null: unlabelled). An "ok" line of {@code label --from-csv}, an "undo:" line of {@code undo}.
     */
    public Map<Path, String> acknowledged(List<Step> steps) {
        Map<Path, String> out = new LinkedHashMap<>();
        for (Step s : steps) {
            for (String line : s.result().out().split("\\R")) {
                Matcher ok = OK.matcher(line);
                Matcher undone = UNDONE.matcher(line);
                if (ok.find()) {
                    out.put(images.resolve(ok.group(1)).toAbsolutePath().normalize(), ok.group(2));
                } else if (undone.find()) {
                    out.put(Path.of(undone.group(1)), undone.group(2).equals("unlabelled") ? null : undone.group(2));
                }
            }
        }
        return out;
    }

    /** Adds the trials' verdicts up for the harness's report. */
    public static final class Tally {
        private int trials;
        private int fired;
        private int opened;
        private int lost;
        private int acknowledged;
        private int damaged;
        private int half;
        private int bad;
        private int named;
        private int carried;

        public void add(Verdict v, boolean faultFired) {
            trials++;
            fired += faultFired ? 1 : 0;
            opened += v.opened() ? 1 : 0;
            lost += v.lost();
            acknowledged += v.acknowledged();
            damaged += v.saidDamaged() ? 1 : 0;
            half += v.halfWritten().size();
            bad += v.badMessages().size();
            named += v.diskNamed() ? 1 : 0;
            carried += v.carriedOn() ? 1 : 0;
        }

        /** Trials in which the fault hit a write. */
        public int fired() {
            return fired;
        }

        public String summary() {
            return String.format(Locale.ROOT, "acknowledged labels lost %d of %d; the project opened again %d/%d; called"
                            + " damaged %d; half-written files left %d; messages naming the full disk %d/%d; messages with"
                            + " null, SQLite text or a stack trace %d; labelling carried on %d/%d.", lost, acknowledged,
                    opened, trials, damaged, half, named, fired, bad, carried, trials);
        }

        /** One trial's line of the report. */
        public static String row(Verdict v) {
            return String.format(Locale.ROOT, "acknowledged %2d  lost %d  opened %-5s  damaged %-5s  half-written %d  bad"
                            + " messages %d  disk named %-5s  carried on %s", v.acknowledged(), v.lost(), v.opened(),
                    v.saidDamaged(), v.halfWritten().size(), v.badMessages().size(), v.diskNamed(), v.carriedOn());
        }
    }

    /** What the harness found once space was back. */
    public record Verdict(boolean opened, boolean saidDamaged, int acknowledged, int lost, List<String> halfWritten,
                          List<String> badMessages, boolean diskNamed, boolean carriedOn, String detail) {
        public boolean good(boolean faultFired) {
            return opened && !saidDamaged && lost == 0 && halfWritten.isEmpty() && badMessages.isEmpty()
                    && (diskNamed || !faultFired) && carriedOn;
        }
    }

    /**
     * The checks after space returns: the project opens (and is not called damaged), every acknowledged label is there,
     * every image imported from a class folder has that folder's label, nothing half-written lies in the project or the
     * exports, every message of the faulty run names its cause plainly, and labelling carries on.
     *
     * @param faulty the steps that ran while the disk failed
     */
    public Verdict verify(Path project, Path exports, List<Step> all, List<Step> faulty) throws IOException {
        List<String> bad = new ArrayList<>();
        boolean named = false;
        for (Step s : faulty) {
            for (String line : (s.result().err() + "\n" + s.result().out()).split("\\R")) {
                if (BAD_TEXT.matcher(line).find()) {
                    bad.add(line);
                }
                named |= line.contains("The disk holding ") && line.contains(" is full (");
            }
        }
        CliRun status = CliRun.run("status", project.toString());
        boolean opened = status.exitCode() == 0;
        boolean damaged = status.err().contains("damaged");
        Map<Path, String> acked = acknowledged(all);
        int lost = 0;
        List<String> half = halfWritten(project, exports);
        StringBuilder detail = new StringBuilder();
        int labelsNow = 0;
        if (opened) {
            try (ProjectStore store = ProjectStore.open(project, false)) {
                Map<Long, String> names = new HashMap<>();
                for (LabelClass c : store.allClasses()) {
                    names.put(c.id(), c.name());
                }
                Map<Long, Long> labels = store.currentLabels();
                labelsNow = labels.size();
                Set<Path> ackedPaths = new HashSet<>(acked.keySet());
                for (ImageRecord r : store.images()) {
                    String now = labels.containsKey(r.id()) ? names.get(labels.get(r.id())) : null;
                    String want = ackedPaths.contains(r.path()) ? acked.get(r.path())
                            : r.relPath().startsWith("class") ? r.relPath().substring(0, r.relPath().indexOf('/')) : null;
                    boolean mustHave = ackedPaths.contains(r.path()) || want != null;
                    if (mustHave && !java.util.Objects.equals(now, want)) {
                        lost++;
                        detail.append(r.relPath()).append(": ").append(now).append(" instead of ").append(want).append("; ");
                    }
                    ackedPaths.remove(r.path());
                }
                lost += ackedPaths.size(); // acknowledged images the project no longer has
                for (ModelVersion v : store.modelVersions()) {
                    try {
                        ModelVersionFile.read(project.resolve(v.file()));
                    } catch (RuntimeException e) {
                        half.add(v.file() + " (registered, unreadable)");
                    }
                }
                Set<String> registered = new HashSet<>();
                store.modelVersions().forEach(v -> registered.add(Path.of(v.file()).getFileName().toString()));
                try (Stream<Path> files = Files.list(store.modelsDir())) {
                    files.map(f -> f.getFileName().toString()).filter(n -> !registered.contains(n))
                            .forEach(n -> half.add("models/" + n + " (no row)"));
                }
            }
        }
        checkExports(exports, labelsNow, half);
        // carrying on is what the messages say: run the command that failed again, and the rest after it
        boolean carriedOn = true;
        for (Step s : run(project, exports.resolveSibling(exports.getFileName() + "-again"), from(faulty))) {
            if (s.result().exitCode() != 0) {
                carriedOn = false;
                detail.append("carrying on: loupe ").append(String.join(" ", s.args())).append(" failed: ")
                        .append(s.result().err());
            }
        }
        return new Verdict(opened, damaged, acked.size(), lost, half, bad, named, carriedOn,
                detail + (opened ? "" : " status: " + status.err()));
    }

    /** The command to carry on from: the first that failed (or none: past the end). */
    private static int from(List<Step> faulty) {
        for (Step s : faulty) {
            if (s.result().exitCode() != 0) {
                return List.of("import", "label", "undo", "export").indexOf(s.args()[0]);
            }
        }
        return 4;
    }

    /** Temporary files and unfinished export folders anywhere under the project or beside the exports. */
    private static List<String> halfWritten(Path project, Path exports) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path root : List.of(project, exports, exports.resolveSibling(exports.getFileName() + "-again"))) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> all = Files.walk(root)) {
                all.map(p -> root.relativize(p).toString())
                        .filter(n -> n.endsWith(".tmp") || n.contains(".partial-"))
                        .forEach(out::add);
            }
        }
        return out;
    }

    /** An export output that exists must be whole: the model loads, the CSV has every label, the copy every image. */
    private static void checkExports(Path exports, int labels, List<String> half) throws IOException {
        Path model = exports.resolve("model.zip");
        if (Files.exists(model)) {
            try (LoupeModel m = LoupeModel.load(model)) {
                m.classNames(); // loaded whole
            } catch (RuntimeException e) {
                half.add("model.zip (" + e.getMessage() + ")");
            }
        }
        Path csv = exports.resolve("labels.csv");
        if (Files.exists(csv)) {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(0).equals("path,label") || lines.size() - 1 != labels) {
                half.add("labels.csv (" + lines.size() + " lines for " + labels + " labels)");
            }
        }
        Path copy = exports.resolve("images");
        if (Files.exists(copy)) {
            try (Stream<Path> files = Files.walk(copy)) {
                long n = files.filter(Files::isRegularFile).count();
                if (n != labels) {
                    half.add("images/ (" + n + " files for " + labels + " labels)");
                }
            }
        }
    }
}
