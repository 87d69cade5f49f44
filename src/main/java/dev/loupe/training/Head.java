package dev.loupe.training;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The trainable classifier on frozen embeddings: D → [hidden] → C softmax, a DL4J network trained with Adam.
 *
 * <p>Classes without a labelled example are masked: their output column has W = 0 and bias
 * {@link #MASK_BIAS}, so their probability is exactly 0 in float and they add nothing to any softmax sum —
 * adding a class changes no probability at all. Their gradient is (almost) zero, so they do not disturb
 * training either; a column is initialised from its examples when it gets its first one.
 *
 * <p>Not thread-safe: once {@link #bindWriter(Thread)} is called, every call that touches the network
 * must come from that thread (the trainer's), and a call from any other thread fails.
 */
public final class Head {
    /** Bias of a masked class: exp(-1e9 - max) underflows to exactly 0 in float. */
    static final float MASK_BIAS = -1e9f;

    private final HeadConfig config;
    private MultiLayerNetwork net;
    private int classCount;
    private boolean[] active;
    private volatile Thread writer;
    private INDArray hiddenScratch; // N×H buffer reused by predictInto for a hidden-layer head
    private InputNormalization normalization; // null: embeddings go in as they are
    private INDArray normMean;  // 1×D
    private INDArray normScale; // 1×D, 1/std
    private INDArray foldW;     // first layer's W with the normalisation folded in (predictInto)
    private INDArray foldB;
    private final Scratch normScratch = new Scratch(8);

    private Head(HeadConfig config, MultiLayerNetwork net, int classCount, boolean[] active) {
        this.config = config;
        this.net = net;
        this.classCount = classCount;
        this.active = active;
    }

    /** A fresh head with {@code classCount} classes, all masked until they get examples. */
    public static Head create(HeadConfig config, int classCount) {
        if (classCount < 1) throw new IllegalArgumentException("a head needs at least one class");
        Head h = new Head(config, buildNet(config, classCount), classCount, new boolean[classCount]);
        float[] p = h.paramsArray();
        for (int c = 0; c < classCount; c++) h.maskColumn(p, c);
        h.setParamsArray(p);
        return h;
    }

    private static MultiLayerNetwork buildNet(HeadConfig cfg, int classCount) {
        NeuralNetConfiguration.ListBuilder lb = new NeuralNetConfiguration.Builder()
                .seed(cfg.seed())
                .dataType(DataType.FLOAT)
                .updater(new Adam(cfg.learningRate()))
                .weightInit(WeightInit.XAVIER)
                .l2(cfg.l2())
                .list();
        int in = cfg.inputDim();
        if (cfg.hiddenUnits() > 0) {
            lb.layer(new DenseLayer.Builder().nIn(in).nOut(cfg.hiddenUnits()).activation(Activation.RELU).build());
            in = cfg.hiddenUnits();
        }
        lb.layer(new OutputLayer.Builder().lossFunction(new LossMCXENT())
                .nIn(in).nOut(classCount).activation(Activation.SOFTMAX).build());
        // A project's first class is a one-column softmax (probability 1 once active) until the second arrives;
        // DL4J refuses that shape by default.
        lb.validateOutputLayerConfig(false);
        MultiLayerConfiguration conf = lb.build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        n.getUpdater(true); // create the Adam state now so state() always has one
        return n;
    }

    // ---- ownership -------------------------------------------------------------------------------------

    /** From now on only {@code thread} may touch this head. */
    void bindWriter(Thread thread) { this.writer = thread; }

    private void checkWriter() {
        Thread w = writer;
        if (w != null && Thread.currentThread() != w) {
            throw new IllegalStateException("Head is owned by thread '" + w.getName() + "' but was used from '"
                    + Thread.currentThread().getName() + "'");
        }
    }

    // ---- shape -----------------------------------------------------------------------------------------

    public HeadConfig config() { return config; }
    public int inputDim() { return config.inputDim(); }
    public int classCount() { return classCount; }
    public boolean isActive(int c) { return active[c]; }

    public int activeCount() {
        int n = 0;
        for (boolean a : active) if (a) n++;
        return n;
    }

    private int featureDim() { return config.hiddenUnits() > 0 ? config.hiddenUnits() : config.inputDim(); }
    private long outWOffset() {
        return config.hiddenUnits() > 0 ? (long) config.inputDim() * config.hiddenUnits() + config.hiddenUnits() : 0;
    }
    private long outBOffset() { return outWOffset() + (long) featureDim() * classCount; }
    private int outLayer() { return net.getnLayers() - 1; }

    // ---- training --------------------------------------------------------------------------------------

    /** One Adam step on a minibatch (features B×D, one-hot labels B×C). */
    public void fit(INDArray features, INDArray oneHot) {
        checkWriter();
        INDArray x = normalizedBatch(features);
        if (config.hiddenUnits() == 0) {
            fitLinear(x, oneHot);
        } else {
            net.fit(new DataSet(x, oneHot));
        }
    }

    // ---- input normalisation ---------------------------------------------------------------------------

    /** The standardisation applied to embeddings before this head, or null for none. */
    public InputNormalization normalization() { return normalization; }

    /** Whether the head has never taken a step or activated a class (its normalisation may still be chosen). */
    public boolean untrained() { return net.getIterationCount() == 0 && activeCount() == 0; }

    /**
     * Standardises every input from now on. Only before the first step: the weights of a trained head mean
     * something only on the inputs it was trained on.
     */
    public void setInputNormalization(InputNormalization n) {
        checkWriter();
        if (!untrained()) throw new IllegalStateException("a trained head keeps the input normalisation it was trained with");
        applyNormalization(n);
    }

    private void applyNormalization(InputNormalization n) {
        if (n != null && n.dim() != config.inputDim()) {
            throw new IllegalArgumentException("normalisation for " + n.dim() + " inputs, head has " + config.inputDim());
        }
        normalization = n;
        normScratch.clear();
        normMean = n == null ? null : Nd4j.createFromArray(n.mean()).reshape(1, n.dim());
        normScale = n == null ? null : Nd4j.createFromArray(n.scale()).reshape(1, n.dim());
    }

    /** The minibatch standardised into a reused buffer (the caller's array is left alone); itself without one. */
    private INDArray normalizedBatch(INDArray x) {
        if (normalization == null) return x;
        INDArray s = normScratch.get(x.rows(), x.columns());
        s.assign(x);
        return s.subiRowVector(normMean).muliRowVector(normScale);
    }

    /** A standardised copy (for the rare callers outside the step, e.g. class activation). */
    private INDArray normalizedCopy(INDArray x) {
        if (normalization == null) return x;
        return x.castTo(DataType.FLOAT).dup('c').subiRowVector(normMean).muliRowVector(normScale);
    }

    /**
     * The first layer's W and b with the normalisation folded in, so that scoring a whole collection needs no
     * standardised copy of it: x'W + b = x (diag(scale) W) + (b − mean · diag(scale) W). Recomputed per call (D×H or
     * D×C values: nothing next to scoring the rows), into reused buffers.
     */
    private INDArray[] foldedFirstLayer() {
        INDArray w = net.getLayer(0).getParam("W");
        INDArray b = net.getLayer(0).getParam("b");
        if (normalization == null) return new INDArray[] {w, b};
        if (foldW == null || !java.util.Arrays.equals(foldW.shape(), w.shape())) {
            foldW = Nd4j.create(DataType.FLOAT, w.shape(), 'c');
            foldB = Nd4j.create(DataType.FLOAT, new long[] {1, w.columns()}, 'c');
        }
        foldW.assign(w).muliColumnVector(normScale.reshape(normScale.length(), 1));
        Nd4j.gemm(normMean, foldW, foldB, false, false, -1.0, 0.0); // foldW already carries the scale
        foldB.addi(b.reshape(1, w.columns()));
        return new INDArray[] {foldW, foldB};
    }

    /** The same step through DL4J's own {@code MultiLayerNetwork.fit} (the reference the hand-written step is tested against). */
    void fitWithDl4j(INDArray features, INDArray oneHot) {
        checkWriter();
        net.fit(new DataSet(normalizedBatch(features), oneHot));
    }

    /**
     * DL4J's Adam step for a linear softmax head, written out: gradient (x^T(p − y)/B + l2·W, Σ(p − y)/B) into a
     * reused flat buffer laid out like the parameters, then DL4J's own Adam op on the network's updater state. It
     * computes what {@code net.fit} computes (see HeadTest) in about ten native calls instead of DL4J's generic
     * training machinery (listeners, workspaces, score), which cost ~2.5 ms per tiny minibatch.
     */
    private void fitLinear(INDArray features, INDArray oneHot) {
        bindLinearStep();
        double l2 = Double.isNaN(this.l2) ? config.l2() : this.l2;
        INDArray x = features.dataType() == DataType.FLOAT ? features : features.castTo(DataType.FLOAT);
        INDArray y = oneHot.dataType() == DataType.FLOAT ? oneHot : oneHot.castTo(DataType.FLOAT);
        int b = (int) x.rows();
        org.deeplearning4j.nn.api.Layer layer = net.getLayer(0);
        INDArray w = layer.getParam("W");
        INDArray z = logitScratch.get(b, classCount);
        Nd4j.gemm(x, w, z, false, false, 1.0, 0.0);
        z.addiRowVector(layer.getParam("b"));
        Nd4j.exec(new SoftMax(z, z, -1));
        z.subi(y); // dL/dz of softmax + cross-entropy, per example
        Nd4j.gemm(x, z, stepGradW, true, false, 1.0 / b, 0.0);
        if (l2 > 0) Nd4j.getBlasWrapper().level1().axpy(w.length(), l2, w, stepGradW);
        z.sum(stepGradB, true, 0);
        stepGradB.divi(b);
        if (anchorW != null) {
            // Text columns are also pulled towards where their text put them (L2-SP, Li et al. 2018); not the bias.
            anchorScratch.assign(w).subi(anchorW).muliRowVector(anchorMask);
            Nd4j.getBlasWrapper().level1().axpy(w.length(), anchorStrength, anchorScratch, stepGradW);
        }
        int iteration = net.getIterationCount();
        stepAdam.applyUpdater(stepGrad, iteration, net.getEpochCount());
        net.params().subi(stepGrad);
        net.setIterationCount(iteration + 1);
    }

    private double l2 = Double.NaN; // the linear step's L2 coefficient; NaN: the configuration's
    private double anchorStrength; // the pull of text columns towards their text (see setTextAnchors)
    private INDArray anchorW;       // F×C ('f'), the text columns' start; 0 elsewhere; null: no pull
    private INDArray anchorMask;    // C: 1 for a text column
    private INDArray anchorScratch;
    private double learningRateScale = 1.0; // the linear step's Adam rate, relative to the configuration's
    private double temperature = 1.0; // scoring divides the logits by it (Calibration); training does not
    private double temperatureLogSd; // how well the fit pinned log T down (for the accuracy estimate's band)
    private double unseenShare; // scoring multiplies the probabilities by 1 - it (Calibration)
    private double uniformShare; // scoring spreads this part evenly over the active classes (Calibration)
    private Calibration.Records records = Calibration.Records.EMPTY;
    private EstimateHistory history = EstimateHistory.EMPTY;

    /**
     * Scales the linear head's Adam learning rate (1 = the configuration's): the trainer lowers it as labels grow,
     * and a batch retrain anneals it towards 0 in its last epochs so that minibatch noise settles. A head with a
     * hidden layer trains through DL4J's own {@code fit} at its configured rate.
     */
    public void setLearningRateScale(double scale) {
        checkWriter();
        if (!(scale > 0) || !Double.isFinite(scale)) throw new IllegalArgumentException("learning-rate scale must be > 0: " + scale);
        learningRateScale = scale;
        if (stepAdam != null) ((Adam) stepAdam.getConfig()).setLearningRate(config.learningRate() * scale);
    }

    /**
     * Divides the logits by {@code t} before the softmax when scoring ({@link #predictInto}), so the shown
     * probabilities are calibrated (see {@link Calibration}); training steps are unaffected, and so is every row's
     * predicted class. Part of the head's state.
     */
    public void setTemperature(double t) {
        checkWriter();
        if (!(t > 0) || Double.isInfinite(t)) throw new IllegalArgumentException("temperature must be positive: " + t);
        temperature = t;
    }

    public double temperature() { return temperature; }

    /** The fitted temperature with its uncertainty (see {@link Calibration#fit}). */
    public void setTemperature(double t, double logSd) {
        setTemperature(t);
        if (!(logSd >= 0) || Double.isInfinite(logSd)) throw new IllegalArgumentException("bad spread of log T: " + logSd);
        temperatureLogSd = logSd;
    }

    public double temperatureLogSd() { return temperatureLogSd; }

    /**
     * Multiplies every scored probability by {@code 1 − share}: the share of images expected to belong to classes
     * without an example (see {@link Calibration#unseenShare}). No predicted class changes. Part of the head's state.
     */
    public void setUnseenShare(double share) {
        checkWriter();
        if (!(share >= 0 && share < 1)) throw new IllegalArgumentException("unseen share must be in [0, 1): " + share);
        unseenShare = share;
    }

    public double unseenShare() { return unseenShare; }

    /**
     * Spreads {@code share} of every scored distribution evenly over the classes with examples:
     * {@code (1 − share) · softmax(logits / T) + share / K}, fitted with the temperature (see {@link Calibration#fit}).
     * No predicted class changes, nor the order of top probabilities. Part of the head's state.
     */
    public void setUniformShare(double share) {
        checkWriter();
        if (!(share >= 0 && share < 1)) throw new IllegalArgumentException("uniform share must be in [0, 1): " + share);
        uniformShare = share;
    }

    public double uniformShare() { return uniformShare; }

    /** The prequential predictions kept with this head (see {@link Calibration}). */
    public Calibration.Records calibrationRecords() { return records; }

    public void setCalibrationRecords(Calibration.Records r) {
        checkWriter();
        records = java.util.Objects.requireNonNull(r);
    }

    /** The estimated accuracy at each label count so far (kept with the head's state). */
    public EstimateHistory estimateHistory() { return history; }

    public void setEstimateHistory(EstimateHistory h) {
        checkWriter();
        history = java.util.Objects.requireNonNull(h);
    }

    /**
     * The L2 coefficient of the following steps of a linear head (the trainer lowers it as labels grow, see
     * {@link StepPolicy#l2}); a hidden-layer head keeps its configuration's. Not part of the head's state.
     */
    public void setL2(double coefficient) {
        checkWriter();
        if (!(coefficient >= 0)) throw new IllegalArgumentException("L2 must be >= 0: " + coefficient);
        this.l2 = coefficient;
    }

    /** Reused b×C logit buffers, one per minibatch size (a step allocates no native memory). */
    private final Scratch logitScratch = new Scratch(8);
    private MultiLayerNetwork stepNet;
    private INDArray stepGrad;
    private INDArray stepGradW;
    private INDArray stepGradB;
    private org.nd4j.linalg.learning.AdamUpdater stepAdam;

    /** (Re)binds the step's gradient buffer and Adam to the current network (a new one after widen/restore). */
    private void bindLinearStep() {
        if (stepNet == net && stepAdam != null) return;
        stepGrad = Nd4j.create(DataType.FLOAT, net.params().shape(), 'c');
        java.util.Map<String, INDArray> views = org.deeplearning4j.nn.params.DefaultParamInitializer.getInstance()
                .getGradientsFromFlattened(net.getLayer(0).conf(), stepGrad);
        stepGradW = views.get("W");
        stepGradB = views.get("b");
        stepAdam = new org.nd4j.linalg.learning.AdamUpdater(new Adam(config.learningRate() * learningRateScale));
        stepAdam.setStateViewArray(net.getUpdater().getStateViewArray(), stepGrad.shape(), 'f', false);
        stepNet = net;
    }

    /** True when every parameter and Adam moment is finite. */
    public boolean isFinite() {
        checkWriter();
        return finite(net.params()) && finite(net.getUpdater().getStateViewArray());
    }

    /** Reads the floats in place (no reduction op, no result array). */
    private static boolean finite(INDArray a) {
        java.nio.FloatBuffer f = a.data().asNioFloat();
        long off = a.offset();
        for (long i = 0, n = a.length(); i < n; i++) {
            if (!Float.isFinite(f.get((int) (off + i)))) return false;
        }
        return true;
    }

    // ---- scoring ---------------------------------------------------------------------------------------

    /**
     * Class probabilities of every row of {@code x} (N×D) written into {@code out} (N×C, float, 'c' order),
     * without allocating N-sized arrays (except, once, the hidden buffer of a hidden-layer head).
     * Masked classes get probability exactly 0; with no active class every probability is 0. The probabilities are
     * calibrated: {@code (1 − unseenShare) · softmax(logits / temperature)}, so a row sums to {@code 1 − unseenShare}
     * (the rest is the chance that the image belongs to a class without an example).
     */
    public void predictInto(INDArray x, INDArray out) {
        checkWriter();
        if (out.rows() != x.rows() || out.columns() != classCount || out.ordering() != 'c') {
            throw new IllegalArgumentException("out must be " + x.rows() + "x" + classCount + " 'c' order");
        }
        if (activeCount() == 0) {
            out.assign(0);
            return;
        }
        if (temperatureLogSd > 0) {
            INDArray raw = rawScratch.get(out.rows(), out.columns());
            logitsInto(x, raw, 1.0, true);
            calibratedSoftmax(raw, out);
        } else {
            logitsInto(x, out, 1.0 / temperature, true);
            Nd4j.exec(new SoftMax(out, out, -1));
        }
        spreadUniform(out);
        if (unseenShare > 0) out.muli(1 - unseenShare);
    }

    /** Gauss–Hermite nodes (in standard deviations of log T) and weights: three points, exact to fifth order. */
    public static final double[] T_NODES = {-Math.sqrt(1.5), 0, Math.sqrt(1.5)};
    public static final double[] T_NODE_WEIGHTS = {1 / 6.0, 2 / 3.0, 1 / 6.0};

    /**
     * The softmax of {@code raw} logits averaged over what the kept predictions say of the temperature — log T normal
     * around log {@link #temperature} with sd {@link #temperatureLogSd} — into {@code out} ({@code raw} unchanged):
     * the posterior predictive, not the plug-in, so an uncertain temperature does not make every number as sure as
     * its mode (docs/adr/0022-calibration-from-the-first-labels.md, issue 13c).
     */
    private void calibratedSoftmax(INDArray raw, INDArray out) {
        INDArray tmp = softmaxScratch.get(raw.rows(), raw.columns());
        out.assign(0);
        for (int k = 0; k < T_NODES.length; k++) {
            tmp.assign(raw).muli(1.0 / (temperature * Math.exp(T_NODES[k] * temperatureLogSd)));
            Nd4j.exec(new SoftMax(tmp, tmp, -1));
            out.addi(tmp.muli(T_NODE_WEIGHTS[k]));
        }
    }

    /** {@code (1 − ε) · p + ε / K} on the K active classes (masked ones stay exactly 0). */
    private void spreadUniform(INDArray p) {
        if (uniformShare <= 0) return;
        float[] even = new float[classCount];
        float each = (float) (uniformShare / activeCount());
        for (int c = 0; c < classCount; c++) if (active[c]) even[c] = each;
        INDArray row = Nd4j.create(even, new long[] {1, classCount}, 'c');
        p.muli(1 - uniformShare).addiRowVector(row);
        row.close(); // freed now, not when a collection finds it (every scored chunk makes one)
    }

    /**
     * Reused rows×C buffers of the calibrated scoring (the raw logits, one temperature's softmax): scoring runs in
     * chunks of a few fixed sizes, and a buffer per chunk left native memory for the garbage collector to free
     * (docs/adr/0037-resident-size-while-labelling.md).
     */
    private final Scratch rawScratch = new Scratch(4);
    private final Scratch softmaxScratch = new Scratch(4);

    /**
     * {@link #predictInto} into {@code out}, and into {@code ranked} the same probabilities without the temperature
     * (the head's own softmax, times one minus the unseen share): what the queue ranks by
     * (docs/adr/0022-calibration-from-the-first-labels.md). With T = 1 both are the same; {@code ranked} null skips it.
     */
    public void predictInto(INDArray x, INDArray out, INDArray ranked) {
        if (ranked == null || (temperature == 1.0 && temperatureLogSd == 0 && uniformShare == 0) || activeCount() == 0) {
            predictInto(x, out);
            if (ranked != null) ranked.assign(out);
            return;
        }
        checkWriter();
        if (ranked.rows() != x.rows() || ranked.columns() != classCount || ranked.ordering() != 'c'
                || out.rows() != x.rows() || out.columns() != classCount || out.ordering() != 'c') {
            throw new IllegalArgumentException("out and ranked must be " + x.rows() + "x" + classCount + " 'c' order");
        }
        logitsInto(x, ranked, 1.0, true);
        if (temperatureLogSd > 0) {
            calibratedSoftmax(ranked, out);
        } else {
            out.assign(ranked).muli(1.0 / temperature);
            Nd4j.exec(new SoftMax(out, out, -1));
        }
        Nd4j.exec(new SoftMax(ranked, ranked, -1));
        spreadUniform(out);
        if (unseenShare > 0) {
            out.muli(1 - unseenShare);
            ranked.muli(1 - unseenShare);
        }
    }

    /** Raw logits (no temperature, no softmax) of a few rows, e.g. the prediction a label is about to correct. */
    public float[][] logits(INDArray x) {
        checkWriter();
        INDArray out = Nd4j.create(DataType.FLOAT, new long[] {x.rows(), classCount}, 'c');
        logitsInto(x.castTo(DataType.FLOAT), out, 1.0, false);
        float[] flat = out.data().asFloat(); // one copy: toFloatMatrix() goes row by row through native calls
        out.close();
        float[][] rows = new float[(int) x.rows()][];
        for (int i = 0; i < rows.length; i++) rows[i] = java.util.Arrays.copyOfRange(flat, i * classCount, (i + 1) * classCount);
        return rows;
    }

    /**
     * {@code scale} × logits of every row of {@code x} into {@code out}. For a linear head the scale rides on the
     * GEMM's alpha (and the bias), not on an extra pass over N×C values. {@code reuseHidden}: keep the N×H buffer
     * of a hidden-layer head for the next call of the same size (scoring), rather than a temporary one.
     */
    private void logitsInto(INDArray x, INDArray out, double scale, boolean reuseHidden) {
        INDArray[] first = foldedFirstLayer();
        if (config.hiddenUnits() > 0) {
            INDArray h;
            if (reuseHidden) {
                if (hiddenScratch == null || hiddenScratch.rows() != x.rows()) {
                    hiddenScratch = Nd4j.create(DataType.FLOAT, new long[] {x.rows(), config.hiddenUnits()}, 'c');
                }
                h = hiddenScratch;
            } else {
                h = Nd4j.create(DataType.FLOAT, new long[] {x.rows(), config.hiddenUnits()}, 'c');
            }
            Nd4j.gemm(x, first[0], h, false, false, 1.0, 0.0);
            h.addiRowVector(first[1]);
            Transforms.relu(h, false);
            Nd4j.gemm(h, net.getLayer(outLayer()).getParam("W"), out, false, false, 1.0, 0.0);
            out.addiRowVector(net.getLayer(outLayer()).getParam("b"));
            if (scale != 1.0) out.muli(scale);
        } else {
            Nd4j.gemm(x, first[0], out, false, false, scale, 0.0);
            if (scale == 1.0) {
                out.addiRowVector(first[1]);
            } else {
                INDArray b = first[1].mul(scale);
                out.addiRowVector(b);
                b.close();
            }
        }
    }

    /** Convenience: probabilities as a new N×C array. */
    public INDArray predict(INDArray x) {
        INDArray out = Nd4j.create(DataType.FLOAT, new long[] {x.rows(), classCount}, 'c');
        predictInto(x, out);
        return out;
    }

    /** Features seen by the output layer (the embedding itself for a linear head). */
    private INDArray penultimate(INDArray x) {
        if (config.hiddenUnits() == 0) return x;
        INDArray h = x.mmul(net.getLayer(0).getParam("W")).addiRowVector(net.getLayer(0).getParam("b"));
        return Transforms.relu(h, false);
    }

    // ---- classes ---------------------------------------------------------------------------------------

    /** Adds masked classes up to {@code newClassCount}; every old weight, bias and Adam moment is kept exactly. */
    public void widen(int newClassCount) {
        checkWriter();
        if (newClassCount < classCount) throw new IllegalArgumentException("cannot narrow a head");
        if (newClassCount == classCount) return;
        float[] oldP = paramsArray();
        float[] oldU = updaterArray();
        int it = net.getIterationCount();
        int ep = net.getEpochCount();
        int oldC = classCount;
        long pOld = oldP.length;
        MultiLayerNetwork wider = buildNet(config, newClassCount);
        net = wider;
        classCount = newClassCount;
        boolean[] act = new boolean[newClassCount];
        System.arraycopy(active, 0, act, 0, oldC);
        active = act;
        float[] newP = paramsArray();
        long pNew = newP.length;
        copyWidened(oldP, 0, newP, 0, oldC);
        for (int c = oldC; c < newClassCount; c++) maskColumn(newP, c);
        float[] newU = new float[(int) (2 * pNew)];
        copyWidened(oldU, 0, newU, 0, oldC);                 // Adam first moments
        copyWidened(oldU, (int) pOld, newU, (int) pNew, oldC); // Adam second moments
        setParamsArray(newP);
        setUpdaterArray(newU);
        net.setIterationCount(it);
        net.setEpochCount(ep);
        records = records.widened(newClassCount);
    }

    /** Copies a flat vector laid out like the old params (C = oldC) into the new layout; new columns stay 0. */
    private void copyWidened(float[] src, int srcBase, float[] dst, int dstBase, int oldC) {
        int wOff = (int) outWOffset();
        int f = featureDim();
        System.arraycopy(src, srcBase, dst, dstBase, wOff);                          // hidden layer, unchanged
        System.arraycopy(src, srcBase + wOff, dst, dstBase + wOff, f * oldC);        // W is 'f' order: columns contiguous
        System.arraycopy(src, srcBase + wOff + f * oldC, dst, dstBase + (int) outBOffset(), oldC); // bias
    }

    private void maskColumn(float[] p, int c) {
        int f = featureDim();
        int w = (int) outWOffset() + c * f;
        java.util.Arrays.fill(p, w, w + f, 0f);
        p[(int) outBOffset() + c] = MASK_BIAS;
    }

    /**
     * Unmasks class {@code c} and initialises its column from its examples: direction of (class mean − reference
     * mean) in the output layer's input space, scaled to the mean norm of the other active columns, bias chosen so
     * that at the reference point its logit equals the mean of the other classes' logits. Its Adam moments restart.
     *
     * @param examples  k×D embeddings labelled {@code c}
     * @param reference 1×D reference point, e.g. the mean embedding of the collection
     */
    public void activateClass(int c, INDArray examples, INDArray reference) {
        checkWriter();
        if (active[c]) return;
        exampleColumn(c, examples, reference, false);
    }

    /**
     * Adds to class {@code c}'s column the column {@link #activateClass} would give it, so that its logit becomes its
     * text logit plus its examples' (a class that started from its text and just got its first examples).
     */
    public void addExampleColumn(int c, INDArray examples, INDArray reference) {
        checkWriter();
        exampleColumn(c, examples, reference, true);
    }

    private void exampleColumn(int c, INDArray examples, INDArray reference, boolean add) {
        float[] fc = penultimate(normalizedCopy(examples)).mean(0).toFloatVector();
        float[] fg = penultimate(normalizedCopy(reference.reshape(1, reference.length()))).toFloatVector();
        int f = featureDim();
        float[] p = paramsArray();
        int wOff = (int) outWOffset();
        int bOff = (int) outBOffset();
        double[] d = new double[f];
        double dn = 0, cn = 0;
        for (int i = 0; i < f; i++) {
            d[i] = fc[i] - fg[i];
            dn += d[i] * d[i];
            cn += (double) fc[i] * fc[i];
        }
        if (dn <= 1e-12 * Math.max(cn, 1e-12)) { // the example sits on the reference: use its own direction
            for (int i = 0; i < f; i++) d[i] = fc[i];
            dn = cn;
        }
        dn = Math.sqrt(Math.max(dn, 1e-24));
        double normSum = 0, logitSum = 0;
        int others = 0;
        for (int j = 0; j < classCount; j++) {
            if (!active[j] || j == c) continue;
            double n2 = 0, dot = 0;
            for (int i = 0; i < f; i++) {
                float w = p[wOff + j * f + i];
                n2 += (double) w * w;
                dot += (double) w * fg[i];
            }
            normSum += Math.sqrt(n2);
            logitSum += dot + p[bOff + j];
            others++;
        }
        double scale = others > 0 ? normSum / others : 2.0 / dn; // lone class: logit gap of ~2 at its example
        double dotRef = 0;
        for (int i = 0; i < f; i++) {
            float w = (float) (d[i] / dn * scale);
            p[wOff + c * f + i] = add ? p[wOff + c * f + i] + w : w;
            dotRef += (double) w * fg[i];
        }
        float b = (float) ((others > 0 ? logitSum / others : 0.0) - dotRef);
        p[bOff + c] = add ? p[bOff + c] + (float) -dotRef : b;
        setParamsArray(p);
        resetMoments(c);
        active[c] = true;
    }

    /**
     * Unmasks class {@code c} with the column its text prior gives (zero-shot): for a raw embedding x its logit is
     * {@code logitScale · x·t}, which is {@code logitScale · cos(x, t)} for the unit-length embeddings of a CLIP image
     * model. Through the input standardisation x' = (x − mean)·scale that is W = logitScale·t/scale per dimension and
     * b = logitScale·mean·t, exactly. Its Adam moments restart. A linear head only (a hidden layer has no such column).
     */
    public void setTextColumn(int c, TextPrior prior) {
        checkWriter();
        if (config.hiddenUnits() > 0) {
            throw new IllegalStateException("a head with a hidden layer cannot start a class from its text embedding");
        }
        float[] p = paramsArray();
        textColumn(prior, p, (int) outWOffset() + c * featureDim(), p, (int) outBOffset() + c);
        setParamsArray(p);
        resetMoments(c);
        active[c] = true;
    }

    /** Writes the column a text prior gives (see {@link #setTextColumn}) into {@code w} at {@code wAt}, its bias into {@code b}. */
    private void textColumn(TextPrior prior, float[] w, int wAt, float[] b, int bAt) {
        if (prior.dim() != config.inputDim()) {
            throw new IllegalArgumentException("text embedding of " + prior.dim() + " values, head takes " + config.inputDim());
        }
        float[] t = prior.embedding();
        float[] mean = normalization == null ? null : normalization.mean();
        float[] scale = normalization == null ? null : normalization.scale();
        double bias = 0;
        for (int i = 0; i < t.length; i++) {
            double v = (double) prior.logitScale() * t[i];
            if (normalization != null) {
                bias += v * mean[i];
                v /= scale[i];
            }
            w[wAt + i] = (float) v;
        }
        b[bAt] = (float) bias;
    }

    /**
     * Adds to the weight penalty of the following linear steps a pull of the given classes' weights towards the
     * columns their text priors give (null entries: none), with L2 coefficient {@code strength} (0 or no prior: off).
     * The trainer sets it before its steps; it is not part of the head's state.
     */
    public void setTextAnchors(TextPrior[] priors, double strength) {
        checkWriter();
        if (!(strength >= 0) || Double.isInfinite(strength)) throw new IllegalArgumentException("strength must be >= 0: " + strength);
        boolean any = false;
        for (int c = 0; c < Math.min(priors.length, classCount); c++) any |= priors[c] != null;
        if (!any || strength == 0 || config.hiddenUnits() > 0) {
            anchorW = null;
            return;
        }
        int f = featureDim();
        float[] w = new float[f * classCount];
        float[] b = new float[classCount];
        float[] mask = new float[classCount];
        for (int c = 0; c < Math.min(priors.length, classCount); c++) {
            if (priors[c] == null) continue;
            textColumn(priors[c], w, c * f, b, c);
            mask[c] = 1f;
        }
        anchorW = Nd4j.create(w, new long[] {f, classCount}, 'f');
        anchorMask = Nd4j.createFromArray(mask);
        anchorScratch = Nd4j.create(DataType.FLOAT, new long[] {f, classCount}, 'f');
        anchorStrength = strength;
    }

    /** Masks class {@code c} again (it lost its last example). */
    public void deactivateClass(int c) {
        checkWriter();
        if (!active[c]) return;
        float[] p = paramsArray();
        maskColumn(p, c);
        setParamsArray(p);
        resetMoments(c);
        active[c] = false;
    }

    private void resetMoments(int c) {
        float[] u = updaterArray();
        int pLen = u.length / 2;
        int f = featureDim();
        for (int base : new int[] {0, pLen}) {
            int w = base + (int) outWOffset() + c * f;
            java.util.Arrays.fill(u, w, w + f, 0f);
            u[base + (int) outBOffset() + c] = 0f;
        }
        setUpdaterArray(u);
    }

    /**
     * Weight aligning (Zhao et al. 2020): rescales the weight vectors of the {@code young} active classes so their
     * mean norm equals the mean norm of the other active classes. No-op when either group is empty.
     */
    public void alignWeights(boolean[] young) {
        checkWriter();
        INDArray w = net.getLayer(outLayer()).getParam("W");
        double oldSum = 0, youngSum = 0;
        int nOld = 0, nYoung = 0;
        for (int c = 0; c < classCount; c++) {
            if (!active[c]) continue;
            double n = w.getColumn(c).norm2Number().doubleValue();
            if (young[c]) { youngSum += n; nYoung++; } else { oldSum += n; nOld++; }
        }
        if (nOld == 0 || nYoung == 0 || youngSum <= 0) return;
        double gamma = (oldSum / nOld) / (youngSum / nYoung);
        for (int c = 0; c < classCount; c++) {
            if (active[c] && young[c]) w.getColumn(c).muli(gamma);
        }
    }

    /** Euclidean norm of class {@code c}'s output weight vector. */
    public double weightNorm(int c) {
        checkWriter();
        return net.getLayer(outLayer()).getParam("W").getColumn(c).norm2Number().doubleValue();
    }

    // ---- state -----------------------------------------------------------------------------------------

    /** An immutable copy of parameters, Adam moments, counters and mask. */
    public HeadState state() {
        checkWriter();
        return new HeadState(config, classCount, active, paramsArray(), updaterArray(),
                net.getIterationCount(), net.getEpochCount(), normalization, temperature, temperatureLogSd, unseenShare, uniformShare,
                records, history);
    }

    /** Puts this head back exactly into {@code s} (rebuilding the network if the class count differs). */
    public void restore(HeadState s) {
        checkWriter();
        if (!s.config().equals(config)) throw new IllegalArgumentException("state of a different head shape");
        if (s.classCount() != classCount) {
            net = buildNet(config, s.classCount());
            classCount = s.classCount();
        }
        active = s.activeCopy();
        setParamsArray(s.paramsView());
        setUpdaterArray(s.updaterView());
        net.setIterationCount(s.iterationCount());
        net.setEpochCount(s.epochCount());
        if (!java.util.Objects.equals(normalization, s.normalization())) applyNormalization(s.normalization());
        temperature = s.temperature();
        temperatureLogSd = s.temperatureLogSd();
        unseenShare = s.unseenShare();
        uniformShare = s.uniformShare();
        records = s.calibrationRecords();
        history = s.estimateHistory();
    }

    /** A head restored from a state, on the calling thread. */
    public static Head fromState(HeadState s) {
        Head h = new Head(s.config(), buildNet(s.config(), s.classCount()), s.classCount(), new boolean[s.classCount()]);
        h.restore(s);
        return h;
    }

    private float[] paramsArray() { return net.params().toFloatVector(); }

    private void setParamsArray(float[] p) {
        net.params().assign(Nd4j.createFromArray(p).reshape(net.params().shape()));
    }

    private float[] updaterArray() { return net.getUpdater().getStateViewArray().toFloatVector(); }

    private void setUpdaterArray(float[] u) {
        INDArray view = net.getUpdater().getStateViewArray();
        view.assign(Nd4j.createFromArray(u).reshape(view.shape()));
    }

}
