package dev.loupe.cli;

import dev.loupe.export.FolderPredictor;
import dev.loupe.export.LoupeModel;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.SkippedFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe predict}: labels every image in a folder with an exported model, no project needed. */
@Command(name = "predict", description = {
        "Predict a label for every image under FOLDER with a model exported by `loupe export --model`.",
        "Files that cannot be read are listed on stderr with the reason."})
public final class PredictCommand implements Callable<Integer> {

    static final int BATCH = 32;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.zip", description = "The exported model file.")
    Path model;

    @Parameters(index = "1", paramLabel = "FOLDER", description = "The folder of images, searched recursively.")
    Path folder;

    @Option(names = "--json", description = "Print [{\"path\",\"label\",\"confidence\"}] on stdout, sorted by path.")
    boolean json;

    @Option(names = "--threads", description = "Decoding threads (default: ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FolderPredictor.Result result;
        try (LoupeModel m = LoupeModel.load(model)) {
            Progress progress = new Progress(err, "predict");
            result = new FolderPredictor(m, new ImageDecoder(), threads, BATCH).run(folder, progress::update);
            progress.finish();
        }
        for (SkippedFile s : result.unreadable()) {
            err.printf("cannot read %s: %s%n", s.path(), s.reason());
        }
        err.flush();
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (FolderPredictor.Item item : result.predictions()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("path", item.path().toString());
                r.put("label", item.prediction().label());
                r.put("confidence", item.prediction().confidence());
                rows.add(r);
            }
            Json.print(out, rows);
        } else {
            for (FolderPredictor.Item item : result.predictions()) {
                out.printf(Locale.ROOT, "%s\t%s\t%.4f%n", item.path(),
                        item.prediction().label() == null ? "-" : item.prediction().label(), item.prediction().confidence());
            }
            out.flush();
        }
        return 0;
    }
}
