package dev.loupe.backbone.onnx;

import dev.loupe.Faults;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.Preprocessing.ColorMode;
import dev.loupe.backbone.Preprocessing.Layout;
import dev.loupe.backbone.onnx.OnnxBackboneMetadata.Reduction;
import dev.loupe.onnx.OnnxProto.GraphProto;
import dev.loupe.onnx.OnnxProto.ModelProto;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A backbone that runs an ONNX image model with ONNX Runtime: the input name, layout (NCHW/NHWC), size and batch
 * come from the graph; the embedding is a named tensor (a graph output, or an internal tensor added as an output in
 * memory after the file's hash is checked), reduced to a vector per image and optionally L2-normalised
 * ({@link OnnxBackboneMetadata}).
 *
 * <p>Images are converted on the calling thread into a reused direct, native-order buffer and run in batches of at
 * most {@link #MAX_BATCH}; every tensor and result is closed as soon as it is read, so native memory does not wait for
 * the garbage collector. Calls are serialised, like every {@link Backbone}.
 */
public final class OnnxBackbone implements Backbone {

    /** Images per ONNX Runtime call: larger batches gain nothing on a CPU and hold more activations. */
    public static final int MAX_BATCH = 16;

    /**
     * An embedding tensor name meaning "the model's (first) output, as it is": for models whose output is the
     * embedding itself but ends in a projection the default would step back over (CLIP's image tower), when the
     * output's name is not published.
     */
    public static final String GRAPH_OUTPUT = "<output>";

    private static final int FLOAT = OnnxGraphs.FLOAT;

    /**
     * What the user or the catalog states about a model; everything left null is read from the graph or defaulted.
     *
     * @param name            short name (default: the file name without {@code .onnx})
     * @param description     one or two sentences for the user (default: says it is an ONNX model file)
     * @param embeddingTensor the tensor to embed from (default: {@link OnnxGraphs#defaultEmbedding})
     * @param preset          the input conversion when {@code preprocessing} is null (default: {@link PreprocessingPreset#IMAGENET})
     * @param preprocessing   the exact conversion (a project's stored one); its size and layout must fit the graph
     * @param size            input side for a graph whose spatial size is dynamic (0: the graph must fix it)
     * @param l2Normalize     whether embeddings are divided by their L2 norm
     * @param sha256          the file's expected SHA-256 (hex); null when not pinned
     * @param reduction       the stored reduction, checked against the tensor's shape (null: decided from it)
     * @param companions      further files that belong to the model, by role
     */
    public record Options(String name, String description, String embeddingTensor, PreprocessingPreset preset,
                          Preprocessing preprocessing, int size, boolean l2Normalize, String sha256,
                          Reduction reduction, Map<String, String> companions) {

        /** Nothing stated: everything from the graph, ImageNet preprocessing, no L2 normalisation. */
        public static Options defaults() {
            return new Options(null, null, null, null, null, 0, false, null, null, Map.of());
        }

        /** Exactly what a stored metadata says (a project's or an exported model's). */
        public static Options of(OnnxBackboneMetadata m) {
            return new Options(m.name(), m.description(), m.embeddingTensor(), null, m.preprocessing(), 0,
                    m.l2Normalize(), m.sha256(), m.reduction(), m.companions());
        }

        public Options withName(String n, String d) {
            return new Options(n, d, embeddingTensor, preset, preprocessing, size, l2Normalize, sha256, reduction, companions);
        }

        public Options withEmbeddingTensor(String t) {
            return new Options(name, description, t, preset, preprocessing, size, l2Normalize, sha256, reduction, companions);
        }

        public Options withPreset(PreprocessingPreset p) {
            return new Options(name, description, embeddingTensor, p, preprocessing, size, l2Normalize, sha256, reduction, companions);
        }

        public Options withSize(int s) {
            return new Options(name, description, embeddingTensor, preset, preprocessing, s, l2Normalize, sha256, reduction, companions);
        }

        public Options withL2Normalize(boolean l2) {
            return new Options(name, description, embeddingTensor, preset, preprocessing, size, l2, sha256, reduction, companions);
        }

        public Options withSha256(String hex) {
            return new Options(name, description, embeddingTensor, preset, preprocessing, size, l2Normalize, hex, reduction, companions);
        }

        public Options withCompanions(Map<String, String> c) {
            return new Options(name, description, embeddingTensor, preset, preprocessing, size, l2Normalize, sha256, reduction, c);
        }
    }

    private final Path modelFile;
    private final OnnxBackboneMetadata metadata;
    private final String id;
    private final OrtSession session;
    private final Set<String> fetch;
    private final int runBatch;
    private final int inputLength;
    private float[] scratch = new float[0];
    private FloatBuffer direct = FloatBuffer.allocate(0);
    private boolean closed;

    private OnnxBackbone(Path modelFile, OnnxBackboneMetadata metadata, OrtSession session) {
        this.modelFile = modelFile;
        this.metadata = metadata;
        this.id = idOf(metadata);
        this.session = session;
        this.fetch = Set.of(metadata.embeddingTensor());
        this.runBatch = metadata.dynamicBatch() ? MAX_BATCH : metadata.fixedBatch();
        this.inputLength = metadata.preprocessing().inputLength();
    }

    /** Opens a model with its stored metadata (a project's or an exported model's); the file must still match it. */
    public static OnnxBackbone open(Path modelFile, OnnxBackboneMetadata metadata) throws BackboneException {
        OnnxBackbone b = open(modelFile, Options.of(metadata));
        if (b.dim() != metadata.dim()) {
            b.close();
            throw new BackboneException(modelFile.getFileName() + ": the stored settings say the embedding has "
                    + metadata.dim() + " values but the tensor '" + metadata.embeddingTensor() + "' gives " + b.dim());
        }
        return b;
    }

    /**
     * Opens an ONNX image model: checks the hash when one is given, reads the graph's input and the embedding tensor,
     * and runs one blank batch to learn the embedding's shape. Anything that makes the file unusable is a
     * {@link BackboneException} that names the file and what is wrong.
     */
    public static OnnxBackbone open(Path modelFile, Options options) throws BackboneException {
        String file = modelFile.getFileName().toString();
        String sha = BackboneFiles.sha256(modelFile);
        if (options.sha256() != null && !options.sha256().equalsIgnoreCase(sha)) {
            throw new BackboneException(file + " is not the expected model: its SHA-256 is " + sha + " but "
                    + options.sha256().toLowerCase(Locale.ROOT) + " was expected (a different or damaged file)");
        }
        Opened opened = parseAndStart(modelFile, options, file);
        OnnxGraphs.Tensor input = opened.input();
        Input in = opened.layout();
        Preprocessing p = opened.preprocessing();
        String tensor = opened.tensor();
        boolean isOutput = opened.isOutput();
        OrtSession session = opened.session();
        try {
            checkSessionInput(session, input.name(), file);
            String name = options.name() != null ? options.name() : defaultName(file);
            String description = options.description() != null ? options.description()
                    : "ONNX model " + file + " (embedding: " + tensor + ")";
            boolean dynamic = in.batch < 0;
            OnnxBackboneMetadata probeMeta = new OnnxBackboneMetadata(OnnxBackboneMetadata.FORMAT_VERSION, name,
                    description, file, sha, input.name(), dynamic, dynamic ? 0 : (int) in.batch, tensor, isOutput,
                    Reduction.NONE, options.l2Normalize(), 1, p, options.companions());
            long[] shape = new OnnxBackbone(modelFile, probeMeta, session).probeShape();
            Reduction reduction = reduction(shape, in.layout, tensor, file);
            if (options.reduction() != null && options.reduction() != reduction) {
                throw new BackboneException(file + ": the stored settings reduce '" + tensor + "' by "
                        + options.reduction() + " but its shape " + Arrays.toString(shape) + " calls for " + reduction);
            }
            int dim = dim(shape, reduction);
            OnnxBackboneMetadata metadata = new OnnxBackboneMetadata(OnnxBackboneMetadata.FORMAT_VERSION, name,
                    description, file, sha, input.name(), dynamic, dynamic ? 0 : (int) in.batch, tensor, isOutput,
                    reduction, options.l2Normalize(), dim, p, options.companions());
            return new OnnxBackbone(modelFile, metadata, session);
        } catch (BackboneException | RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private record Input(Layout layout, long batch, long channels, long height, long width) {
    }

    private record Opened(OnnxGraphs.Tensor input, Input layout, Preprocessing preprocessing, String tensor,
                          boolean isOutput, OrtSession session) {
    }

    /**
     * Reads the graph, checks input and tensor, and starts a session; the parsed graph (as large as the file) is only
     * referenced in here, so it can be collected before the model runs.
     */
    private static Opened parseAndStart(Path modelFile, Options options, String file) throws BackboneException {
        ModelProto model = OnnxGraphs.read(modelFile);
        GraphProto graph = model.getGraph();
        OnnxGraphs.Tensor input = imageInput(graph, file);
        Input in = layout(input, file);
        Preprocessing p = preprocessing(in, options, file);
        String tensor = options.embeddingTensor() != null && !options.embeddingTensor().isBlank()
                ? options.embeddingTensor().trim() : OnnxGraphs.defaultEmbedding(graph);
        if (tensor.equals(GRAPH_OUTPUT)) {
            tensor = graph.getOutput(0).getName();
        }
        boolean isOutput = OnnxGraphs.isOutput(graph, tensor);
        if (!isOutput && !OnnxGraphs.nodeOutputs(graph).contains(tensor)) {
            String what = tensor.equals(input.name()) ? "is the model's input, not a tensor it computes"
                    : "does not exist in the model";
            throw new BackboneException(file + ": the embedding tensor '" + tensor + "' " + what + ". Candidates: "
                    + String.join(", ", OnnxGraphs.candidates(graph, 12)) + ". The default is '"
                    + OnnxGraphs.defaultEmbedding(graph) + "' (name one as FILE.onnx#TENSOR)");
        }
        OrtSession session = session(isOutput ? null : OnnxGraphs.withOutput(model, tensor).toByteArray(), modelFile);
        return new Opened(input, in, p, tensor, isOutput, session);
    }

    private static OnnxGraphs.Tensor imageInput(GraphProto graph, String file) throws BackboneException {
        List<OnnxGraphs.Tensor> inputs = OnnxGraphs.inputs(graph);
        if (inputs.size() != 1) {
            throw new BackboneException(file + " has " + inputs.size() + " inputs ("
                    + String.join(", ", inputs.stream().map(t -> t.name() + " " + t.shape()).toList())
                    + "); Loupe needs an image model with one input, a batch of images [N, 3, H, W] or [N, H, W, 3]");
        }
        OnnxGraphs.Tensor in = inputs.get(0);
        if (in.rank() != 4) {
            throw new BackboneException(file + ": its input '" + in.name() + "' has shape " + in.shape() + " (rank "
                    + in.rank() + "), not a batch of images [N, 3, H, W] or [N, H, W, 3]: not an image model");
        }
        if (in.elementType() != FLOAT) {
            throw new BackboneException(file + ": its input '" + in.name() + "' takes "
                    + elementTypeName(in.elementType()) + " values; Loupe feeds images as float32");
        }
        return in;
    }

    private static Input layout(OnnxGraphs.Tensor in, String file) throws BackboneException {
        long[] d = in.dims();
        if (d[1] == 3 || d[1] == 1) {
            return new Input(Layout.NCHW, d[0], d[1], d[2], d[3]);
        }
        if (d[3] == 3 || d[3] == 1) {
            return new Input(Layout.NHWC, d[0], d[3], d[1], d[2]);
        }
        throw new BackboneException(file + ": its input '" + in.name() + "' has shape " + in.shape()
                + ", with no colour axis of 1 or 3 channels in second or last place: not an image model Loupe can feed");
    }

    private static Preprocessing preprocessing(Input in, Options options, String file) throws BackboneException {
        Preprocessing stated = options.preprocessing();
        int width;
        int height;
        if (in.width > 0 && in.height > 0) {
            width = (int) in.width;
            height = (int) in.height;
            if (options.size() > 0 && (options.size() != width || options.size() != height)) {
                throw new BackboneException(file + " takes " + width + "x" + height + " images; a size of "
                        + options.size() + " cannot be used with it");
            }
        } else if (stated != null) {
            width = stated.width();
            height = stated.height();
        } else if (options.size() > 0) {
            width = options.size();
            height = options.size();
        } else {
            throw new BackboneException(file + ": its input size is dynamic (" + describe(in) + "), so Loupe cannot"
                    + " tell what size to feed; give one (e.g. --size 224)");
        }
        Preprocessing p;
        if (stated != null) {
            p = stated;
            if (p.width() != width || p.height() != height || p.layout() != in.layout || p.channels() != in.channels) {
                throw new BackboneException(file + " takes " + describe(in) + " but the stored preprocessing gives "
                        + p.width() + "x" + p.height() + "x" + p.channels() + " " + p.layout());
            }
        } else {
            PreprocessingPreset preset = options.preset() != null ? options.preset() : PreprocessingPreset.IMAGENET;
            p = preset.preprocessing(width, height, in.layout);
            if (in.channels == 1) {
                // One grey channel: the preset's statistics averaged over its three.
                p = new Preprocessing(width, height, ColorMode.GREY, p.resize(), in.layout,
                        new float[] {average(p.mean())}, new float[] {average(p.std())}, p.resizeShortSide());
            }
        }
        return p;
    }

    private static String describe(Input in) {
        String h = in.height < 0 ? "?" : String.valueOf(in.height);
        String w = in.width < 0 ? "?" : String.valueOf(in.width);
        return in.layout == Layout.NCHW ? "[N, " + in.channels + ", " + h + ", " + w + "]"
                : "[N, " + h + ", " + w + ", " + in.channels + "]";
    }

    private static float average(float[] v) {
        float s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static OrtSession session(byte[] edited, Path modelFile) throws BackboneException {
        try (OrtSession.SessionOptions options = OnnxRuntimes.sessionOptions()) {
            return edited != null
                    ? OnnxRuntimes.environment().createSession(edited, options)
                    : OnnxRuntimes.environment().createSession(modelFile.toString(), options);
        } catch (OrtException e) {
            throw new BackboneException(modelFile.getFileName() + ": ONNX Runtime cannot load the model: "
                    + Faults.describe(e), e);
        }
    }

    private static void checkSessionInput(OrtSession session, String input, String file) throws BackboneException {
        try {
            NodeInfo info = session.getInputInfo().get(input);
            if (info == null || !(info.getInfo() instanceof TensorInfo)) {
                throw new BackboneException(file + ": ONNX Runtime does not see the input '" + input + "' as a tensor");
            }
        } catch (OrtException e) {
            throw new BackboneException(file + ": ONNX Runtime cannot describe the model's input: " + Faults.describe(e), e);
        }
    }

    private static Reduction reduction(long[] shape, Layout inputLayout, String tensor, String file)
            throws BackboneException {
        switch (shape.length) {
            case 2:
                return Reduction.NONE;
            case 3:
                return shape[1] == 1 ? Reduction.FLATTEN : Reduction.FIRST_TOKEN;
            case 4: {
                // Channel axis: where the two spatial axes are equal and the third differs; else as the input.
                boolean nchw = shape[2] == shape[3] && shape[1] != shape[2]
                        || !(shape[1] == shape[2] && shape[3] != shape[1]) && inputLayout == Layout.NCHW;
                long spatial = nchw ? shape[2] * shape[3] : shape[1] * shape[2];
                if (spatial == 1) {
                    return Reduction.FLATTEN;
                }
                return nchw ? Reduction.MEAN_NCHW : Reduction.MEAN_NHWC;
            }
            default:
                throw new BackboneException(file + ": the tensor '" + tensor + "' has shape " + Arrays.toString(shape)
                        + " (rank " + shape.length + "); an embedding is read from [N, D], [N, tokens, D], or a"
                        + " feature map [N, C, H, W] / [N, H, W, C]. Name another tensor (FILE.onnx#TENSOR)");
        }
    }

    private static int dim(long[] shape, Reduction r) {
        return (int) switch (r) {
            case NONE, FIRST_TOKEN -> shape[shape.length - 1];
            case FLATTEN -> Arrays.stream(shape).skip(1).reduce(1, (a, b) -> a * b);
            case MEAN_NCHW -> shape[1];
            case MEAN_NHWC -> shape[3];
        };
    }

    /** Runs one blank batch and returns the embedding tensor's shape. */
    private long[] probeShape() throws BackboneException {
        int n = metadata.dynamicBatch() ? 1 : metadata.fixedBatch();
        try {
            return run(new float[n * inputLength], n, null);
        } catch (OrtException | RuntimeException e) {
            throw new BackboneException(metadata.modelFile() + ": the model does not run on a "
                    + Arrays.toString(metadata.inputShape(n)) + " input: " + Faults.describe(e), e);
        }
    }

    /**
     * The id: the name and the first 12 hex digits of a SHA-256 over the file's hash and every setting that changes
     * the numbers (tensor, reduction, L2, preprocessing), so the embedding cache never mixes two readings of one file.
     */
    public static String idOf(OnnxBackboneMetadata m) {
        String key = m.sha256() + "\n" + m.inputName() + "\n" + m.embeddingTensor() + "\n" + m.reduction() + "\n"
                + m.l2Normalize() + "\n" + m.preprocessing();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return m.name() + "@" + HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String defaultName(String file) {
        String n = file.toLowerCase(Locale.ROOT).endsWith(".onnx") ? file.substring(0, file.length() - 5) : file;
        return n.isBlank() ? "onnx" : n;
    }

    private static String elementTypeName(int type) {
        var t = dev.loupe.onnx.OnnxProto.TensorProto.DataType.forNumber(type);
        return t == null ? "type " + type : t.name().toLowerCase(Locale.ROOT);
    }

    // ---- running ------------------------------------------------------------------------------------------

    @Override
    public synchronized float[][] embed(List<BufferedImage> images) {
        ensureOpen();
        int n = images.size();
        float[][] out = new float[n][];
        Preprocessing.Converter converter = metadata.preprocessing().newConverter();
        for (int start = 0; start < n; start += runBatch) {
            int m = Math.min(runBatch, n - start);
            float[] batch = scratch(m);
            for (int i = 0; i < m; i++) {
                converter.convert(images.get(start + i), batch, i * inputLength);
            }
            runInto(batch, m, out, start);
        }
        return out;
    }

    @Override
    public synchronized float[][] embedInput(INDArray input) {
        ensureOpen();
        int n = (int) input.size(0);
        float[] all = input.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[][] out = new float[n][];
        for (int start = 0; start < n; start += runBatch) {
            int m = Math.min(runBatch, n - start);
            float[] batch = scratch(m);
            System.arraycopy(all, start * inputLength, batch, 0, m * inputLength);
            runInto(batch, m, out, start);
        }
        return out;
    }

    /** Scratch for {@code m} images; for a fixed-batch graph the whole batch, its padding rows zero. */
    private float[] scratch(int m) {
        int n = metadata.dynamicBatch() ? m : metadata.fixedBatch();
        if (scratch.length < n * inputLength) {
            scratch = new float[n * inputLength];
        } else if (!metadata.dynamicBatch()) {
            Arrays.fill(scratch, m * inputLength, n * inputLength, 0f);
        }
        return scratch;
    }

    private void runInto(float[] batch, int m, float[][] out, int offset) {
        try {
            run(batch, m, (rows, dim) -> System.arraycopy(rows, 0, out, offset, m));
        } catch (OrtException e) {
            throw new IllegalStateException(metadata.modelFile() + ": ONNX Runtime failed: " + Faults.describe(e), e);
        }
    }

    private interface Rows {
        void accept(float[][] rows, int dim);
    }

    /**
     * Runs {@code m} images (padded to the fixed batch if the graph has one) and hands their embeddings to
     * {@code sink}; returns the raw tensor shape.
     */
    private long[] run(float[] batch, int m, Rows sink) throws OrtException {
        int n = metadata.dynamicBatch() ? m : metadata.fixedBatch();
        int length = n * inputLength;
        if (direct.capacity() < length) {
            direct = ByteBuffer.allocateDirect(length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        direct.clear();
        direct.put(batch, 0, length);
        direct.flip();
        try (OnnxTensor tensor = OnnxTensor.createTensor(OnnxRuntimes.environment(), direct, metadata.inputShape(n));
             OrtSession.Result result = session.run(Map.of(metadata.inputName(), tensor), fetch)) {
            Optional<OnnxValue> value = result.get(metadata.embeddingTensor());
            if (value.isEmpty() || !(value.get() instanceof OnnxTensor t)) {
                throw new IllegalStateException("the model gave no tensor '" + metadata.embeddingTensor() + "'");
            }
            long[] shape = t.getInfo().getShape();
            if (shape.length == 0 || shape[0] != n) {
                throw new IllegalStateException("the tensor '" + metadata.embeddingTensor() + "' has shape "
                        + Arrays.toString(shape) + ", not one row per image of the batch of " + n);
            }
            if (t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
                throw new IllegalStateException("the tensor '" + metadata.embeddingTensor() + "' holds "
                        + t.getInfo().type + " values, not float32");
            }
            if (sink != null) {
                sink.accept(reduce(t.getFloatBuffer(), shape, m), metadata.dim());
            }
            return shape;
        }
    }

    private float[][] reduce(FloatBuffer values, long[] shape, int m) {
        int perImage = (int) (Arrays.stream(shape).skip(1).reduce(1, (a, b) -> a * b));
        int dim = metadata.dim();
        float[][] rows = new float[m][];
        float[] one = new float[perImage];
        for (int i = 0; i < m; i++) {
            values.position(i * perImage);
            values.get(one);
            float[] v;
            switch (metadata.reduction()) {
                case NONE, FLATTEN -> v = one.clone();
                case FIRST_TOKEN -> v = Arrays.copyOf(one, dim);
                case MEAN_NCHW -> {
                    v = new float[dim];
                    int plane = perImage / dim;
                    for (int c = 0; c < dim; c++) {
                        double s = 0;
                        for (int k = 0; k < plane; k++) {
                            s += one[c * plane + k];
                        }
                        v[c] = (float) (s / plane);
                    }
                }
                case MEAN_NHWC -> {
                    double[] s = new double[dim];
                    int plane = perImage / dim;
                    for (int k = 0; k < plane; k++) {
                        for (int c = 0; c < dim; c++) {
                            s[c] += one[k * dim + c];
                        }
                    }
                    v = new float[dim];
                    for (int c = 0; c < dim; c++) {
                        v[c] = (float) (s[c] / plane);
                    }
                }
                default -> throw new IllegalStateException(metadata.reduction().toString());
            }
            if (v.length != dim) {
                throw new IllegalStateException("the tensor '" + metadata.embeddingTensor() + "' gives " + v.length
                        + " values per image, not " + dim);
            }
            if (metadata.l2Normalize()) {
                double norm = 0;
                for (float x : v) {
                    norm += (double) x * x;
                }
                if (norm > 0) {
                    float inv = (float) (1 / Math.sqrt(norm));
                    for (int c = 0; c < dim; c++) {
                        v[c] *= inv;
                    }
                }
            }
            rows[i] = v;
        }
        return rows;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("backbone " + id + " is closed");
        }
    }

    // ---- description --------------------------------------------------------------------------------------

    /** Everything about the model: input, embedding tensor, reduction, L2, preprocessing, the file's hash. */
    public OnnxBackboneMetadata metadata() {
        return metadata;
    }

    /** The ONNX file this backbone was opened from (its bytes are {@link OnnxBackboneMetadata#sha256()}). */
    public Path modelFile() {
        return modelFile;
    }

    /** A companion file by role ({@link OnnxBackboneMetadata#companions()}), resolved beside the model file. */
    public Optional<Path> companion(String role) {
        String name = metadata.companions().get(role);
        Path dir = modelFile.toAbsolutePath().getParent();
        return name == null ? Optional.empty() : Optional.of(dir.resolve(name));
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String name() {
        return metadata.name();
    }

    @Override
    public String description() {
        return metadata.description();
    }

    @Override
    public Preprocessing preprocessing() {
        return metadata.preprocessing();
    }

    @Override
    public int dim() {
        return metadata.dim();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeQuietly(session);
        }
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // closing releases native memory; nothing useful to do if it reports a failure
        }
    }

    @Override
    public String toString() {
        return id + " (" + dim() + "-d from '" + metadata.embeddingTensor() + "', " + preprocessing() + ")";
    }
}
