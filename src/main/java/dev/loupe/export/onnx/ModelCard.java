package dev.loupe.export.onnx;

import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.export.ClassColumn;
import dev.loupe.export.LoupeModel;
import dev.loupe.training.HeadState;

import java.util.List;
import java.util.Locale;

/** The short markdown model card written beside an exported ONNX file: what it is, how to feed it, its classes. */
final class ModelCard {

    private ModelCard() {
    }

    static String markdown(String fileName, Backbone backbone, HeadState head, List<ClassColumn> columns,
                           OnnxExport.Provenance provenance, String created, double checkedDifference) {
        Preprocessing p = backbone.preprocessing();
        StringBuilder s = new StringBuilder();
        s.append("# ").append(fileName).append(" — image classifier trained with Loupe\n\n");
        s.append("Project `").append(provenance.project()).append("`, model version ").append(provenance.modelVersion())
                .append(", trained on ").append(provenance.labelCount()).append(" labels; exported ").append(created)
                .append(" by Loupe ").append(LoupeModel.loupeVersion()).append(".\n\n");

        s.append("## Input and output\n\n");
        String batch = OnnxExport.batchText(backbone);
        s.append("- Input `").append(OnnxExport.INPUT).append("`: float32 `[").append(batch).append(", ").append(p.height())
                .append(", ").append(p.width()).append(", 3]`, RGB values 0..255 (not scaled), ")
                .append(batch.equals("N") ? "any batch size N" : "batch size " + batch + " (fixed by the base model)")
                .append(".\n");
        s.append("- Each image must first be fitted to ").append(p.width()).append("x").append(p.height()).append(": ")
                .append(OnnxExport.resizeRule(p)).append(".\n");
        s.append("- The graph does the rest itself: ").append(OnnxExport.inGraph(p))
                .append(", the base model, the head, and softmax(logits / T) with the")
                .append(" calibrated temperature T = ").append(String.format(Locale.ROOT, "%.4g", head.temperature()))
                .append(head.temperatureLogSd() > 0 ? String.format(Locale.ROOT, " (averaged over its uncertainty: log T ± %.3g,"
                        + " three Gauss–Hermite points)", head.temperatureLogSd()) : "")
                .append(head.uniformShare() > 0 ? String.format(Locale.ROOT, ", of which %.4g is kept and the other %.4g spread"
                        + " evenly over the classes that had examples", 1 - head.uniformShare(), head.uniformShare()) : "")
                .append(head.unseenShare() > 0 ? String.format(Locale.ROOT, ", times %.4g", 1 - head.unseenShare()) : "")
                .append(".\n");
        s.append("- Output `").append(OnnxExport.OUTPUT).append("`: float32 `[").append(batch).append(", ").append(columns.size())
                .append("]`, one probability per column below; rows sum to ")
                .append(head.unseenShare() > 0
                        ? String.format(Locale.ROOT, "%.4g: the rest, %.4g, is the share of images the project expects in"
                                + " classes that had no example yet", 1 - head.unseenShare(), head.unseenShare())
                        : "1")
                .append(".\n\n");

        s.append("| column | class | labels in the project | |\n|---:|---|---:|---|\n");
        for (int k = 0; k < columns.size(); k++) {
            ClassColumn c = columns.get(k);
            Integer n = provenance.labelsPerClass().get(c.name());
            s.append("| ").append(k).append(" | ").append(c.name().replace("|", "\\|")).append(" | ")
                    .append(c.deleted() || n == null ? "" : n).append(" | ")
                    .append(c.deleted() ? "deleted in the project: always 0" : c.active() ? "" : "no examples yet: always 0")
                    .append(" |\n");
        }
        s.append("\nThe class names are also in the file's metadata (`classes`, a JSON list in column order), with the")
                .append(" preprocessing (`preprocessing`) and where the model comes from.\n\n");

        s.append("## Model\n\n");
        s.append("- Base model `").append(backbone.id()).append("` (").append(backbone.dim()).append("-value embedding): ")
                .append(backbone.description()).append("\n");
        s.append("- Head: ").append(head.config().hiddenUnits() > 0
                        ? "one hidden ReLU layer of " + head.config().hiddenUnits() + " units, then a linear layer"
                        : "linear").append(" on the embedding")
                .append(head.normalization() != null ? ", standardised per dimension with the collection's mean and spread" : "")
                .append(".\n");
        s.append("- Checked at export: ONNX Runtime's probabilities on check images differ from Loupe's own by at most ")
                .append(String.format(Locale.ROOT, "%.1e", checkedDifference)).append(".\n\n");

        s.append("## Limits\n\n");
        s.append("It knows only these classes and has seen only the project's images: an image of anything else still gets")
                .append(" one of them. The probabilities were calibrated on the project's own images. To keep labelling or")
                .append(" to use `loupe predict`, export the Loupe model file (.zip) as well: this file is for running the")
                .append(" model elsewhere.\n");
        return s.toString();
    }
}
