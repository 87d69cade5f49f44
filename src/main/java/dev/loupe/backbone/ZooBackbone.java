package dev.loupe.backbone;

import dev.loupe.Faults;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ImageNet-pretrained backbones from DL4J's model zoo. The weights are downloaded into DL4J's cache
 * ({@code ~/.deeplearning4j/models/<name>/}) on first use; Loupe does that download itself, with
 * time limits, because DL4J's own ({@code ZooModel.initPretrained}) waits forever on a silent network
 * and leaves an empty folder behind when offline. After a failure nothing the attempt created is left.
 */
public final class ZooBackbone {

    private static final Logger LOG = LoggerFactory.getLogger(ZooBackbone.class);

    /** Time allowed to resolve the host, connect and get response headers. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longest silence allowed while the body downloads. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

    /** The zoo models with ImageNet weights in DL4J 1.0.0-M2.1. */
    public enum Kind {
        SQUEEZENET(227), RESNET50(224), VGG16(224);

        /** Square input side of the pretrained weights (DL4J's default input shape for the model). */
        final int inputSize;

        Kind(int inputSize) {
            this.inputSize = inputSize;
        }

        ZooModel<?> create() {
            // Fully qualified: the constant VGG16 would shadow the class name.
            return switch (this) {
                case SQUEEZENET -> org.deeplearning4j.zoo.model.SqueezeNet.builder().build();
                case RESNET50 -> org.deeplearning4j.zoo.model.ResNet50.builder().build();
                case VGG16 -> org.deeplearning4j.zoo.model.VGG16.builder().build();
            };
        }

        public static Kind parse(String name) throws BackboneException {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BackboneException("unknown zoo model '" + name + "'; known: squeezenet, resnet50, vgg16");
            }
        }
    }

    private ZooBackbone() {
    }

    /** Loads {@code kind} with its default feature layer (the input of its classifier). */
    public static Dl4jBackbone load(Kind kind) throws BackboneException {
        return load(kind, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT);
    }

    /**
     * Loads {@code kind}, downloading its weights if not cached.
     *
     * @param featureLayer null for the default
     */
    public static Dl4jBackbone load(Kind kind, String featureLayer, Duration connectTimeout, Duration readTimeout)
            throws BackboneException {
        ZooModel<?> zoo = kind.create();
        String name = zoo.modelName();
        String url = zoo.pretrainedUrl(PretrainedType.IMAGENET);
        // Same place ZooModel.initPretrained looks, computed without its mkdirs.
        File modelsDir = new File(DL4JResources.getBaseDirectory(), ResourceType.ZOO_MODEL.resourceName());
        File dir = new File(modelsDir, name);
        File cached = new File(dir, new File(url).getName());
        List<File> created = new ArrayList<>();
        for (File f : List.of(modelsDir, dir)) {
            if (!f.exists()) {
                created.add(0, f); // deepest first, for deleting
            }
        }
        boolean downloaded = false;
        try {
            if (!cached.exists()) {
                download(url, cached.toPath(), name, connectTimeout, readTimeout);
                downloaded = true;
            }
            Model network = zoo.initPretrained(PretrainedType.IMAGENET);
            Preprocessing p = Preprocessing.imagenetMeanSubtraction(kind.inputSize, kind.inputSize);
            String layer = featureLayer != null ? featureLayer : defaultFeatureLayer(network);
            String id = name + "@" + BackboneFiles.sha256(cached.toPath()).substring(0, 12);
            return Dl4jBackbone.wrap(network, name,
                    "DL4J zoo " + name + ", ImageNet-pretrained, feature layer " + layer, List.of(layer), p, id, name);
        } catch (BackboneException e) {
            cleanUp(downloaded ? cached : null, created);
            throw e;
        } catch (IOException | RuntimeException e) {
            cleanUp(downloaded ? cached : null, created);
            throw new BackboneException("could not load the " + name + " pretrained weights: " + Faults.describe(e), e);
        }
    }

    private static BackboneException offline(String name, Throwable cause) {
        String why = cause == null ? "no answer in time" : cause.getClass().getSimpleName() + ": " + Faults.describe(cause);
        return new BackboneException("could not download " + name + " pretrained weights (offline?). Use Model Zero,"
                + " which ships with Loupe, or a .h5/.zip base model file. (" + why + ")", cause);
    }

    /**
     * Downloads to a temporary file next to {@code target} and moves it into place, so a cut
     * download never looks like a cached model.
     */
    static void download(String url, Path target, String name, Duration connectTimeout, Duration readTimeout)
            throws BackboneException {
        ExecutorService connector = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "zoo-download-connect");
            t.setDaemon(true);
            return t;
        });
        URLConnection connection;
        InputStream body;
        try {
            // DNS lookups ignore URLConnection's timeouts, so the whole connect phase runs under a deadline.
            Future<Object[]> connect = connector.submit(() -> {
                URLConnection c = new URL(url).openConnection();
                c.setConnectTimeout((int) connectTimeout.toMillis());
                c.setReadTimeout((int) connectTimeout.toMillis());
                if (c instanceof HttpURLConnection http && http.getResponseCode() != HttpURLConnection.HTTP_OK) {
                    throw new IOException("HTTP " + http.getResponseCode() + " for " + url);
                }
                return new Object[] {c, c.getInputStream()};
            });
            Object[] opened = connect.get(connectTimeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            connection = (URLConnection) opened[0];
            body = (InputStream) opened[1];
        } catch (TimeoutException e) {
            throw offline(name, null);
        } catch (ExecutionException e) {
            throw offline(name, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw offline(name, e);
        } finally {
            connector.shutdownNow();
        }
        connection.setReadTimeout((int) readTimeout.toMillis());
        Path tmp = null;
        try (InputStream in = body) {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
            LOG.info("Downloading {} pretrained weights from {} to {}", name, url, target);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } catch (IOException e) {
            throw new BackboneException("could not download " + name + " pretrained weights (connection lost?): "
                    + Faults.describe(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warn("could not delete {}", tmp, e);
                }
            }
        }
    }

    /** Deletes a file this attempt downloaded and the folders it created (only if empty). */
    private static void cleanUp(File downloadedFile, List<File> createdDirs) {
        if (downloadedFile != null && !downloadedFile.delete() && downloadedFile.exists()) {
            LOG.warn("could not delete {}", downloadedFile);
        }
        for (File d : createdDirs) {
            String[] left = d.list();
            if (left != null && left.length == 0 && !d.delete()) {
                LOG.warn("could not delete {}", d);
            }
        }
    }

    /** The vertex feeding the classifier, skipping activation/dropout/loss vertices on the way back. */
    static String defaultFeatureLayer(Model network) {
        if (network instanceof MultiLayerNetwork mln) {
            List<String> names = mln.getLayerNames();
            return names.get(names.size() - 2);
        }
        ComputationGraphConfiguration conf = ((ComputationGraph) network).getConfiguration();
        String current = conf.getNetworkOutputs().get(0);
        // Step from the output layer to its input at least once, then past pointwise layers.
        current = conf.getVertexInputs().get(current).get(0);
        while (isPointwise(conf.getVertices().get(current)) && conf.getVertexInputs().containsKey(current)) {
            current = conf.getVertexInputs().get(current).get(0);
        }
        return current;
    }

    private static boolean isPointwise(GraphVertex v) {
        if (v instanceof LayerVertex lv) {
            var layer = lv.getLayerConf().getLayer();
            return layer instanceof ActivationLayer || layer instanceof DropoutLayer || layer instanceof LossLayer;
        }
        return false;
    }
}
