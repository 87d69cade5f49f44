package dev.loupe.export;

import dev.loupe.Faults;
import dev.loupe.export.onnx.OnnxExport;
import dev.loupe.project.ProjectStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Up to four exports in one go (the app's Export… dialog): a model file, an ONNX file, a label file, an ImageFolder
 * copy. Each output is tried on its own, so one that fails (a non-empty folder, say) does not stop the others.
 */
public final class ExportJob {

    /**
     * What to write; a null path leaves that output out.
     *
     * @param onnxFile     the model as ONNX, with a model card beside it ({@link OnnxExport})
     * @param modelVersion the model version to export (as .zip and/or .onnx), null for the latest
     */
    public record Request(Path modelFile, Path onnxFile, Long modelVersion, Path labelsFile, Path imageFolder) {
        public boolean isEmpty() {
            return modelFile == null && onnxFile == null && labelsFile == null && imageFolder == null;
        }
    }

    /** One line per output: what was written, or why it was not. */
    public record Result(List<String> written, List<String> failed) {
        public Result {
            written = List.copyOf(written);
            failed = List.copyOf(failed);
        }
    }

    private ExportJob() {
    }

    /** Runs the request on an open store; checks {@code cancel} between outputs. */
    public static Result run(ProjectStore store, Request r, BooleanSupplier cancel) {
        List<String> written = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        // The cheap checks first, so a wrong folder is reported before minutes of copying or model writing.
        boolean imagesOk = true;
        boolean onnxOk = true;
        if (r.onnxFile() != null) {
            try {
                OnnxExport.checkTarget(r.onnxFile());
            } catch (RuntimeException e) {
                failed.add("ONNX: " + Faults.describe(e));
                onnxOk = false;
            }
        }
        if (r.imageFolder() != null) {
            try {
                ProjectExport.checkImageFolderTarget(r.imageFolder());
            } catch (RuntimeException e) {
                failed.add(Faults.describe(e));
                imagesOk = false;
            }
        }
        if (r.labelsFile() != null && !cancel.getAsBoolean()) {
            try {
                int n = ProjectExport.exportLabels(store, r.labelsFile());
                written.add(n + " labels to " + r.labelsFile());
            } catch (RuntimeException e) {
                failed.add("Labels: " + Faults.describe(e));
            }
        }
        if (r.modelFile() != null && !cancel.getAsBoolean()) {
            try {
                ProjectExport.ModelExport m = ProjectExport.exportModel(store, r.modelVersion(), r.modelFile());
                written.add("Model v" + m.modelVersion() + " (" + m.labelCount() + " labels, " + m.columns().size()
                        + " classes) to " + m.file());
            } catch (RuntimeException e) {
                failed.add("Model: " + Faults.describe(e));
            }
        }
        if (r.onnxFile() != null && onnxOk && !cancel.getAsBoolean()) {
            try {
                OnnxExport.Result x = ProjectExport.exportOnnx(store, r.modelVersion(), r.onnxFile());
                written.add("ONNX model v" + x.modelVersion() + " (" + x.labelCount() + " labels, " + x.columns().size()
                        + " classes) to " + x.file() + ", model card " + x.card().getFileName());
            } catch (RuntimeException e) {
                failed.add("ONNX: " + Faults.describe(e));
            }
        }
        if (r.imageFolder() != null && imagesOk && !cancel.getAsBoolean()) {
            try {
                ProjectExport.ImageFolderExport x = ProjectExport.exportImageFolder(store, r.imageFolder());
                written.add(x.copied() + " images copied into " + x.perClass().size() + " class folders under " + x.dir()
                        + (x.notCopied().isEmpty() ? "" : " (" + x.notCopied().size() + " could not be copied: "
                        + x.notCopied().get(0).path() + ": " + x.notCopied().get(0).reason()
                        + (x.notCopied().size() > 1 ? ", …" : "") + ")"));
            } catch (RuntimeException e) {
                failed.add("Images: " + Faults.describe(e));
            }
        }
        if (cancel.getAsBoolean()) {
            failed.add("Cancelled: the outputs not listed above were not written.");
        }
        return new Result(written, failed);
    }
}
