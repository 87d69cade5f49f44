package dev.loupe.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.backbone.Preprocessing.ColorMode;
import dev.loupe.backbone.Preprocessing.ResizeMode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class BackboneFilesTest {

    private static final Preprocessing P32 = Preprocessing.unitScale(32, 32, ColorMode.RGB, ResizeMode.CENTER_CROP);

    @TempDir
    Path dir;

    /** Two blocks, 4 and 8 filters: small enough to build in milliseconds. */
    static ComputationGraph smallGraph() {
        return StandInModel.network(P32, new int[] {4, 8}, 7);
    }

    static BackboneMetadata meta(List<String> layers, int dim) {
        return new BackboneMetadata("tiny", "test net", layers, dim, P32);
    }

    static List<BufferedImage> pictures(int n) {
        Random random = new Random(3);
        List<BufferedImage> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(40 + i, 30, BufferedImage.TYPE_INT_ARGB);
            Graphics2D g = img.createGraphics();
            for (int k = 0; k < 5; k++) {
                g.setColor(new Color(random.nextInt(), true));
                g.fillRect(random.nextInt(40), random.nextInt(30), 10, 10);
            }
            g.dispose();
            list.add(img);
        }
        return list;
    }

    @Test
    void roundTripGivesIdenticalEmbeddingsAndMetadata() throws IOException {
        ComputationGraph net = smallGraph();
        BackboneMetadata meta = meta(List.of("gap1", "gap2"), 12);
        Dl4jBackbone inMemory = Dl4jBackbone.wrap(net, meta, "tiny@mem", "memory");
        float[][] before = inMemory.embed(pictures(3));

        Path file = dir.resolve("sub/tiny.zip");
        BackboneFiles.write(file, net, meta);
        try (Dl4jBackbone loaded = Dl4jBackbone.load(file)) {
            assertThat(loaded.metadata()).isEqualTo(meta);
            assertThat(loaded.preprocessing()).isEqualTo(P32);
            assertThat(loaded.id()).isEqualTo("tiny@" + BackboneFiles.sha256(file).substring(0, 12));
            assertThat(loaded.embed(pictures(3))).isDeepEqualTo(before);
        }
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file); // no temporary file left
        }
        // DL4J alone still reads the file.
        assertThat(ModelSerializer.restoreComputationGraph(file.toFile(), false).params())
                .isEqualTo(net.params());
    }

    @Test
    void joinedLayersDimsAddUp() throws IOException {
        ComputationGraph net = smallGraph();
        float[][] first = Dl4jBackbone.wrap(net, meta(List.of("gap1"), 4), "a", "m").embed(pictures(2));
        float[][] second = Dl4jBackbone.wrap(net, meta(List.of("gap2"), 8), "b", "m").embed(pictures(2));
        Dl4jBackbone both = Dl4jBackbone.wrap(net, meta(List.of("gap1", "gap2"), 12), "c", "m");
        float[][] joined = both.embed(pictures(2));
        assertThat(both.dim()).isEqualTo(12);
        for (int i = 0; i < 2; i++) {
            float[] expected = new float[12];
            System.arraycopy(first[i], 0, expected, 0, 4);
            System.arraycopy(second[i], 0, expected, 4, 8);
            assertThat(joined[i]).containsExactly(expected);
        }
        // A spatial (non-pooled) layer is average-pooled: conv2 has 8 channels.
        float[][] conv = Dl4jBackbone.wrap(net, meta(List.of("conv2"), 8), "d", "m").embed(pictures(2));
        assertThat(conv[0]).containsExactly(second[0]);
        // The measuring constructor finds the dimension itself.
        assertThat(Dl4jBackbone.wrap(net, "x", "", List.of("gap2", "conv1"), P32, "e", "m").dim()).isEqualTo(12);
    }

    @Test
    void multiLayerNetworksWorkByLayerName() throws IOException {
        MultiLayerNetwork mln = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(1).dataType(DataType.FLOAT).convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(5).activation(Activation.RELU).name("conv").build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).name("dense").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).name("out").build())
                .setInputType(InputType.convolutional(32, 32, 3)).build());
        mln.init();
        Path file = dir.resolve("mln.zip");
        BackboneFiles.write(file, mln, meta(List.of("gap", "dense"), 11));
        try (Backbone b = Dl4jBackbone.load(file)) {
            float[][] e = b.embed(pictures(2));
            assertThat(e).hasDimensions(2, 11);
            assertThat(e[0]).isNotEqualTo(e[1]);
        }
    }

    @Test
    void notAZipSaysSo() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.zip"), "just some text, not a zip");
        assertThatThrownBy(() -> Dl4jBackbone.load(file)).isInstanceOf(BackboneException.class)
                .hasMessageContaining("notes.zip").hasMessageContaining("not a zip archive");
    }

    @Test
    void truncatedZipSaysSo() throws IOException {
        Path good = dir.resolve("good.zip");
        BackboneFiles.write(good, smallGraph(), meta(List.of("gap2"), 8));
        byte[] bytes = Files.readAllBytes(good);
        Path cut = Files.write(dir.resolve("cut.zip"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> Dl4jBackbone.load(cut)).isInstanceOf(BackboneException.class)
                .hasMessageContaining("cut.zip").hasMessageContaining("truncated");
    }

    @Test
    void missingFileSaysSo() {
        assertThatThrownBy(() -> Dl4jBackbone.load(dir.resolve("nope.zip"))).isInstanceOf(BackboneException.class)
                .hasMessageContaining("nope.zip: file not found");
    }

    @Test
    void plainDl4jZipIsNotALoupeBackbone() throws IOException {
        Path file = dir.resolve("plain.zip");
        ModelSerializer.writeModel(smallGraph(), file.toFile(), false);
        assertThatThrownBy(() -> Dl4jBackbone.load(file)).isInstanceOf(BackboneException.class)
                .hasMessageStartingWith("not a Loupe backbone: plain.zip")
                .hasMessageContaining("plain DL4J model");
        Path other = dir.resolve("other.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(other))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
        }
        assertThatThrownBy(() -> Dl4jBackbone.load(other)).hasMessageStartingWith("not a Loupe backbone: other.zip");
    }

    @Test
    void damagedMetadataSaysSo() throws IOException {
        Path file = dir.resolve("bad-meta.zip");
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(BackboneFiles.METADATA_ENTRY));
            zip.write("{\"name\": \"x\", \"dim\": -3".getBytes());
        }
        assertThatThrownBy(() -> Dl4jBackbone.load(file)).isInstanceOf(BackboneException.class)
                .hasMessageContaining("metadata (loupe-backbone.json) is invalid");
    }

    @Test
    void unknownFeatureLayerIsNamed() throws IOException {
        Path file = dir.resolve("layer.zip");
        BackboneFiles.write(file, smallGraph(), meta(List.of("gap1", "gap9"), 12));
        assertThatThrownBy(() -> Dl4jBackbone.load(file)).isInstanceOf(BackboneException.class)
                .hasMessageContaining("feature layer 'gap9' does not exist")
                .hasMessageContaining("gap1, ");
    }

    @Test
    void inputSizeMismatchIsExplained() throws IOException {
        Path file = dir.resolve("grey.zip");
        Preprocessing grey = Preprocessing.unitScale(32, 32, ColorMode.GREY, ResizeMode.SQUASH);
        BackboneFiles.write(file, smallGraph(), new BackboneMetadata("g", "", List.of("gap2"), 8, grey));
        assertThatThrownBy(() -> Dl4jBackbone.load(file)).isInstanceOf(BackboneException.class)
                .hasMessageContaining("input size mismatch").hasMessageContaining("32x32x1");
    }

    @Test
    void wrongDimensionIsExplained() throws IOException {
        Path file = dir.resolve("dim.zip");
        BackboneFiles.write(file, smallGraph(), meta(List.of("gap2"), 10));
        assertThatThrownBy(() -> Dl4jBackbone.load(file)).isInstanceOf(BackboneException.class)
                .hasMessageContaining("says the embedding has 10 values").hasMessageContaining("give 8");
    }

    @Test
    void closedBackboneRefusesWork() throws IOException {
        Dl4jBackbone b = Dl4jBackbone.wrap(smallGraph(), meta(List.of("gap2"), 8), "t", "m");
        b.close();
        assertThatThrownBy(() -> b.embed(pictures(1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aBackboneZipWrittenBeforeTheShortSideResizeReadsAsBeforeAndWritesTheSameJson() throws IOException {
        // Model Zero's zip was written before Preprocessing had resizeShortSide: its JSON has no such field.
        Path modelZero = BackboneLoader.locateModelZero();
        String stored;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(modelZero.toFile())) {
            stored = new String(zip.getInputStream(zip.getEntry(BackboneFiles.METADATA_ENTRY)).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(stored).doesNotContain("resizeShortSide");
        BackboneMetadata read = BackboneFiles.readMetadata(modelZero);
        assertThat(read.preprocessing().resizeShortSide()).isZero();
        assertThat(BackboneFiles.toJson(read)).doesNotContain("resizeShortSide");
        assertThat(BackboneFiles.toJson(read).replaceAll("\\s", "")).isEqualTo(stored.replaceAll("\\s", ""));
    }
}
