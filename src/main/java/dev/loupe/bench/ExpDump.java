package dev.loupe.bench;

import dev.loupe.training.Head;
import dev.loupe.training.HeadState;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** TEMPORARY (issue 13 experiments): dumps raw logits for offline calibration experiments. */
final class ExpDump implements AutoCloseable {
    static final String DIR = System.getProperty("loupe.bench.dump");
    private final DataOutputStream preq;
    private final Path dir;

    ExpDump(String strategy, long seed, int[] truth, int[] testY) {
        try {
            dir = Path.of(DIR, strategy + "-" + seed);
            Files.createDirectories(dir);
            preq = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(dir.resolve("preq.bin").toFile())));
            ints(dir.resolve("truth.bin"), truth);
            ints(dir.resolve("testy.bin"), testY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean on() { return DIR != null; }

    private static void ints(Path p, int[] a) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(p.toFile())))) {
            o.writeInt(a.length);
            for (int v : a) o.writeInt(v);
        }
    }

    private static void floats(DataOutputStream o, float[][] m) throws IOException {
        o.writeInt(m.length);
        o.writeInt(m.length == 0 ? 0 : m[0].length);
        for (float[] r : m) for (float v : r) o.writeFloat(v);
    }

    void prequential(HeadState s, INDArray x, int row, int label, int labelsBefore) {
        try {
            Head h = Head.fromState(s);
            float[][] z = h.logits(x.getRow(row, true));
            preq.writeInt(labelsBefore);
            preq.writeInt(h.activeCount());
            preq.writeInt(row);
            preq.writeInt(label);
            preq.writeFloat((float) s.temperature());
            preq.writeInt(z[0].length);
            for (float v : z[0]) preq.writeFloat(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void budget(int labels, HeadState s, INDArray poolX, INDArray testX, int[] labelOf) {
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(
                dir.resolve("budget-" + labels + ".bin").toFile())))) {
            Head h = Head.fromState(s);
            o.writeFloat((float) s.temperature());
            o.writeInt(labelOf.length);
            for (int v : labelOf) o.writeInt(v);
            floats(o, h.logits(poolX));
            floats(o, h.logits(testX));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            preq.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
