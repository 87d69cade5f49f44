package dev.loupe.spark;

import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.RowEmbedder;
import dev.loupe.importing.parquet.EmbeddingRow;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Embeds one partition of binaryFile rows ({@code path}, {@code content}) into the rows of
 * {@link EmbedJob#SCHEMA}, through the desktop's per-file code ({@link RowEmbedder}). One backbone per task thread,
 * loaded on the thread's first task and kept for its later ones (a backbone serialises its calls, so threads must not
 * share one). Rows stream: a partition never holds more than one batch of decoded images.
 */
final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EmbedPartition.class);

    /** The backbones of this executor thread, by spec. */
    private static final ThreadLocal<Map<String, Backbone>> BACKBONES = ThreadLocal.withInitial(HashMap::new);

    private final String spec;
    private final String expectedId;
    private final String root;
    private final int batch;

    EmbedPartition(String spec, String expectedId, String root, int batch) {
        this.spec = spec;
        this.expectedId = expectedId;
        this.root = root;
        this.batch = batch;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> files) throws BackboneException {
        long t0 = System.nanoTime();
        Backbone backbone = backbone(spec);
        long loaded = System.nanoTime();
        if (!backbone.id().equals(expectedId)) {
            throw new IllegalStateException("This executor's base model is " + backbone.id() + ", the driver's "
                    + expectedId + ": ship the same model file to every node (--files, or shared storage).");
        }
        RowEmbedder embedder = new RowEmbedder(backbone, new ImageDecoder(), batch);
        return new Iterator<>() {
            private final ArrayDeque<EmbeddingRow> ready = new ArrayDeque<>();
            private boolean finished;
            private int count;

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && !finished) {
                    if (files.hasNext()) {
                        Row f = files.next();
                        count++;
                        ready.addAll(embedder.add(EmbedJob.relPath(root, f.getString(0)), (byte[]) f.get(1)));
                    } else {
                        ready.addAll(embedder.finish());
                        embedder.close();
                        finished = true;
                        LOG.info("Partition done on {}: {} files in {} ms (base model ready after {} ms)",
                                Thread.currentThread().getName(), count, (System.nanoTime() - t0) / 1_000_000,
                                (loaded - t0) / 1_000_000);
                    }
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                EmbeddingRow r = ready.poll();
                return RowFactory.create(r.path(), r.sha256(), r.size(), r.status(), r.reason(), r.backbone(),
                        r.embedding());
            }
        };
    }

    /**
     * This thread's backbone for {@code spec}. A file the driver named that this node lacks is looked for among the
     * files shipped with the job ({@code spark-submit --files}), by its name.
     */
    private static Backbone backbone(String spec) throws BackboneException {
        Map<String, Backbone> mine = BACKBONES.get();
        Backbone b = mine.get(spec);
        if (b == null) {
            b = BackboneLoader.load(localSpec(spec));
            mine.put(spec, b);
        }
        return b;
    }

    static String localSpec(String spec) {
        int hash = spec.lastIndexOf('#');
        String file = hash > 0 ? spec.substring(0, hash) : spec;
        if (file.equalsIgnoreCase(BackboneLoader.MODEL_ZERO) || file.regionMatches(true, 0, "zoo:", 0, 4)
                || new File(file).isFile()) {
            return spec;
        }
        File shipped = new File(SparkFiles.get(new File(file).getName()));
        return shipped.isFile() ? shipped.getPath() + (hash > 0 ? spec.substring(hash) : "") : spec;
    }
}
