package dev.loupe.backbone;

import dev.loupe.Faults;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A backbone backed by a DL4J network (MultiLayerNetwork or ComputationGraph): the embedding is the
 * named feature layers' activations, each global-average-pooled if spatial, joined in order.
 */
public final class Dl4jBackbone implements Backbone {

    private final Model network;
    private final BackboneMetadata metadata;
    private final String id;
    // MultiLayerNetwork only: layer index per feature layer, and the deepest one.
    private final int[] layerIndices;
    private final int deepestIndex;
    // ComputationGraph only: the feature layers' activations through ND4J's native ops, or null where not covered.
    private final NativeGraphForward nativeForward;
    // ComputationGraph without a native forward pass: the same parameters with the feature layers as outputs.
    private final ComputationGraph featureGraph;
    // ComputationGraph only: which output (of either) holds feature layer i.
    private final int[] outputSlot;
    private boolean closed;

    private Dl4jBackbone(Model network, BackboneMetadata metadata, String id, int[] layerIndices) {
        this.network = network;
        this.metadata = metadata;
        this.id = id;
        this.layerIndices = layerIndices;
        int deepest = -1;
        for (int i : layerIndices) {
            deepest = Math.max(deepest, i);
        }
        this.deepestIndex = deepest;
        if (network instanceof ComputationGraph graph) {
            // layerIndices hold positions in topological order (see layerNames).
            List<String> names = layerNames(graph);
            int[] sorted = layerIndices.clone();
            Arrays.sort(sorted);
            List<String> ordered = new ArrayList<>();
            for (int i : sorted) {
                if (!ordered.contains(names.get(i))) {
                    ordered.add(names.get(i));
                }
            }
            this.outputSlot = new int[layerIndices.length];
            for (int i = 0; i < layerIndices.length; i++) {
                outputSlot[i] = ordered.indexOf(names.get(layerIndices[i]));
            }
            this.nativeForward = NativeGraphForward.of(graph, ordered);
            this.featureGraph = nativeForward != null ? null : featureGraph(graph, ordered);
        } else {
            this.outputSlot = null;
            this.featureGraph = null;
            this.nativeForward = null;
        }
    }

    /** Loads a Loupe backbone zip written by {@link BackboneFiles#write}. */
    public static Dl4jBackbone load(Path zip) throws BackboneException {
        BackboneFiles.Contents contents = BackboneFiles.read(zip);
        return wrap(contents.network(), contents.metadata(),
                contents.metadata().name() + "@" + contents.sha256().substring(0, 12), zip.getFileName().toString());
    }

    /**
     * Wraps an in-memory network, checking that the feature layers exist and that the network takes
     * the preprocessing's input and gives {@code metadata.dim()} values.
     *
     * @param source where the network came from, for messages
     */
    public static Dl4jBackbone wrap(Model network, BackboneMetadata metadata, String id, String source)
            throws BackboneException {
        Objects.requireNonNull(network, "network");
        int[] indices = resolveLayers(network, metadata.featureLayers(), source);
        Dl4jBackbone backbone = create(network, metadata, id, indices, source);
        int dim = backbone.probeDim(source);
        if (dim != metadata.dim()) {
            throw new BackboneException(source + ": the metadata says the embedding has " + metadata.dim()
                    + " values but the feature layers " + metadata.featureLayers() + " give " + dim);
        }
        return backbone;
    }

    /** Like {@link #wrap(Model, BackboneMetadata, String, String)}, with the dimension measured instead of given. */
    public static Dl4jBackbone wrap(Model network, String name, String description, List<String> featureLayers,
                                    Preprocessing preprocessing, String id, String source) throws BackboneException {
        Objects.requireNonNull(network, "network");
        BackboneMetadata guess = new BackboneMetadata(name, description, featureLayers, 1, preprocessing);
        int[] indices = resolveLayers(network, featureLayers, source);
        int dim = create(network, guess, id, indices, source).probeDim(source);
        return create(network, new BackboneMetadata(name, description, featureLayers, dim, preprocessing),
                id, indices, source);
    }

    private static Dl4jBackbone create(Model network, BackboneMetadata metadata, String id, int[] indices,
                                       String source) throws BackboneException {
        try {
            return new Dl4jBackbone(network, metadata, id, indices);
        } catch (RuntimeException e) {
            throw new BackboneException(source + ": cannot take features from layers " + metadata.featureLayers()
                    + ": " + Faults.describe(e), e);
        }
    }

    /** Names of the layers (MultiLayerNetwork) or vertices (ComputationGraph) of a network, in order. */
    public static List<String> layerNames(Model network) {
        if (network instanceof MultiLayerNetwork mln) {
            return mln.getLayerNames();
        }
        if (network instanceof ComputationGraph graph) {
            List<String> names = new ArrayList<>();
            for (int i : graph.topologicalSortOrder()) {
                names.add(graph.getVertices()[i].getVertexName());
            }
            return names;
        }
        throw new IllegalArgumentException("unsupported network type " + network.getClass().getName());
    }

    private static int[] resolveLayers(Model network, List<String> featureLayers, String source)
            throws BackboneException {
        if (!(network instanceof MultiLayerNetwork) && !(network instanceof ComputationGraph)) {
            throw new BackboneException(source + ": unsupported network type " + network.getClass().getSimpleName()
                    + " (need a MultiLayerNetwork or ComputationGraph)");
        }
        List<String> names = layerNames(network);
        int[] indices = new int[featureLayers.size()];
        for (int i = 0; i < indices.length; i++) {
            String layer = featureLayers.get(i);
            int index = names.indexOf(layer);
            if (index < 0 || network instanceof ComputationGraph graph && graph.getConfiguration().getNetworkInputs().contains(layer)) {
                throw new BackboneException(source + ": the feature layer '" + layer
                        + "' does not exist in the network. Its layers are: " + String.join(", ", names));
            }
            indices[i] = index;
        }
        return indices;
    }

    /** Runs one blank image through the network; a network that rejects it gets a plain message. */
    private int probeDim(String source) throws BackboneException {
        Preprocessing p = metadata.preprocessing();
        INDArray probe = Nd4j.zeros(DataType.FLOAT, p.batchShape(1));
        try {
            return embedInput(probe)[0].length;
        } catch (RuntimeException e) {
            throw new BackboneException(source + ": input size mismatch: the preprocessing gives "
                    + p.width() + "x" + p.height() + "x" + p.channels() + " (" + p.layout()
                    + ") but the network does not accept it: " + Faults.describe(e), e);
        }
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

    public BackboneMetadata metadata() {
        return metadata;
    }

    /** The wrapped network, for writing it to a file; do not run it while this backbone is in use. */
    public Model network() {
        return network;
    }

    @Override
    public synchronized float[][] embedInput(INDArray input) {
        if (closed) {
            throw new IllegalStateException("backbone " + id + " is closed");
        }
        List<String> layers = metadata.featureLayers();
        INDArray[] parts = new INDArray[layers.size()];
        if (network instanceof MultiLayerNetwork mln) {
            // Activations list: [input, layer 0, layer 1, ...]; stops at the deepest feature layer.
            List<INDArray> acts = mln.feedForwardToLayer(deepestIndex, input, false);
            for (int i = 0; i < parts.length; i++) {
                parts[i] = pool(acts.get(layerIndices[i] + 1));
            }
        } else {
            INDArray[] acts = nativeForward != null ? nativeForward.output(input) : featureGraph.output(false, input);
            for (int i = 0; i < parts.length; i++) {
                parts[i] = pool(acts[outputSlot[i]]);
            }
        }
        INDArray joined = parts.length == 1 ? parts[0] : Nd4j.hstack(parts);
        return joined.castTo(DataType.FLOAT).toFloatMatrix();
    }

    /**
     * A graph sharing the network's parameters whose outputs are exactly the feature layers, so
     * {@code output()} computes them with DL4J's memory-saving workspaces; asking the original graph
     * for non-output layers ({@code output(List, ...)}) fails in M2.1, and {@code feedForward} keeps
     * every activation alive (gigabytes for ResNet50 at batch 32). The rewired graph runs without
     * inference workspaces: with them, M2.1's outputOfLayersDetached throws a NullPointerException
     * for some output sets (e.g. an inner conv layer plus a later pooled one), a workspace
     * bookkeeping bug; without them activations are plain arrays freed as the pass goes.
     */
    private static ComputationGraph featureGraph(ComputationGraph graph, List<String> topoOrdered) {
        if (graph.getConfiguration().getNetworkOutputs().equals(topoOrdered)) {
            return graph;
        }
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        conf.setNetworkOutputs(new ArrayList<>(topoOrdered));
        conf.setInferenceWorkspaceMode(WorkspaceMode.NONE);
        ComputationGraph features = new ComputationGraph(conf);
        features.init(graph.params(), false);
        return features;
    }

    /** Global average pooling over every axis but batch and channel. */
    private INDArray pool(INDArray a) {
        return switch (a.rank()) {
            case 2 -> a;
            case 3 -> a.mean(2); // [n, c, t]
            case 4 -> metadata.preprocessing().layout() == Preprocessing.Layout.NCHW ? a.mean(2, 3) : a.mean(1, 2);
            case 5 -> a.mean(2, 3, 4);
            default -> a.reshape(a.size(0), a.length() / a.size(0));
        };
    }

    /** Whether the forward pass runs as ND4J's native ops ({@link NativeGraphForward}) rather than DL4J's layers. */
    public boolean nativeForward() {
        return nativeForward != null;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (network instanceof MultiLayerNetwork mln) {
            mln.close();
        } else if (network instanceof ComputationGraph graph) {
            // Not featureGraph.close(): it shares the parameter array with the graph.
            graph.close();
        }
    }

    @Override
    public String toString() {
        return id + " (" + dim() + "-d, " + preprocessing() + ")";
    }
}
