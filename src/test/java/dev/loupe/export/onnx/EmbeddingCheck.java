package dev.loupe.export.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.Preprocessing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A backbone's embedding written as ONNX ({@link OnnxExport#embeddingModel}) and run by ONNX Runtime, against Loupe's. */
final class EmbeddingCheck {

    private EmbeddingCheck() {
    }

    /** Largest relative difference between ONNX Runtime's embedding of the test images and the backbone's. */
    static double difference(Backbone backbone) throws Exception {
        Preprocessing p = backbone.preprocessing();
        List<BufferedImage> images = images();
        float[][] expected = backbone.embed(images);
        byte[] model = OnnxExport.embeddingModel(backbone).toByteArray();
        // A graph with a fixed batch (1 for TensorFlow exports) takes the images one by one.
        int batch = OnnxExport.fixedBatch(backbone) > 0 ? (int) OnnxExport.fixedBatch(backbone) : images.size();
        float[][] got = new float[images.size()][];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, o)) {
                for (int start = 0; start < images.size(); start += batch) {
                    float[] rgb = p.fittedRgb(images.subList(start, start + batch));
                    FloatBuffer buffer = ByteBuffer.allocateDirect(4 * rgb.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
                    buffer.put(rgb).rewind();
                    try (OnnxTensor input = OnnxTensor.createTensor(env, buffer, new long[] {batch, p.height(), p.width(), 3});
                         OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
                        float[][] rows = (float[][]) result.get(0).getValue();
                        System.arraycopy(rows, 0, got, start, batch);
                    }
                }
            }
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            assertThat(got[i]).hasSize(expected[i].length);
            for (int j = 0; j < expected[i].length; j++) {
                double d = Math.abs(expected[i][j] - got[i][j]) / Math.max(1.0, Math.abs(expected[i][j]));
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
            }
        }
        return worst;
    }

    /** Photos of other sizes (so Loupe's resize runs) and noise. */
    private static List<BufferedImage> images() {
        Random random = new Random(9);
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            BufferedImage img = new BufferedImage(90 + 17 * i, 70 + 5 * i, BufferedImage.TYPE_INT_ARGB);
            Graphics2D g = img.createGraphics();
            for (int k = 0; k < 12; k++) {
                g.setColor(new Color(random.nextInt(0xffffff) | (k % 3 == 0 ? 0x80000000 : 0xff000000), true));
                g.fillOval(random.nextInt(90), random.nextInt(70), 10 + random.nextInt(40), 10 + random.nextInt(40));
            }
            g.dispose();
            out.add(img);
        }
        return out;
    }
}
