package dev.loupe.export.onnx;

import dev.loupe.DiskFullException;
import dev.loupe.Faults;
import dev.loupe.FileWrites;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.Dl4jBackbone;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.export.ClassColumn;
import dev.loupe.export.LoupeModel;
import dev.loupe.onnx.OnnxProto.GraphProto;
import dev.loupe.onnx.OnnxProto.ModelProto;
import dev.loupe.onnx.OnnxProto.OperatorSetIdProto;
import dev.loupe.onnx.OnnxProto.StringStringEntryProto;
import dev.loupe.onnx.OnnxProto.ValueInfoProto;
import dev.loupe.training.Head;
import dev.loupe.training.HeadState;
import dev.loupe.training.InputNormalization;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.loupe.export.onnx.OnnxGraph.attr;
import static dev.loupe.export.onnx.OnnxGraph.ints;

/**
 * Writes a trained classifier as ONE self-contained ONNX file (docs/adr/0020-onnx-export.md): the input takes images
 * already fitted to the base model's size as RGB 0..255 ({@value #INPUT}, {@code N x H x W x 3}); the graph
 * standardises them as Loupe does, runs the base model to the embedding, the head's input standardisation, the head,
 * the calibrated temperature and a softmax ({@value #OUTPUT}, {@code N x C}, one column per class in the project's
 * column order). A markdown model card is written beside it. Before the file is moved into place, ONNX Runtime runs it
 * on check images and its probabilities must match Loupe's own within {@value #TOLERANCE}.
 */
public final class OnnxExport {

    public static final String INPUT = "image";
    public static final String OUTPUT = "probabilities";
    /** IR 8 with opset 17: read by ONNX Runtime 1.14+ and by onnx 1.12's checker (docs/adr/0020). */
    static final long IR_VERSION = 8;
    static final int OPSET = 17;
    /** Largest accepted difference between the file's probabilities and Loupe's on the check images. */
    public static final double TOLERANCE = 1e-4;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Facts about where the model comes from, for the metadata and the model card.
     *
     * @param labelsPerClass current labels per class name (may be empty)
     */
    public record Provenance(String project, long modelVersion, int labelCount, Map<String, Integer> labelsPerClass) {
        public Provenance {
            labelsPerClass = Map.copyOf(labelsPerClass);
        }
    }

    /**
     * What was written.
     *
     * @param maxDifference the largest |ONNX − Loupe| probability over the check images
     */
    public record Result(Path file, Path card, long bytes, long modelVersion, int labelCount, int width, int height,
                         List<ClassColumn> columns, double temperature, double maxDifference) {
        public Result {
            columns = List.copyOf(columns);
        }
    }

    private OnnxExport() {
    }

    // ---- targets -----------------------------------------------------------------------------------------

    /** Refuses a target that is not a {@code .onnx} file name or that is a folder, before anything is computed. */
    public static void checkTarget(Path out) {
        String name = out.getFileName() == null ? "" : out.getFileName().toString();
        if (!name.toLowerCase(Locale.ROOT).endsWith(".onnx") || name.length() <= ".onnx".length()) {
            throw new LoupeException("Cannot write an ONNX model to " + out + ": name the file FILE.onnx.");
        }
        if (Files.isDirectory(out)) {
            throw new LoupeException("Cannot write an ONNX model to " + out + ": it is a folder. Choose a file name.");
        }
        Path dir = out.toAbsolutePath().getParent();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new LoupeException("Cannot write an ONNX model to " + out + ": " + p + " is a file, not a folder.");
                }
                if (!Files.isWritable(p)) {
                    throw new LoupeException("Cannot write an ONNX model to " + out + ": the folder " + p + " is not writable.");
                }
                break;
            }
        }
    }

    /** The model card written beside {@code out}: {@code model.onnx} → {@code model.md}. */
    public static Path cardFile(Path out) {
        String name = out.getFileName().toString();
        return out.resolveSibling(name.substring(0, name.length() - ".onnx".length()) + ".md");
    }

    // ---- writing -----------------------------------------------------------------------------------------

    /**
     * Writes the classifier made of {@code backbone} and {@code head} to {@code out} (and its card beside it), checked
     * by ONNX Runtime first; nothing is left at either path on failure.
     *
     * @param columns one per head output column, in order; inactive ones are masked (probability exactly 0)
     */
    public static Result write(Path out, Backbone backbone, HeadState head, List<ClassColumn> columns, Provenance provenance) {
        checkTarget(out);
        if (columns.size() != head.classCount()) {
            throw new IllegalArgumentException(columns.size() + " class columns for a head of " + head.classCount());
        }
        if (head.config().inputDim() != backbone.dim()) {
            throw new LoupeException("Cannot export the model: the head expects " + head.config().inputDim()
                    + "-value embeddings but the base model " + backbone.id() + " gives " + backbone.dim() + ".");
        }
        HeadState masked = masked(head, columns);
        List<ClassColumn> exported = new ArrayList<>();
        for (int k = 0; k < columns.size(); k++) {
            ClassColumn c = columns.get(k);
            exported.add(new ClassColumn(c.name(), masked.isActive(k), c.deleted()));
        }
        if (exported.stream().noneMatch(ClassColumn::active)) {
            throw new LoupeException("Cannot export the model: no class has been learned yet. Label some images first.");
        }
        String created = Instant.now().toString();
        byte[] bytes = build(backbone, masked, exported, metadata(backbone, masked, exported, provenance, created))
                .toByteArray();
        double difference = check(bytes, backbone, masked);
        Path card = cardFile(out);
        String text = ModelCard.markdown(out.getFileName().toString(), backbone, masked, exported, provenance, created, difference);
        Path dir = out.toAbsolutePath().getParent();
        Path tmpModel = dir.resolve("." + out.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        Path tmpCard = dir.resolve("." + card.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            FileWrites.check(out);
            Files.createDirectories(dir);
            writeSynced(tmpModel, bytes);
            writeSynced(tmpCard, text.getBytes(StandardCharsets.UTF_8));
            BackboneFiles.moveIntoPlace(tmpModel, out);
            BackboneFiles.moveIntoPlace(tmpCard, card);
        } catch (IOException e) {
            if (Faults.isDiskFull(e)) {
                throw DiskFullException.of(out, "the ONNX model was not written (nothing was left in its place)",
                        bytes.length + text.length(), "export it again", e);
            }
            throw new LoupeException("Cannot write the ONNX model " + out + ": " + Faults.describe(e), e);
        } finally {
            deleteQuietly(tmpModel);
            deleteQuietly(tmpCard);
        }
        Preprocessing p = backbone.preprocessing();
        return new Result(out, card, bytes.length, provenance.modelVersion(), provenance.labelCount(), p.width(), p.height(),
                exported, masked.temperature(), difference);
    }

    /** The head with every inactive column masked, as {@link LoupeModel#load} does, so the columns line up with predict. */
    static HeadState masked(HeadState head, List<ClassColumn> columns) {
        Head h = Head.fromState(head);
        for (int k = 0; k < columns.size(); k++) {
            if (!columns.get(k).active() && h.isActive(k)) h.deactivateClass(k);
        }
        return h.state();
    }

    /** The whole model: the image input, the standardisation, the backbone, the head and the softmax. */
    static ModelProto build(Backbone backbone, HeadState head, List<ClassColumn> columns, Map<String, String> metadata) {
        Preprocessing p = backbone.preprocessing();
        OnnxBackboneWriter.Start start = start(backbone);
        head(start.g(), start.g().embedding, head);
        start.graph().addOutput(OnnxGraph.batchedFloat(OUTPUT, fixedBatch(backbone), new long[] {columns.size()},
                "class probabilities, one column per class (metadata 'classes'); inactive classes are exactly 0"));
        ModelProto.Builder model = start.model().setGraph(start.graph())
                .setProducerName("Loupe")
                .setProducerVersion(LoupeModel.loupeVersion())
                .setDocString("An image classifier trained with Loupe: input '" + INPUT + "' (" + batchText(backbone)
                        + " x " + p.height() + " x " + p.width() + " x 3, RGB 0..255), output '" + OUTPUT + "' ("
                        + batchText(backbone) + " x " + columns.size()
                        + "). See the metadata and the model card written beside this file.");
        metadata.forEach((k, v) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build();
    }

    /** A model of the image input, the standardisation and the backbone alone, whose output is the embedding (tests). */
    static ModelProto embeddingModel(Backbone backbone) {
        OnnxBackboneWriter.Start start = start(backbone);
        String out = start.g().name("embedding_output");
        start.g().node("Identity", List.of(start.g().embedding), out);
        start.graph().addOutput(OnnxGraph.batchedFloat(out, fixedBatch(backbone), new long[] {backbone.dim()},
                "the embedding"));
        return start.model().setGraph(start.graph()).build();
    }

    /** The model's header and the graph from the {@value #INPUT} tensor to the backbone's embedding. */
    private static OnnxBackboneWriter.Start start(Backbone backbone) {
        if (backbone instanceof OnnxBackbone onnx) {
            return OnnxBackboneWriter.start(onnx);
        }
        if (backbone instanceof Dl4jBackbone dl4j) {
            Preprocessing p = backbone.preprocessing();
            GraphProto.Builder graph = GraphProto.newBuilder().setName("loupe_classifier").addInput(imageInput(backbone));
            OnnxGraph g = new OnnxGraph(graph, OPSET, Set.of(INPUT, OUTPUT));
            String x = standardised(g, p, Preprocessing.Layout.NCHW);
            g.embedding = Dl4jGraphWriter.embedding(g, dl4j,
                    new Dl4jGraphWriter.Tensor(x, new long[] {p.channels(), p.height(), p.width()},
                            p.layout() == Preprocessing.Layout.NHWC));
            ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(IR_VERSION)
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
            return new OnnxBackboneWriter.Start(model, graph, g);
        }
        throw new LoupeException("Cannot export to ONNX: the base model " + backbone.id() + " ("
                + backbone.getClass().getSimpleName() + ") cannot be written as ONNX. Export the model as a .zip"
                + " instead (`loupe export PROJECT --model FILE.zip`).");
    }

    /** The {@value #INPUT} graph input. */
    static ValueInfoProto imageInput(Backbone backbone) {
        Preprocessing p = backbone.preprocessing();
        return OnnxGraph.batchedFloat(INPUT, fixedBatch(backbone), new long[] {p.height(), p.width(), 3},
                "RGB values 0..255, each image fitted to " + p.width() + "x" + p.height() + " (" + resizeRule(p) + ")");
    }

    /** The batch size a backbone's graph is fixed to (some TensorFlow exports take one image at a time), 0 for any. */
    static long fixedBatch(Backbone backbone) {
        return backbone instanceof OnnxBackbone onnx && !onnx.metadata().dynamicBatch() ? onnx.metadata().fixedBatch() : 0;
    }

    static String batchText(Backbone backbone) {
        long fixed = fixedBatch(backbone);
        return fixed > 0 ? String.valueOf(fixed) : "N";
    }

    /**
     * Turns the {@value #INPUT} tensor into the backbone's input, exactly as {@link Preprocessing} does: grey is the
     * integer-rounded BT.601 luma, then {@code (v / 255 − mean) / std} per channel, in {@code layout}. The same float
     * operations in the same order, so the values are the ones Loupe computes.
     */
    static String standardised(OnnxGraph g, Preprocessing p, Preprocessing.Layout layout) {
        String x = INPUT;
        if (p.color() == Preprocessing.ColorMode.BGR) {
            x = g.op("Gather", "input/bgr", List.of(x, g.longs("input/bgr_order", new long[] {2, 1, 0})), attr("axis", 3L));
        } else if (p.color() == Preprocessing.ColorMode.GREY) {
            // (299 R + 587 G + 114 B + 500) / 1000, rounded down: every partial sum is an integer below 2^24, exact in float.
            String weighted = g.op("MatMul", "grey/weighted", List.of(x, g.floats("grey/bt601", new long[] {3, 1},
                    new float[] {299f, 587f, 114f})));
            String rounded = g.op("Add", "grey/plus_half", List.of(weighted, g.scalar("grey/500", 500f)));
            x = g.op("Floor", "grey/luma", List.of(g.op("Div", "grey/per_mille", List.of(rounded, g.scalar("grey/1000", 1000f)))));
        }
        long c = p.channels();
        x = g.op("Div", "input/unit", List.of(x, g.scalar("input/255", 255f)));
        x = g.op("Sub", "input/centred", List.of(x, g.floats("input/mean", new long[] {c}, p.mean())));
        x = g.op("Div", "input/standardised", List.of(x, g.floats("input/std", new long[] {c}, p.std())));
        if (layout == Preprocessing.Layout.NCHW) {
            x = g.op("Transpose", "input/nchw", List.of(x), ints("perm", 0, 3, 1, 2));
        }
        return x;
    }

    /**
     * The head on the embedding: its input standardisation, its layers, the temperature and the softmax into
     * {@value #OUTPUT}. Written with operators whose form is the same in every opset from 7 on, so that it can be
     * appended to an older backbone graph too.
     */
    static void head(OnnxGraph g, String embedding, HeadState head) {
        String x = embedding;
        InputNormalization n = head.normalization();
        if (n != null) {
            long[] d = {n.dim()};
            x = g.op("Sub", "head/centred", List.of(x, g.floats("head/mean", d, n.mean())));
            x = g.op("Mul", "head/standardised", List.of(x, g.floats("head/scale", d, n.scale())));
        }
        List<HeadState.Dense> layers = head.layers();
        for (int i = 0; i < layers.size(); i++) {
            HeadState.Dense layer = layers.get(i);
            boolean last = i == layers.size() - 1;
            String base = last ? "head/logits" : "head/hidden";
            x = g.op("Gemm", base, List.of(x, g.floats(base + "_W", new long[] {layer.out(), layer.in()}, layer.weights()),
                    g.floats(base + "_B", new long[] {layer.out()}, layer.bias())), attr("transB", 1L));
            if (!last) x = g.op("Relu", "head/hidden_relu", List.of(x));
        }
        // Axis 1 of the N x C logits: the same meaning before and after opset 13 changed Softmax's axis rule.
        boolean even = head.uniformShare() > 0, unseen = head.unseenShare() > 0, averaged = head.temperatureLogSd() > 0;
        if (!averaged) {
            x = g.op("Div", "head/calibrated", List.of(x, g.scalar("head/temperature", (float) head.temperature())));
            if (!even && !unseen) {
                g.node("Softmax", List.of(x), OUTPUT, attr("axis", 1L));
                return;
            }
            x = g.op("Softmax", "head/softmax", List.of(x), attr("axis", 1L));
        } else {
            // the softmax averaged over the fitted temperature's uncertainty, as Head.calibratedSoftmax does
            List<String> parts = new java.util.ArrayList<>();
            for (int k = 0; k < Head.T_NODES.length; k++) {
                double t = head.temperature() * Math.exp(Head.T_NODES[k] * head.temperatureLogSd());
                String d = g.op("Div", "head/calibrated_" + k, List.of(x, g.scalar("head/temperature_" + k, (float) t)));
                String sm = g.op("Softmax", "head/softmax_" + k, List.of(d), attr("axis", 1L));
                parts.add(g.op("Mul", "head/weighted_" + k, List.of(sm, g.scalar("head/weight_" + k, (float) Head.T_NODE_WEIGHTS[k]))));
            }
            if (!even && !unseen) {
                g.node("Sum", parts, OUTPUT);
                return;
            }
            x = g.op("Sum", "head/softmax", parts);
        }
        if (even) {
            // the calibrated uniform share, spread over the classes that had examples (masked columns stay 0)
            int c = head.classCount(), k = 0;
            for (int j = 0; j < c; j++) if (head.isActive(j)) k++;
            float[] spread = new float[c];
            for (int j = 0; j < c; j++) if (head.isActive(j)) spread[j] = (float) (head.uniformShare() / k);
            x = g.op("Mul", "head/sharp_part", List.of(x, g.scalar("head/kept_share", (float) (1 - head.uniformShare()))));
            if (unseen) x = g.op("Add", "head/spread", List.of(x, g.floats("head/uniform", new long[] {c}, spread)));
            else g.node("Add", List.of(x, g.floats("head/uniform", new long[] {c}, spread)), OUTPUT);
        }
        // the share of images expected in classes without an example yet, as predict leaves it out
        if (unseen) g.node("Mul", List.of(x, g.scalar("head/seen_share", (float) (1 - head.unseenShare()))), OUTPUT);
    }

    /** What the graph does to the pixels before the base model, in words. */
    static String inGraph(Preprocessing p) {
        return switch (p.color()) {
            case GREY -> "grey = floor((299 R + 587 G + 114 B + 500) / 1000), ";
            case BGR -> "channels reordered to B, G, R, ";
            case RGB -> "";
        } + "(v / 255 - mean) / std with mean " + java.util.Arrays.toString(p.mean()) + " and std "
                + java.util.Arrays.toString(p.std());
    }

    static String resizeRule(Preprocessing p) {
        String size = p.width() + "x" + p.height();
        return switch (p.resize()) {
            case SQUASH -> "stretched to " + size + ", aspect ratio not kept";
            case CENTER_CROP -> p.resizeShortSide() > 0
                    ? "scaled so that its short side is " + p.resizeShortSide() + " pixels, then the centre " + size + " cut out"
                    : "scaled to cover " + size + ", then the centre " + size + " cut out";
        } + "; bilinear; transparent pixels on white";
    }

    private static Map<String, String> metadata(Backbone backbone, HeadState head, List<ClassColumn> columns,
                                                Provenance provenance, String created) {
        Preprocessing p = backbone.preprocessing();
        Map<String, String> m = new LinkedHashMap<>();
        try {
            m.put("classes", JSON.writeValueAsString(columns.stream().map(ClassColumn::name).toList()));
            m.put("classes_active", JSON.writeValueAsString(columns.stream().map(ClassColumn::active).toList()));
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("name", INPUT);
            input.put("shape", List.of(fixedBatch(backbone) > 0 ? fixedBatch(backbone) : "N", p.height(), p.width(), 3));
            input.put("layout", "NHWC");
            input.put("color", "RGB");
            input.put("range", List.of(0, 255));
            input.put("width", p.width());
            input.put("height", p.height());
            input.put("resize", p.resize().name());
            if (p.resizeShortSide() > 0) input.put("resize_short_side", p.resizeShortSide());
            input.put("resize_rule", resizeRule(p));
            input.put("in_graph", inGraph(p) + ", then the base model's layout (" + p.layout() + ")");
            input.put("mean", p.mean());
            input.put("std", p.std());
            input.put("channels_in_graph", p.color().name());
            m.put("preprocessing", JSON.writeValueAsString(input));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        m.put("output", OUTPUT + ": N x " + columns.size() + " probabilities, "
                + (head.unseenShare() > 0 ? "(1 - unseen_share) * " : "")
                + (head.uniformShare() > 0 ? "((1 - uniform_share) * S + uniform_share / K"
                        + " on the K classes that had examples)" : "S")
                + ", S = " + (head.temperatureLogSd() > 0 ? "the mean of softmax(logits / (temperature * exp(z * temperature_log_sd)))"
                        + " over z = -sqrt(1.5), 0, sqrt(1.5) with weights 1/6, 2/3, 1/6" : "softmax(logits / temperature)"));
        m.put("temperature", Double.toString(head.temperature()));
        if (head.temperatureLogSd() > 0) m.put("temperature_log_sd", Double.toString(head.temperatureLogSd()));
        if (head.uniformShare() > 0) m.put("uniform_share", Double.toString(head.uniformShare()));
        if (head.unseenShare() > 0) m.put("unseen_share", Double.toString(head.unseenShare()));
        m.put("backbone_id", backbone.id());
        m.put("backbone_name", backbone.name());
        m.put("backbone_description", backbone.description());
        m.put("loupe_version", LoupeModel.loupeVersion());
        m.put("created", created);
        m.put("project", provenance.project());
        m.put("model_version", Long.toString(provenance.modelVersion()));
        m.put("label_count", Integer.toString(provenance.labelCount()));
        return m;
    }

    // ---- the check ---------------------------------------------------------------------------------------

    /**
     * Runs the model in ONNX Runtime and Loupe's own pipeline (backbone, then head) on check images of the input size
     * and returns the largest difference; more than {@value #TOLERANCE} refuses the export.
     */
    static double check(byte[] model, Backbone backbone, HeadState head) {
        Preprocessing p = backbone.preprocessing();
        // A graph with a fixed batch runs exactly that many.
        List<BufferedImage> images = checkImages(p.width(), p.height(), fixedBatch(backbone) > 0 ? (int) fixedBatch(backbone) : 4);
        float[][] expected = Head.fromState(head).predict(Nd4j.createFromArray(backbone.embed(images))).toFloatMatrix();
        float[][] got;
        try (OnnxClassifier onnx = OnnxClassifier.open(model)) {
            got = onnx.probabilities(p.fittedRgb(images), images.size());
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int k = 0; k < expected[i].length; k++) {
                double d = Math.abs(expected[i][k] - got[i][k]);
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
            }
        }
        if (!(worst <= TOLERANCE)) {
            throw new LoupeException("The ONNX model gives other probabilities than Loupe (largest difference " + worst
                    + " on check images, allowed " + TOLERANCE + "), so it was not written. Please report this, with the"
                    + " base model " + backbone.id() + "; export a .zip model (--model) meanwhile.");
        }
        return worst;
    }

    /** A few deterministic pictures at the input size (noise, gradients, flat colour), so no resize is involved. */
    static List<BufferedImage> checkImages(int width, int height, int count) {
        Random random = new Random(20261204L);
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int rgb = switch (i % 4) {
                        case 0 -> random.nextInt(1 << 24);
                        case 1 -> (255 * x / Math.max(1, width - 1)) << 16 | (255 * y / Math.max(1, height - 1)) << 8 | 128;
                        case 2 -> ((x / 8 + y / 8) % 2 == 0 ? 0xf0e0d0 : 0x203040) ^ random.nextInt(0x101010);
                        default -> 0x7fa040;
                    };
                    img.setRGB(x, y, rgb);
                }
            }
            images.add(img);
        }
        return images;
    }

    // ---- files -------------------------------------------------------------------------------------------

    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) channel.write(buffer);
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temp file is harmless
        }
    }
}
