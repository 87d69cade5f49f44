package dev.loupe.export;

import dev.loupe.importing.ImageDecoder;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.HeadState;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Shared pieces for export tests: Model Zero, images decoded as predict decodes them, a small trained head. */
public final class ExportFixtures {

    private ExportFixtures() {
    }

    public static Path modelZeroFile() throws Exception {
        return BackboneLoader.locateModelZero();
    }

    public static Backbone modelZero() throws Exception {
        return BackboneLoader.load(BackboneLoader.MODEL_ZERO);
    }

    /** Decodes like {@code loupe predict}: at twice the backbone's input size. */
    public static List<BufferedImage> decode(Backbone backbone, List<Path> files) throws Exception {
        int side = 2 * Math.max(backbone.preprocessing().width(), backbone.preprocessing().height());
        ImageDecoder decoder = new ImageDecoder();
        List<BufferedImage> out = new ArrayList<>();
        for (Path f : files) {
            out.add(decoder.decode(f, side).image());
        }
        return out;
    }

    /**
     * A linear head of {@code classCount} columns trained a few steps on {@code x} with labels {@code y};
     * only classes that occur in {@code y} are activated.
     */
    public static HeadState trainedHead(float[][] x, int[] y, int classCount) {
        int dim = x[0].length;
        Head h = Head.create(HeadConfig.linear(dim, 7), classCount);
        INDArray all = Nd4j.createFromArray(x);
        INDArray mean = all.mean(0).reshape(1, dim);
        for (int c = 0; c < classCount; c++) {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < y.length; i++) {
                if (y[i] == c) {
                    rows.add(i);
                }
            }
            if (!rows.isEmpty()) {
                h.activateClass(c, all.getRows(rows.stream().mapToInt(Integer::intValue).toArray()), mean);
            }
        }
        INDArray oneHot = Nd4j.zeros(y.length, classCount);
        for (int i = 0; i < y.length; i++) {
            oneHot.putScalar(i, y[i], 1f);
        }
        for (int s = 0; s < 20; s++) {
            h.fit(all, oneHot);
        }
        return h.state();
    }

    /** Probabilities of the head on embeddings, computed directly. */
    public static float[][] directProbabilities(HeadState state, float[][] x) {
        return Head.fromState(state).predict(Nd4j.createFromArray(x)).toFloatMatrix();
    }

    public static int argmax(float[] p) {
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        return best;
    }
}
