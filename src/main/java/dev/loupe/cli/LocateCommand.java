package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.importing.MissingImages;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe locate}: finds a project's moved images again in a folder, by content (the app's "Locate missing images…"). */
@Command(name = "locate", description = {
        "Find images whose files were moved or renamed since import: FOLDER is searched for files with the same",
        "content, and the project points at them again (labels, embeddings and thumbnails are kept). Nothing new is imported."})
final class LocateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT", description = "The project folder.")
    Path project;

    @Parameters(index = "1", paramLabel = "FOLDER", description = "Where the images are now (searched recursively).")
    Path folder;

    @Option(names = "--json", description = "Print {found_again, still_missing, files_read} on stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new LoupeException("Cannot search " + folder + ": it is not a folder.");
        }
        try (ProjectStore store = ProjectStore.open(project, false)) {
            Progress progress = new Progress(spec.commandLine().getErr(), "search");
            MissingImages.Result r = MissingImages.locate(store, folder, (done, total, current) -> progress.update(done, total),
                    () -> false);
            progress.finish();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("found_again", r.relinked());
                m.put("still_missing", r.stillMissing());
                m.put("files_read", r.filesHashed());
                Json.print(out, m);
            } else {
                out.printf("Found again: %d image%s; %d still missing.%n", r.relinked(), r.relinked() == 1 ? "" : "s",
                        r.stillMissing());
                out.flush();
            }
            return 0;
        }
    }
}
