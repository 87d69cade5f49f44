package dev.loupe.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
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
        Dl4jBackbone backbone = new Dl4jBackbone(network, metadata, id, indices);
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
        int dim = new Dl4jBackbone(network, guess, id, indices).probeDim(source);
        return new Dl4jBackbone(network, new BackboneMetadata(name, description, featureLayers, dim, preprocessing),
                id, indices);
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
                    + ") but the network does not accept it: " + e.getMessage(), e);
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
            ComputationGraph graph = (ComputationGraph) network;
            Map<String, INDArray> acts = activations(graph, input, layers);
            for (int i = 0; i < parts.length; i++) {
                parts[i] = pool(acts.get(layers.get(i)));
            }
        }
        INDArray joined = parts.length == 1 ? parts[0] : Nd4j.hstack(parts);
        return joined.castTo(DataType.FLOAT).toFloatMatrix();
    }

    private static Map<String, INDArray> activations(ComputationGraph graph, INDArray input, List<String> layers) {
        boolean allLayers = true;
        for (String name : layers) {
            allLayers &= graph.getVertex(name).hasLayer();
        }
        if (allLayers) {
            // Computes only what the requested layers need, and detaches the results.
            INDArray[] out = graph.output(layers, false, new INDArray[] {input}, null);
            Map<String, INDArray> map = new HashMap<>();
            for (int i = 0; i < out.length; i++) {
                map.put(layers.get(i), out[i]);
            }
            return map;
        }
        return graph.feedForward(input, false);
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

    @Override
    public synchronized void close() {
        closed = true;
        if (network instanceof MultiLayerNetwork mln) {
            mln.close();
        } else if (network instanceof ComputationGraph graph) {
            graph.close();
        }
    }

    @Override
    public String toString() {
        return id + " (" + dim() + "-d, " + preprocessing() + ")";
    }
}
