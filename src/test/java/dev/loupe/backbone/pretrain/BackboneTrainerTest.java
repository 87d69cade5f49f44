package dev.loupe.backbone.pretrain;

import dev.loupe.backbone.BackboneMetadata;
import dev.loupe.backbone.Dl4jBackbone;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.StandInModel;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The parts of {@link BackboneTrainer} a CLI run cannot check closely: head removal, the split, augmentation. */
class BackboneTrainerTest {

    private static final int[] WIDTHS = StandInModel.BLOCK_WIDTHS;

    @Test
    void theBackboneWithoutItsHeadEmbedsAsTheTrainingGraphsJoinedFeatures() throws Exception {
        Preprocessing p = BackboneTrainer.preprocessing(32);
        ComputationGraph training = BackboneTrainer.trainingGraph(p, WIDTHS, 3, 11, 1e-2);
        INDArray x = Nd4j.rand(DataType.FLOAT, p.batchShape(4)).subi(0.5).muli(4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1);
        }
        training.fit(new INDArray[] {x}, new INDArray[] {y}); // weights move away from the seed's initial values

        // Another seed for the head-less graph, so only the copied weights can make the two agree.
        ComputationGraph backbone = BackboneTrainer.withoutHead(training, p, WIDTHS, 12);
        assertThat(backbone.getConfiguration().getNetworkOutputs()).containsExactly("gap1", "gap2", "gap3", "gap4");
        Map<String, INDArray> acts = training.feedForward(x, false);
        INDArray expected = Nd4j.hstack(acts.get("gap1"), acts.get("gap2"), acts.get("gap3"), acts.get("gap4"));
        BackboneMetadata metadata = new BackboneMetadata("t", "", BackboneTrainer.featureLayers(4), 240, p);
        try (Dl4jBackbone wrapped = Dl4jBackbone.wrap(backbone, metadata, "t@0", "test")) {
            float[][] got = wrapped.embedInput(x);
            float[][] want = expected.toFloatMatrix();
            assertThat(got.length).isEqualTo(4);
            for (int i = 0; i < 4; i++) {
                assertThat(got[i]).hasSize(240).containsExactly(want[i], within(1e-5f));
            }
        }
        training.close();
    }

    @Test
    void aQuarterTurnMovesTheTopLeftPixelToTheBottomLeftAndFourAreNone() {
        int size = 5;
        float[] x = new float[1 + 2 * size * size]; // an offset of 1, two channels
        for (int i = 1; i < x.length; i++) {
            x[i] = i;
        }
        float[] original = x.clone();
        BackboneTrainer.rotate(x, 1, 2, size, 1);
        for (int c = 0; c < 2; c++) {
            int base = 1 + c * size * size;
            assertThat(x[base + (size - 1) * size]).as("bottom-left now holds the old top-left").isEqualTo(original[base]);
            assertThat(x[base]).as("top-left now holds the old top-right").isEqualTo(original[base + size - 1]);
        }
        float[] half = original.clone();
        BackboneTrainer.rotate(half, 1, 2, size, 2);
        float[] twice = x.clone();
        BackboneTrainer.rotate(twice, 1, 2, size, 1);
        assertThat(twice).containsExactly(half);
        BackboneTrainer.rotate(twice, 1, 2, size, 2);
        assertThat(twice).containsExactly(original);
        assertThat(x[0]).as("before the offset: untouched").isZero();
    }

    @Test
    void theSplitIsStratifiedSeededAndCoversEveryImageOnce() {
        int[] labels = new int[14];
        Arrays.fill(labels, 0, 10, 0);
        Arrays.fill(labels, 10, 13, 1);
        labels[13] = 2;
        int[][] split = BackboneTrainer.split(labels, 3, 0.2, 5);
        int[] heldPerClass = new int[3];
        for (int i : split[1]) {
            heldPerClass[labels[i]]++;
        }
        assertThat(heldPerClass).as("20 % of 10; at least one of 3; none of a single image").containsExactly(2, 1, 0);
        Set<Integer> all = new HashSet<>();
        Arrays.stream(split[0]).forEach(all::add);
        Arrays.stream(split[1]).forEach(all::add);
        assertThat(all).hasSize(14);
        assertThat(split[0].length + split[1].length).isEqualTo(14);
        assertThat(BackboneTrainer.split(labels, 3, 0.2, 5)).isDeepEqualTo(split);
        assertThat(BackboneTrainer.split(labels, 3, 0.0, 5)[1]).isEmpty();
    }

    @Test
    void augmentationIsSeededVariedAndKeepsValuesInRange() {
        int size = 16;
        Preprocessing p = BackboneTrainer.preprocessing(size);
        byte[] image = new byte[3 * size * size];
        SplittableRandom pixels = new SplittableRandom(1);
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) pixels.nextInt(256);
        }
        Augmentation aug = new Augmentation(size, p);
        float[] a = new float[image.length];
        float[] b = new float[image.length];
        float[] c = new float[image.length];
        aug.apply(image, a, 0, new SplittableRandom(7));
        aug.apply(image, b, 0, new SplittableRandom(7));
        aug.apply(image, c, 0, new SplittableRandom(8));
        assertThat(b).containsExactly(a);
        assertThat(c).isNotEqualTo(a);
        // (p/255 - 0.5)/0.25 spans [-2, 2]
        for (float v : a) {
            assertThat(v).isBetween(-2f, 2f);
        }
        float[] plain = new float[image.length];
        aug.plain(image, plain, 0);
        assertThat(plain[0]).isCloseTo(((image[0] & 0xff) / 255f - 0.5f) / 0.25f, within(1e-5f));
    }
}
