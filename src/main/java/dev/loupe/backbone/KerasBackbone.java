package dev.loupe.backbone;

import dev.loupe.Faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

/**
 * Backbones from Keras 2 HDF5 files ({@code model.save("x.h5")}), imported with DL4J's Keras import.
 * The result is an ordinary {@link Dl4jBackbone}; {@link BackboneFiles#write} can keep it as a
 * Loupe zip so the import runs once.
 */
public final class KerasBackbone {

    private KerasBackbone() {
    }

    /**
     * Imports {@code h5} with preprocessing read from the model's input shape: pixels scaled to
     * [0,1], squashed to size, RGB for 3 channels, grey for 1.
     */
    public static Dl4jBackbone load(Path h5, String featureLayer) throws BackboneException {
        return load(h5, inferPreprocessing(h5), featureLayer);
    }

    /** Reads {@code batch_input_shape} of the first layer from the file's {@code model_config}. */
    public static Preprocessing inferPreprocessing(Path h5) throws BackboneException {
        String source = h5.getFileName().toString();
        if (!Files.isRegularFile(h5)) {
            throw new BackboneException(source + ": file not found (" + h5.toAbsolutePath() + ")");
        }
        JsonNode shape;
        JsonNode dataFormat;
        try (Hdf5Archive archive = new Hdf5Archive(h5.toAbsolutePath().toString())) {
            JsonNode config = new ObjectMapper().readTree(archive.readAttributeAsJson("model_config"));
            shape = config.findValue("batch_input_shape");
            dataFormat = config.findValue("data_format");
        } catch (Exception e) {
            throw new BackboneException(source + ": not a Keras 2 HDF5 model (no readable model_config): "
                    + Faults.describe(e), e);
        }
        if (shape == null || !shape.isArray() || shape.size() != 4) {
            throw new BackboneException(source + ": cannot tell the image input size from the model ("
                    + "batch_input_shape " + shape + "); give the preprocessing explicitly");
        }
        // Keras' default data format is channels_last: [batch, height, width, channels].
        boolean channelsFirst = dataFormat != null
                ? "channels_first".equals(dataFormat.asText())
                : shape.get(1).asInt() <= 4 && shape.get(3).asInt() > 4;
        int channels = channelsFirst ? shape.get(1).asInt() : shape.get(3).asInt();
        int height = channelsFirst ? shape.get(2).asInt() : shape.get(1).asInt();
        int width = channelsFirst ? shape.get(3).asInt() : shape.get(2).asInt();
        if ((channels != 1 && channels != 3) || height <= 0 || width <= 0) {
            throw new BackboneException(source + ": unsupported image input shape " + shape
                    + " (need a fixed size and 1 or 3 channels)");
        }
        Preprocessing p = Preprocessing.unitScale(width, height,
                channels == 3 ? Preprocessing.ColorMode.RGB : Preprocessing.ColorMode.GREY,
                Preprocessing.ResizeMode.SQUASH);
        return p.withLayout(channelsFirst ? Preprocessing.Layout.NCHW : Preprocessing.Layout.NHWC);
    }

    /**
     * Imports {@code h5} (Sequential or functional model).
     *
     * @param preprocessing how images become input; its layout is switched to NHWC when the model's
     *                      convolutions are channels_last, since the caller rarely knows
     * @param featureLayer  layer whose (pooled) output is the embedding; null for the layer before the last
     */
    public static Dl4jBackbone load(Path h5, Preprocessing preprocessing, String featureLayer) throws BackboneException {
        return load(h5, preprocessing, featureLayer == null || featureLayer.isBlank() ? List.of() : List.of(featureLayer));
    }

    /**
     * Imports {@code h5} with several feature layers, whose (pooled) outputs are joined in order;
     * an empty list means the layer before the last. Model Zero comes in this way.
     */
    public static Dl4jBackbone load(Path h5, Preprocessing preprocessing, List<String> featureLayers)
            throws BackboneException {
        String source = h5.getFileName().toString();
        if (!Files.isRegularFile(h5)) {
            throw new BackboneException(source + ": file not found (" + h5.toAbsolutePath() + ")");
        }
        Model network = importModel(h5, source);
        List<String> names = Dl4jBackbone.layerNames(network);
        List<String> layers = featureLayers;
        if (layers.isEmpty()) {
            if (names.size() < 2) {
                throw new BackboneException(source + ": the model has a single layer; name the feature layer");
            }
            layers = List.of(names.get(names.size() - 2));
        }
        String name = source.replaceFirst("(?i)\\.(h5|hdf5|keras)$", "");
        String id = name + "@" + BackboneFiles.sha256(h5).substring(0, 12);
        return Dl4jBackbone.wrap(network, name, "Keras model imported from " + source + ", feature layers "
                        + String.join(", ", layers), layers,
                preprocessing.withLayout(layoutOf(network, preprocessing.layout())), id, source);
    }

    private static Model importModel(Path h5, String source) throws BackboneException {
        String path = h5.toAbsolutePath().toString();
        try {
            return KerasModelImport.importKerasSequentialModelAndWeights(path, false);
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException | RuntimeException e) {
            // Not Sequential (or DL4J could not map it as one): try the functional API import.
            try {
                return KerasModelImport.importKerasModelAndWeights(path, false);
            } catch (UnsupportedKerasConfigurationException e2) {
                throw new BackboneException(source + ": the Keras model uses something DL4J cannot import: "
                        + Faults.describe(e2), e2);
            } catch (Exception e2) {
                e2.addSuppressed(e);
                throw new BackboneException(source + ": not a Keras 2 HDF5 model DL4J can import: " + Faults.describe(e2), e2);
            }
        } catch (Exception e) {
            throw new BackboneException(source + ": could not read the Keras file: " + Faults.describe(e), e);
        }
    }

    /** The data format of the first convolution, or {@code fallback} when there is none. */
    private static Preprocessing.Layout layoutOf(Model network, Preprocessing.Layout fallback) {
        List<org.deeplearning4j.nn.api.Layer> layers;
        if (network instanceof MultiLayerNetwork mln) {
            layers = List.of(mln.getLayers());
        } else {
            layers = List.of(((ComputationGraph) network).getLayers());
        }
        for (org.deeplearning4j.nn.api.Layer l : layers) {
            if (l.conf().getLayer() instanceof ConvolutionLayer conv) {
                return conv.getCnn2dDataFormat() == CNN2DFormat.NHWC ? Preprocessing.Layout.NHWC : Preprocessing.Layout.NCHW;
            }
        }
        return fallback;
    }
}
