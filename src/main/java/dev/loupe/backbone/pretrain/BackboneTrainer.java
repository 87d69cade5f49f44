package dev.loupe.backbone.pretrain;

import dev.loupe.Faults;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.BackboneMetadata;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.StandInModel;

import dev.loupe.LoupeException;
import dev.loupe.importing.SkippedFile;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains a backbone of Model Zero's shape ({@link StandInModel#addBlocks}) on an ImageFolder tree, supervised:
 * a softmax head on the joined pooled features learns the folder classes, with augmentation, a stratified
 * held-out split, early stopping on held-out accuracy, and the best epoch's weights kept. The head is dropped
 * from the result, whose embedding is every block's pooled output joined, as in Model Zero.
 *
 * <p>Everything runs on the calling thread except decoding. With the same seed, data, options and ND4J build, two
 * runs give the same numbers and the same weights (measured: identical files, docs/adr/0014-train-backbone.md).
 */
public final class BackboneTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(BackboneTrainer.class);
    private static final int EVAL_BATCH = 64;
    private static final long SPLIT_SALT = 0x5EED5EEDL;
    /** The label-free task's classes: quarter turns of the image. */
    static final List<String> ROTATIONS = List.of("0°", "90°", "180°", "270°");

    /**
     * How to train.
     *
     * @param size          input side in pixels (images are squashed to size x size RGB)
     * @param widths        filters per block
     * @param epochs        most passes over the training images
     * @param batchSize     images per step
     * @param learningRate  Adam's learning rate
     * @param heldOut       fraction of each class held out to measure accuracy (0: none, every epoch kept)
     * @param patience      stop after this many epochs without a better held-out accuracy (0: never)
     * @param seed          seeds weights, split, shuffling and augmentation
     * @param threads       decoding threads
     * @param computeThreads ND4J's threads for the network while training (see {@link NativeThreads})
     * @param labelFree     learn without labels from every image below the folder: the net predicts by how many
     *                      quarter turns each augmented image was rotated (Gidaris et al. 2018), so the folders'
     *                      names are not used; "held-out accuracy" is then the rotation accuracy
     */
    public record Options(int size, int[] widths, int epochs, int batchSize, double learningRate, double heldOut,
                          int patience, long seed, int threads, int computeThreads, boolean labelFree) {
        public Options {
            if (size < 16 || epochs < 1 || batchSize < 1 || !(learningRate > 0) || !(heldOut >= 0 && heldOut < 1)
                    || patience < 0 || threads < 1 || computeThreads < 1 || widths == null || widths.length == 0
                    || Arrays.stream(widths).anyMatch(w -> w < 1)) {
                throw new IllegalArgumentException("bad training options: " + this);
            }
            widths = widths.clone();
        }

        public static Options defaults() {
            return new Options(64, StandInModel.BLOCK_WIDTHS, 10, 32, 1e-3, 0.1, 3, 1,
                    Runtime.getRuntime().availableProcessors(), 1, false);
        }

        public Options withLabelFree(boolean on) {
            return new Options(size, widths, epochs, batchSize, learningRate, heldOut, patience, seed, threads,
                    computeThreads, on);
        }

        @Override
        public int[] widths() {
            return widths.clone();
        }

        @Override
        public String toString() {
            return "size " + size + ", widths " + Arrays.toString(widths) + ", epochs " + epochs + ", batch " + batchSize
                    + ", lr " + learningRate + ", held-out " + heldOut + ", patience " + patience + ", seed " + seed
                    + ", compute threads " + computeThreads + (labelFree ? ", label-free (rotation prediction)" : "");
        }
    }

    /** One finished epoch; {@code heldOutAccuracy} is NaN without a held-out split. */
    public record Epoch(int epoch, double trainLoss, double heldOutAccuracy, double seconds, boolean best) {
    }

    /** What a run reports as it goes; called on the training thread. */
    public interface Listener {
        Listener NONE = new Listener() { };

        /** {@code done} of {@code total} image files decoded or skipped. */
        default void decoding(int done, int total) {
        }

        /** Data are ready: the class names and the split sizes. */
        default void ready(List<String> classes, int train, int heldOut, int skipped) {
        }

        /** {@code batch} of {@code batches} steps of epoch {@code epoch} done. */
        default void step(int epoch, int batch, int batches) {
        }

        default void epoch(Epoch e) {
        }
    }

    /**
     * A finished run. {@code backbone} holds the best epoch's weights without the head; the caller owns it
     * (write it with {@link #write}, then close it).
     */
    public record Result(Path dataRoot, List<String> classes, int trainImages, int heldOutImages,
                         List<SkippedFile> skipped, List<Epoch> epochs, int bestEpoch, boolean stoppedEarly,
                         double decodeSeconds, double trainSeconds, ComputationGraph backbone,
                         BackboneMetadata metadata) {

        /** Held-out accuracy of the kept epoch (NaN without a held-out split). */
        public double bestAccuracy() {
            return epochs.get(bestEpoch - 1).heldOutAccuracy();
        }
    }

    private BackboneTrainer() {
    }

    /**
     * Refuses, before any training, an output the run could not write: a folder, or a place under a file or an
     * unwritable folder. Nothing is created.
     */
    public static void checkWritable(Path out) {
        Path target = out.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new LoupeException("--out " + out + " is a folder; give a file name such as " + out.resolve("backbone.zip"));
        }
        Path dir = target.getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new LoupeException("Cannot write --out " + out + ": " + (dir == null ? "no such folder" : dir + " is not a folder") + ".");
        }
        if (!Files.isWritable(dir) || (Files.exists(target) && !Files.isWritable(target))) {
            throw new LoupeException("Cannot write --out " + out + ": permission denied.");
        }
    }

    /** Writes the trained backbone atomically (temp file, then moved into place). */
    public static void write(Result result, Path out) {
        try {
            BackboneFiles.write(out, result.backbone(), result.metadata());
        } catch (IOException e) {
            throw new LoupeException("Cannot write --out " + out + ": " + Faults.describe(e), e);
        }
    }

    /** Input of every backbone this trainer makes: Model Zero's numbers, at {@code size}, NCHW (DL4J's own layers). */
    public static Preprocessing preprocessing(int size) {
        return new Preprocessing(size, size, Preprocessing.ColorMode.RGB, Preprocessing.ResizeMode.SQUASH,
                Preprocessing.Layout.NCHW, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
    }

    /** Trains on {@code data} (ImageFolder tree); {@code name} becomes the backbone's name (its id's first part). */
    public static Result train(Path data, String name, Options o, Listener listener) {
        try (NativeThreads ignored = NativeThreads.limit(o.computeThreads())) {
            return run(data, name, o, listener);
        }
    }

    private static Result run(Path data, String name, Options o, Listener listener) {
        Preprocessing p = preprocessing(o.size());
        long t0 = System.nanoTime();
        TrainingImages images = o.labelFree()
                ? TrainingImages.loadUnlabelled(data, p, o.threads(), listener::decoding)
                : TrainingImages.load(data, p, o.threads(), listener::decoding);
        double decodeSeconds = (System.nanoTime() - t0) / 1e9;
        List<String> classNames = o.labelFree() ? ROTATIONS : images.classes();
        int classes = classNames.size();
        int[][] split = split(images.labels(), images.classes().size(), o.heldOut(), o.seed() ^ SPLIT_SALT);
        int[] train = split[0];
        int[] held = split[1];
        listener.ready(classNames, train.length, held.length, images.skipped().size());
        LOG.info("Training a backbone on {} ({} classes, {} train, {} held out, {} skipped): {}", images.root(),
                classes, train.length, held.length, images.skipped().size(), o);

        ComputationGraph net = trainingGraph(p, o.widths(), classes, o.seed(), o.learningRate());
        Augmentation aug = new Augmentation(o.size(), p);
        SplittableRandom random = new SplittableRandom(o.seed());
        int len = p.inputLength();
        List<Epoch> epochs = new ArrayList<>();
        INDArray bestParams = null;
        double bestAccuracy = Double.NEGATIVE_INFINITY;
        int bestEpoch = 0;
        boolean stoppedEarly = false;
        long trainStart = System.nanoTime();
        try {
            for (int e = 1; e <= o.epochs(); e++) {
                long e0 = System.nanoTime();
                int[] order = train.clone();
                shuffle(order, random);
                int batches = (order.length + o.batchSize() - 1) / o.batchSize();
                double lossSum = 0;
                for (int b = 0; b < batches; b++) {
                    int from = b * o.batchSize();
                    int n = Math.min(o.batchSize(), order.length - from);
                    float[] x = new float[n * len];
                    float[] y = new float[n * classes];
                    for (int i = 0; i < n; i++) {
                        int k = order[from + i];
                        aug.apply(images.pixels().get(k), x, i * len, random);
                        int label = images.labels()[k];
                        if (o.labelFree()) {
                            label = random.nextInt(ROTATIONS.size()); // after the flip: the label stays unambiguous
                            rotate(x, i * len, p.channels(), o.size(), label);
                        }
                        y[i * classes + label] = 1f;
                    }
                    net.fit(new INDArray[] {Nd4j.create(x, p.batchShape(n), 'c')},
                            new INDArray[] {Nd4j.create(y, new long[] {n, classes}, 'c')});
                    lossSum += net.score() * n;
                    listener.step(e, b + 1, batches);
                }
                double loss = lossSum / Math.max(1, order.length);
                if (!Double.isFinite(loss)) {
                    throw new LoupeException("Training diverged at epoch " + e + " (loss " + loss
                            + "); try a smaller --learning-rate.");
                }
                double accuracy = held.length == 0 ? Double.NaN
                        : accuracy(net, images, held, aug, len, p, o.labelFree());
                // Without a held-out split every epoch counts as the best so far: the last one is kept.
                boolean better = held.length == 0 || accuracy > bestAccuracy;
                if (better) {
                    bestAccuracy = accuracy;
                    bestEpoch = e;
                    bestParams = net.params().dup();
                }
                Epoch epoch = new Epoch(e, loss, accuracy, (System.nanoTime() - e0) / 1e9, better);
                epochs.add(epoch);
                listener.epoch(epoch);
                LOG.info("epoch {}: loss {} held-out accuracy {} ({} s)", e, loss, accuracy, epoch.seconds());
                if (o.patience() > 0 && held.length > 0 && e - bestEpoch >= o.patience() && e < o.epochs()) {
                    stoppedEarly = true;
                    break;
                }
            }
            net.setParams(bestParams);
            double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
            ComputationGraph backbone = withoutHead(net, p, o.widths(), o.seed());
            BackboneMetadata metadata = metadata(name, data, images, train.length, o, bestEpoch,
                    epochs.get(bestEpoch - 1).heldOutAccuracy());
            return new Result(images.root(), classNames, train.length, held.length, images.skipped(),
                    List.copyOf(epochs), bestEpoch, stoppedEarly, decodeSeconds, trainSeconds, backbone, metadata);
        } finally {
            net.close();
        }
    }

    /** The training graph: the backbone's blocks, the joined pooled features, a softmax head. */
    static ComputationGraph trainingGraph(Preprocessing p, int[] widths, int classes, long seed, double lr) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .updater(new Adam(lr))
                .graphBuilder();
        List<String> gaps = StandInModel.addBlocks(g, p, widths);
        g.addVertex("embedding", new MergeVertex(), gaps.toArray(String[]::new));
        g.addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "embedding");
        g.setOutputs("head");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    /** The trained blocks in a graph of exactly Model Zero's shape: outputs gap1..gapN, no head. */
    static ComputationGraph withoutHead(ComputationGraph trained, Preprocessing p, int[] widths, long seed) {
        ComputationGraph backbone = StandInModel.network(p, widths, seed);
        for (int b = 1; b <= widths.length; b++) {
            String conv = "conv" + b;
            for (String param : List.of("W", "b")) {
                backbone.getLayer(conv).getParam(param).assign(trained.getLayer(conv).getParam(param));
            }
        }
        return backbone;
    }

    static List<String> featureLayers(int blocks) {
        List<String> layers = new ArrayList<>();
        for (int b = 1; b <= blocks; b++) {
            layers.add("gap" + b);
        }
        return layers;
    }

    private static BackboneMetadata metadata(String name, Path data, TrainingImages images, int trainCount, Options o,
                                             int bestEpoch, double accuracy) {
        int[] w = o.widths();
        String widths = String.join("-", Arrays.stream(w).mapToObj(Integer::toString).toList());
        String how = o.labelFree()
                ? String.format(Locale.ROOT, "%d training images, no labels), label-free: it learnt to tell by how many"
                        + " quarter turns each augmented image was rotated;", trainCount)
                : String.format(Locale.ROOT, "%d training images in %d classes), supervised with augmentation;",
                        trainCount, images.classes().size());
        String description = String.format(Locale.ROOT,
                "Trained by `loupe train-backbone` on %s (%s best epoch %d%s, seed %d. %d-block conv net (%s filters,"
                        + " %dx%d RGB), all blocks' average-pooled outputs joined (%d values), Model Zero's shape.",
                folderName(data), how, bestEpoch,
                Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, " (held-out %saccuracy %.1f %%)",
                        o.labelFree() ? "rotation " : "", 100 * accuracy),
                o.seed(), w.length, widths, o.size(), o.size(), Arrays.stream(w).sum());
        return new BackboneMetadata(name, description, featureLayers(w.length), Arrays.stream(w).sum(),
                preprocessing(o.size()));
    }

    private static String folderName(Path data) {
        Path name = data.toAbsolutePath().normalize().getFileName();
        return name == null ? data.toString() : name.toString();
    }

    /**
     * Held-out accuracy, unaugmented: of the folder classes; or, {@code rotations}, of the quarter turn, each held-out
     * image shown at all four.
     */
    private static double accuracy(ComputationGraph net, TrainingImages images, int[] held, Augmentation aug, int len,
                                   Preprocessing p, boolean rotations) {
        int turns = rotations ? ROTATIONS.size() : 1;
        int perBatch = EVAL_BATCH / turns;
        int correct = 0;
        for (int from = 0; from < held.length; from += perBatch) {
            int m = Math.min(perBatch, held.length - from);
            float[] x = new float[m * turns * len];
            for (int i = 0; i < m; i++) {
                for (int r = 0; r < turns; r++) {
                    int offset = (i * turns + r) * len;
                    aug.plain(images.pixels().get(held[from + i]), x, offset);
                    rotate(x, offset, p.channels(), p.width(), r);
                }
            }
            INDArray out = net.output(false, Nd4j.create(x, p.batchShape(m * turns), 'c'))[0];
            long[] predicted = out.argMax(1).toLongVector();
            for (int j = 0; j < predicted.length; j++) {
                long expected = rotations ? j % turns : images.labels()[held[from + j]];
                if (predicted[j] == expected) {
                    correct++;
                }
            }
        }
        return (double) correct / (held.length * turns);
    }

    /**
     * Turns the planar (channel-major) square image at {@code offset} by {@code quarterTurns} × 90° counter-clockwise,
     * in place.
     */
    static void rotate(float[] x, int offset, int channels, int size, int quarterTurns) {
        int q = Math.floorMod(quarterTurns, 4);
        if (q == 0) {
            return;
        }
        float[] plane = new float[size * size];
        for (int c = 0; c < channels; c++) {
            int base = offset + c * size * size;
            System.arraycopy(x, base, plane, 0, plane.length);
            for (int row = 0; row < size; row++) {
                for (int col = 0; col < size; col++) {
                    int sr, sc; // the source pixel that lands at (row, col)
                    switch (q) {
                        case 1 -> { sr = col; sc = size - 1 - row; }
                        case 2 -> { sr = size - 1 - row; sc = size - 1 - col; }
                        default -> { sr = size - 1 - col; sc = row; }
                    }
                    x[base + row * size + col] = plane[sr * size + sc];
                }
            }
        }
    }

    /**
     * Stratified split: per class, a shuffled {@code fraction} (rounded; at least one when the class has two or more
     * images and the fraction is above 0, never all of them) is held out. Returns {train, heldOut} indices, sorted.
     */
    static int[][] split(int[] labels, int classes, double fraction, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> held = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Integer> of = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    of.add(i);
                }
            }
            int[] idx = of.stream().mapToInt(Integer::intValue).toArray();
            shuffle(idx, r);
            int hold = (int) Math.round(fraction * idx.length);
            if (fraction > 0 && idx.length > 1) {
                hold = Math.max(1, Math.min(idx.length - 1, hold));
            } else if (idx.length <= 1) {
                hold = 0;
            }
            for (int i = 0; i < idx.length; i++) {
                (i < hold ? held : train).add(idx[i]);
            }
        }
        return new int[][] {train.stream().mapToInt(Integer::intValue).sorted().toArray(),
                held.stream().mapToInt(Integer::intValue).sorted().toArray()};
    }

    private static void shuffle(int[] a, SplittableRandom r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
