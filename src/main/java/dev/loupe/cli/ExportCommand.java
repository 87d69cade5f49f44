package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.export.ClassColumn;
import dev.loupe.export.ProjectExport;
import dev.loupe.export.onnx.OnnxExport;
import dev.loupe.importing.SkippedFile;
import dev.loupe.project.ProjectStore;
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
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe export}: the project's model, labels and/or labelled images, for use outside Loupe. */
@Command(name = "export", description = {
        "Export a project's model (one self-contained .zip for Loupe, and/or one .onnx file for ONNX Runtime), its"
                + " labels (CSV or JSON) and/or its labelled images (copied into DIR/<class>/<file>).",
        "Give at least one of --model, --onnx, --labels, --imagefolder."})
public final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT", description = "The project folder.")
    Path project;

    @Option(names = "--model", paramLabel = "FILE.zip", description = "Write the model to this file (use it with `loupe predict`).")
    Path model;

    @Option(names = "--onnx", paramLabel = "FILE.onnx", description = "Write the model as ONE self-contained ONNX file"
            + " (base model, head, calibrated softmax) that ONNX Runtime runs in Python, JavaScript or Java, and a model"
            + " card FILE.md beside it. Input 'image': float32 [N, H, W, 3], RGB 0..255, each image fitted to the base"
            + " model's size first (64x64 for Model Zero, stretched; see the card and scripts/onnx/loupe_onnx.py);"
            + " output 'probabilities': [N, classes]. Checked against Loupe's own predictions before it is written.")
    Path onnx;

    @Option(names = "--version", paramLabel = "N", description = "Export model version N instead of the latest (--model, --onnx).")
    Long version;

    @Option(names = "--labels", paramLabel = "FILE.csv|FILE.json",
            description = "Write the current labels: CSV with header path,label, or JSON [{\"path\",\"label\"}].")
    Path labels;

    @Option(names = "--imagefolder", paramLabel = "DIR",
            description = "Copy every labelled image to DIR/<class>/<file name>. DIR must be new or empty.")
    Path imageFolder;

    @Option(names = "--json", description = "Print a JSON summary on stdout.")
    boolean json;

    @Override
    public Integer call() {
        if (model == null && onnx == null && labels == null && imageFolder == null) {
            throw new LoupeException("Nothing to export: give --model FILE.zip, --onnx FILE.onnx,"
                    + " --labels FILE.csv|FILE.json and/or --imagefolder DIR.");
        }
        if (version != null && model == null && onnx == null) {
            throw new LoupeException("--version only applies to --model and --onnx.");
        }
        // Check every target before writing anything, so a bad option leaves no half-done export.
        if (labels != null) {
            ProjectExport.labelFormat(labels);
        }
        if (imageFolder != null) {
            ProjectExport.checkImageFolderTarget(imageFolder);
        }
        if (onnx != null) {
            OnnxExport.checkTarget(onnx);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (ProjectStore store = ProjectStore.open(project, false)) {
            if (model != null) {
                ProjectExport.ModelExport m = ProjectExport.exportModel(store, version, model);
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("file", m.file().toAbsolutePath().toString());
                s.put("model_version", m.modelVersion());
                s.put("label_count", m.labelCount());
                s.put("backbone", m.backboneId());
                s.put("classes", classes(m.columns()));
                summary.put("model", s);
                if (!json) {
                    out.printf("Wrote model version %d (%d labels, classes %s) to %s%n", m.modelVersion(), m.labelCount(),
                            m.columns().stream().filter(ClassColumn::active).map(ClassColumn::name).toList(), m.file());
                }
            }
            if (onnx != null) {
                OnnxExport.Result r = ProjectExport.exportOnnx(store, version, onnx);
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("file", r.file().toAbsolutePath().toString());
                s.put("model_card", r.card().toAbsolutePath().toString());
                s.put("bytes", r.bytes());
                s.put("model_version", r.modelVersion());
                s.put("label_count", r.labelCount());
                s.put("input", Map.of("name", OnnxExport.INPUT, "shape", List.of("N", r.height(), r.width(), 3),
                        "layout", "NHWC", "color", "RGB", "range", List.of(0, 255)));
                s.put("output", OnnxExport.OUTPUT);
                s.put("classes", classes(r.columns()));
                s.put("temperature", r.temperature());
                s.put("max_difference", r.maxDifference());
                summary.put("onnx", s);
                if (!json) {
                    out.printf("Wrote model version %d as ONNX (%d bytes, classes %s) to %s, model card %s;"
                                    + " ONNX Runtime matches Loupe within %.1e%n", r.modelVersion(), r.bytes(),
                            r.columns().stream().filter(ClassColumn::active).map(ClassColumn::name).toList(), r.file(),
                            r.card(), r.maxDifference());
                }
            }
            if (labels != null) {
                int n = ProjectExport.exportLabels(store, labels);
                summary.put("labels", Map.of("file", labels.toAbsolutePath().toString(), "count", n));
                if (!json) {
                    out.printf("Wrote %d labels to %s%n", n, labels);
                }
            }
            if (imageFolder != null) {
                ProjectExport.ImageFolderExport f = ProjectExport.exportImageFolder(store, imageFolder);
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("dir", f.dir().toAbsolutePath().toString());
                s.put("copied", f.copied());
                s.put("per_class", f.perClass());
                List<Map<String, String>> missing = new ArrayList<>();
                for (SkippedFile m : f.notCopied()) {
                    missing.add(Map.of("path", m.path().toString(), "reason", m.reason()));
                    err.printf("not copied %s: %s%n", m.path(), m.reason());
                }
                err.flush();
                s.put("not_copied", missing);
                summary.put("imagefolder", s);
                if (!json) {
                    out.printf("Copied %d images into %s (%s)%s%n", f.copied(), imageFolder, f.perClass(),
                            f.notCopied().isEmpty() ? "" : "; " + f.notCopied().size() + " not copied (listed on stderr)");
                }
            }
        }
        if (json) {
            Json.print(out, summary);
        }
        out.flush();
        return 0;
    }

    private static List<Map<String, Object>> classes(List<ClassColumn> columns) {
        List<Map<String, Object>> classes = new ArrayList<>();
        for (ClassColumn c : columns) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", c.name());
            cm.put("active", c.active());
            classes.add(cm);
        }
        return classes;
    }
}
