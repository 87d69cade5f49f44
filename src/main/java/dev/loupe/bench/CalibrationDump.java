package dev.loupe.bench;

import dev.loupe.training.Calibration;
import dev.loupe.training.Head;
import dev.loupe.training.HeadState;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Diagnostic only ({@code -Dloupe.simulate.dump=DIR}): what a simulation run saw, for offline calibration studies —
 * the pool and test embeddings, the labelling order, and at each budget the test split's raw logits and the kept
 * prequential predictions. Big-endian floats and ints (Java's DataOutputStream).
 */
final class CalibrationDump {
    private final Path dir;
    private final List<int[]> labelled = new ArrayList<>();

    private CalibrationDump(Path dir) {
        this.dir = dir;
    }

    static CalibrationDump open(String strategy, long seed, INDArray pool, int[] poolY, INDArray test, int[] testY) {
        String root = System.getProperty("loupe.simulate.dump");
        if (root == null) return null;
        try {
            Path dir = Path.of(root, strategy + "-" + seed);
            Files.createDirectories(dir);
            CalibrationDump d = new CalibrationDump(dir);
            d.matrix("pool", pool, poolY);
            d.matrix("test", test, testY);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void labelled(int row, int y) {
        labelled.add(new int[] {row, y});
    }

    void budget(int budget, HeadState state, INDArray test) {
        try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(dir.resolve("b" + budget + ".bin"))))) {
            o.writeInt(labelled.size());
            for (int[] l : labelled) { o.writeInt(l[0]); o.writeInt(l[1]); }
            o.writeDouble(state.temperature());
            o.writeDouble(state.unseenShare());
            int c = state.classCount();
            o.writeInt(c);
            for (int k = 0; k < c; k++) o.writeBoolean(state.isActive(k));
            float[][] z = Head.fromState(state).logits(test);
            o.writeInt(z.length);
            for (float[] row : z) for (float v : row) o.writeFloat(v);
            Calibration.Records r = state.calibrationRecords();
            o.writeInt(r.size());
            for (int i = 0; i < r.size(); i++) {
                o.writeInt(r.labelsBefore(i));
                o.writeInt(r.activeClasses(i));
                o.writeInt(r.label(i));
                o.writeFloat(r.weight(i));
                float[] zi = r.logits(i);
                o.writeInt(zi.length);
                for (float v : zi) o.writeFloat(v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void matrix(String name, INDArray x, int[] y) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(dir.resolve(name + ".bin"))))) {
            int n = (int) x.rows(), d = (int) x.columns();
            o.writeInt(n);
            o.writeInt(d);
            float[] flat = x.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
            for (float v : flat) o.writeFloat(v);
            for (int v : y) o.writeInt(v);
        }
    }
}
