package dev.loupe.cli;

import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.catalog.CatalogEntry;
import dev.loupe.backbone.catalog.CatalogFile;
import dev.loupe.backbone.catalog.CatalogModels;
import dev.loupe.backbone.catalog.Downloader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe models}: the catalog of downloadable base models, and fetching one into the per-user cache. */
@Command(name = "models", description = {
        "The catalog of strong downloadable base models (ONNX image models), for",
        "`loupe new PROJECT --backbone NAME`. Model Zero needs none of this: it ships with Loupe."},
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Get.class})
public final class ModelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** {@code loupe models list}. */
    @Command(name = "list", description = "List the catalog: name, size, licence, whether it is downloaded, what it is good at.")
    static final class ListModels implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print the catalog as JSON.")
        boolean json;

        @Override
        public Integer call() throws BackboneException {
            CatalogModels models = CatalogModels.standard();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                List<Map<String, Object>> list = new ArrayList<>();
                for (CatalogEntry e : models.catalog().entries()) {
                    list.add(describe(e, models));
                }
                Json.print(out, list);
                return 0;
            }
            out.printf("%-20s %10s  %-11s %-10s %s%n", "NAME", "SIZE", "LICENCE", "CACHED", "WHAT IT IS GOOD AT");
            for (CatalogEntry e : models.catalog().entries()) {
                out.printf("%-20s %10s  %-11s %-10s %s: %s%n", e.name(), Downloader.humanBytes(e.totalBytes()),
                        e.licence(), models.isCached(e) ? "yes" : "no", e.title(), e.goodAt());
            }
            out.printf("%nCache: %s. Get one with `loupe models get NAME`, or directly: `loupe new PROJECT --backbone NAME`.%n",
                    models.cache().root());
            out.flush();
            return 0;
        }
    }

    /** {@code loupe models get NAME}. */
    @Command(name = "get", description = {
            "Download a catalog model into the per-user cache (resumes an interrupted download; checks the",
            "published SHA-256, or records the file's own hash where none is published). With --from, take",
            "files you downloaded by hand instead (same checks)."})
    static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "The catalog name (loupe models list).")
        String name;

        @Option(names = "--from", paramLabel = "PATH", description = "A file (or a folder of files) downloaded by hand.")
        List<Path> from;

        @Option(names = "--json", description = "Print a JSON summary on stdout.")
        boolean json;

        @Override
        public Integer call() throws BackboneException {
            CatalogModels models = CatalogModels.standard();
            CatalogEntry entry = models.catalog().get(name);
            PrintWriter err = spec.commandLine().getErr();
            CatalogModels.Fetched f = from != null && !from.isEmpty()
                    ? models.importFiles(entry, from)
                    : models.fetch(entry, progressTo(err), () -> false);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = describe(entry, models);
                m.put("image_model_path", f.imageModel().toString());
                m.put("image_model_sha256", f.imageSha256());
                m.put("downloaded_now", f.downloaded());
                Json.print(out, m);
                return 0;
            }
            out.printf("%s: %s (%s) in %s%n", entry.name(), entry.title(), Downloader.humanBytes(entry.totalBytes()),
                    models.cache().folder(entry));
            out.println(hashLine(entry, f));
            out.printf("Next: loupe new PROJECT --backbone %s%n", entry.name());
            out.flush();
            return 0;
        }
    }

    /** What the user should know about the hash: pinned and by whom, or measured and recorded. */
    static String hashLine(CatalogEntry entry, CatalogModels.Fetched f) {
        if (f.pinned()) {
            return "SHA-256 " + f.imageSha256() + " verified (pinned by the catalog: " + entry.source() + ")";
        }
        return "SHA-256 " + f.imageSha256() + " (no published hash to check it against: Loupe checked its size and that"
                + " it loads, and recorded this hash; every later use is checked against it)";
    }

    /** Per-file download progress on stderr. */
    static Downloader.Listener progressTo(PrintWriter err) {
        Map<String, Progress> bars = new HashMap<>();
        return (file, done, total) -> bars.computeIfAbsent(file, f -> new Progress(err, "Downloading " + f, true))
                .update(done, total);
    }

    static Map<String, Object> describe(CatalogEntry e, CatalogModels models) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("title", e.title());
        m.put("good_at", e.goodAt());
        m.put("bytes", e.totalBytes());
        m.put("licence", e.licence());
        m.put("source", e.source());
        m.put("preprocessing", e.preprocessing());
        m.put("embedding_tensor", e.embeddingTensor());
        m.put("dim", e.dim());
        m.put("l2_normalize", e.l2Normalize());
        m.put("cached", models.isCached(e));
        List<Map<String, Object>> files = new ArrayList<>();
        for (CatalogFile f : e.files()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("role", f.role());
            fm.put("file", f.file());
            fm.put("bytes", f.bytes());
            fm.put("sha256", f.sha256());
            fm.put("urls", f.urls());
            files.add(fm);
        }
        m.put("files", files);
        return m;
    }
}
