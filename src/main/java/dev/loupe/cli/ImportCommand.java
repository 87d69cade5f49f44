package dev.loupe.cli;

import dev.loupe.DiskFullException;
import dev.loupe.Faults;
import org.slf4j.LoggerFactory;
import dev.loupe.LoupeException;
import dev.loupe.datacheck.DriftReport;
import dev.loupe.datacheck.DriftTest;
import dev.loupe.datacheck.ProjectDrift;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.ImportOptions;
import dev.loupe.importing.Importer;
import dev.loupe.importing.ImportReport;
import dev.loupe.importing.SkippedFile;
import dev.loupe.importing.StoreImportSink;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.Backbone;
import dev.loupe.importing.Embedder;
import dev.loupe.importing.EmbeddingsFromParquet;
import dev.loupe.importing.parquet.EmbeddingsParquet;
import dev.loupe.project.ProjectFolders;
import dev.loupe.project.ProjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe import}: adds a folder of images to a project, accounting for every file. */
@Command(name = "import", description = {
        "Add every image under FOLDER to PROJECT (created if needed).",
        "Every file found is imported, counted as a duplicate, or skipped with a reason."})
final class ImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT", description = "The project folder (e.g. birds.loupe).")
    Path project;

    @Parameters(index = "1", paramLabel = "FOLDER", description = "The folder to import, searched recursively.")
    Path folder;

    @Option(names = "--labels-from-subfolders",
            description = "Label each image with its folder's name (ImageFolder layout). Images directly in FOLDER "
                    + "or in folders named pool, unlabelled, unlabeled or unsorted stay unlabelled.")
    boolean labelsFromSubfolders;

    @Option(names = "--threads", description = "Decoding threads (default: ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--json", description = "Print a JSON summary on stdout.")
    boolean json;

    @Option(names = "--no-embed", description = "Do not compute embeddings now (they are computed when the project is next opened for labelling).")
    boolean noEmbed;

    @Option(names = "--embeddings", paramLabel = "PARQUET_DIR",
            description = "Take the embeddings from what the Spark job (loupe-spark) wrote for FOLDER, instead of computing "
                    + "them here. Files changed since the job, or not in it, are embedded here.")
    Path embeddings;

    @Option(names = "--no-drift-check", description = "Do not compare the new images with the project's earlier ones.")
    boolean noDriftCheck;

    /** The id of the backbone the last {@link #embed} used. */
    private String backboneId;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new LoupeException("Cannot import " + folder + ": it is not a folder.");
        }
        if (!Files.isReadable(folder)) {
            throw new LoupeException("Cannot import " + folder + ": the folder is not readable (check its permissions).");
        }
        if (embeddings != null && noEmbed) {
            throw new LoupeException("--embeddings and --no-embed do not go together: --embeddings stores embeddings.");
        }
        // Checked whole before the project is touched: a broken or unfinished job's output changes nothing.
        EmbeddingsParquet parquet = embeddings == null ? null : EmbeddingsParquet.open(embeddings);
        boolean folderExisted = Files.exists(project);
        boolean madeHere = !folderExisted || isEmptyFolder(project);
        boolean importStarted = false;
        EmbeddingsFromParquet.Result fromParquet = null;
        try (ProjectStore store = ProjectStore.open(project, true)) {
            Progress progress = new Progress(spec.commandLine().getErr(), "import");
            ImportOptions options = ImportOptions.of(folder.toAbsolutePath().normalize())
                    .withLabelsFromSubfolders(labelsFromSubfolders)
                    .withThreads(Math.max(1, threads))
                    .withListener((done, total, current) -> progress.update(done, total));
            long lastIdBefore = ProjectDrift.lastImageId(store);
            ImportReport report;
            String stopped;
            Embedder.Result embedded = null;
            if (noEmbed) {
                report = StoreImportSink.importInto(store, options);
                progress.finish();
                stopped = report.stopped();
            } else {
                // Loaded first, so that each new image is embedded from the pixels its import decoded.
                try (Backbone backbone = ProjectBackbone.load(store)) {
                    backboneId = backbone.id();
                    ImageDecoder decoder = new ImageDecoder();
                    Embedder embedder = new Embedder(store, backbone, decoder, Math.max(1, threads), Embedder.DEFAULT_BATCH);
                    if (parquet != null) {
                        EmbeddingsFromParquet.checkBackbone(parquet, backbone.id()); // before any image is imported
                        importStarted = true;
                        report = StoreImportSink.importInto(store, options);
                        progress.finish();
                        stopped = report.stopped();
                        if (stopped == null) {
                            fromParquet = EmbeddingsFromParquet.apply(store, options.root(), backbone.id(), backbone.dim(),
                                    parquet);
                        }
                    } else {
                        report = StoreImportSink.importAndEmbed(store, options, decoder, embedder);
                        progress.finish();
                        stopped = report.stopped();
                    }
                    if (stopped == null) {
                        try {
                            embedded = embed(embedder);
                        } catch (DiskFullException e) {
                            stopped = DiskFullException.of(store.dir(), "the images were imported, but not all their "
                                    + "embeddings could be saved", -1, "open the project (or import again): the rest "
                                    + "are computed then", e).getMessage();
                        }
                    }
                }
            }
            DriftReport drift = null;
            String noDrift;
            if (noDriftCheck) {
                noDrift = "not asked for (--no-drift-check)";
            } else if (embedded == null) {
                noDrift = "the new images have no embeddings yet";
            } else if (lastIdBefore == 0) {
                noDrift = "the project had no images before";
            } else {
                try {
                    drift = ProjectDrift.afterImport(store, backboneId, lastIdBefore, DriftTest.Config.DEFAULT, () -> false).orElse(null);
                    noDrift = drift == null ? "too few images on one side (at least " + DriftTest.Config.DEFAULT.minCandidate()
                            + " new and earlier images are needed)" : null;
                } catch (RuntimeException e) {
                    // the images are imported and embedded: a check that could not run must not turn that into a failure
                    LoggerFactory.getLogger(ImportCommand.class).warn("The drift check failed", e);
                    noDrift = "the check could not run: " + Faults.describe(e);
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = toJson(report);
                m.put("stopped", stopped);
                if (embedded != null) {
                    m.put("embedded", embedded.embedded());
                    m.put("embed_seconds", Math.round(embedded.seconds() * 1000) / 1000.0);
                }
                if (fromParquet != null) {
                    m.put("embeddings_from", parquetJson(parquet, fromParquet));
                }
                m.put("drift", DriftOutput.json(store, drift, noDrift));
                Json.print(out, m);
            } else {
                printText(out, report);
                if (fromParquet != null) {
                    out.printf("Took %d embeddings from %s (%d rows; %d found at another path, %d changed since the job, "
                            + "%d not used, %d the job could not embed).%n", fromParquet.used(), parquet.source(),
                            fromParquet.rows(), fromParquet.byContent(), fromParquet.changed(), fromParquet.unused(),
                            fromParquet.badRows().size());
                }
                if (embedded != null && embedded.embedded() + embedded.failed() > 0) {
                    out.printf("Embedded %d images %sin %.1f s (%d could not be read).%n", embedded.embedded(),
                            fromParquet != null ? "here " : "", embedded.seconds(), embedded.failed());
                }
                if (drift != null && drift.drifted()) {
                    out.println(DriftOutput.sentence(store, drift));
                } else if (drift != null) {
                    out.printf("The new images look like the rest of the project (p = %.2f).%n", drift.test().pValue());
                }
                out.flush();
            }
            if (stopped != null) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("loupe: " + stopped);
                err.flush();
                return LoupeCli.EXIT_USER_ERROR;
            }
        } catch (LoupeException e) {
            if (parquet != null && madeHere && !importStarted) {
                // refused before any image came in (another base model): leave no project behind
                ProjectFolders.removeQuietly(project, folderExisted);
            }
            throw e;
        }
        return 0;
    }

    /**
     * Embeds what the import's own pixels did not (images imported before, or after a failure while importing), so
     * labelling can start at once; the count includes those embedded during the import.
     */
    private Embedder.Result embed(Embedder embedder) {
        int during = embedder.embeddedDuringImport();
        Progress progress = new Progress(spec.commandLine().getErr(), "embedding");
        Embedder.Result r = embedder.run(progress::update, () -> false);
        progress.finish();
        return new Embedder.Result(r.embedded() + during, r.failed(), r.seconds(), r.cancelled());
    }

    private static boolean isEmptyFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static Map<String, Object> parquetJson(EmbeddingsParquet parquet, EmbeddingsFromParquet.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", parquet.source().toString());
        m.put("rows", r.rows());
        m.put("used", r.used());
        m.put("used_by_content", r.byContent());
        m.put("changed", r.changed());
        m.put("unused", r.unused());
        m.put("bad_rows", skippedJson(r.badRows()));
        return m;
    }

    /** Each skipped file (or bad row) as {"path", "reason"}. */
    private static List<Map<String, String>> skippedJson(List<SkippedFile> files) {
        List<Map<String, String>> out = new ArrayList<>();
        for (SkippedFile s : files) {
            out.add(Map.of("path", s.path().toString(), "reason", s.reason()));
        }
        return out;
    }

    static Map<String, Object> toJson(ImportReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("found", r.found());
        m.put("imported", r.imported());
        m.put("found_again", r.relinked());
        m.put("duplicates", r.duplicates());
        m.put("already_in_project", r.alreadyInProject());
        m.put("labelled", r.labelled());
        m.put("hidden_ignored", r.hiddenIgnored());
        m.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
        m.put("cancelled", r.cancelled());
        m.put("stopped", r.stopped());
        m.put("skipped", skippedJson(r.skipped()));
        return m;
    }

    private static void printText(PrintWriter out, ImportReport r) {
        out.println(r.summary());
        if (r.labelled() > 0) {
            out.printf("%d images labelled from their folder names.%n", r.labelled());
        }
        int notReached = 0;
        for (SkippedFile s : r.skipped()) {
            if (s.reason().equals(Importer.NOT_SAVED) || s.reason().equals(Importer.CANCELLED)) {
                notReached++; // one line for them all, not hundreds
            } else {
                out.printf("  skipped %s: %s%n", s.path(), s.reason());
            }
        }
        if (notReached > 0) {
            out.printf("  %d files not imported: the import was %s.%n", notReached,
                    r.stopped() != null ? "stopped (see the message below)" : "cancelled");
        }
        out.printf("Took %.1f s.%n", r.seconds());
        out.flush();
    }
}
