package dev.loupe.spark;

import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.importing.parquet.EmbeddingRow;
import dev.loupe.importing.parquet.EmbeddingsParquet;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ProjectStore;
import dev.loupe.importing.RowEmbedder;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code loupe-spark}: embeds every file under a path with a project's base model on Spark and writes Parquet
 * ({@link EmbeddingsParquet}), which {@code loupe import PROJECT FOLDER --embeddings OUT} takes in without embedding
 * again (docs/adr/0036-spark-embeddings.md). Run with spark-submit on a cluster, or as a plain Java program on
 * {@code local[N]}.
 */
@Command(name = "loupe-spark", mixinStandardHelpOptions = true, description = {
        "Embed every image under --images with a project's base model on Spark; write Parquet to --out.",
        "Bad files become rows with import's reason. Then: loupe import PROJECT FOLDER --embeddings OUT"})
public final class EmbedJob implements Callable<Integer> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbedJob.class);

    /** The rows written: {@link EmbeddingsParquet#SCHEMA} as Spark lays it out. */
    public static final StructType SCHEMA = new StructType()
            .add(EmbeddingsParquet.PATH, DataTypes.StringType)
            .add(EmbeddingsParquet.SHA256, DataTypes.StringType)
            .add(EmbeddingsParquet.SIZE, DataTypes.LongType)
            .add(EmbeddingsParquet.STATUS, DataTypes.StringType)
            .add(EmbeddingsParquet.REASON, DataTypes.StringType)
            .add(EmbeddingsParquet.BACKBONE, DataTypes.StringType)
            .add(EmbeddingsParquet.EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false));

    static final class Model {
        @Option(names = "--project", paramLabel = "PROJECT", description = "Embed with this project's base model.")
        Path project;

        @Option(names = "--backbone", paramLabel = "SPEC",
                description = "Embed with this base model instead: model-zero, or a .zip/.h5/.onnx file.")
        String backbone;
    }

    @ArgGroup(multiplicity = "1")
    Model model;

    @Option(names = "--images", required = true, paramLabel = "PATH",
            description = "The folder of images, searched recursively: a local path or any Hadoop URI (hdfs://, s3a://).")
    String images;

    @Option(names = "--out", required = true, paramLabel = "PARQUET_DIR", description = "Where the Parquet goes (must not exist).")
    String out;

    @Option(names = "--batch", description = "Images per forward pass in each task (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--partitions", description = "Spread the files over this many tasks (default: Spark's split of the input).")
    Integer partitions;

    @Option(names = "--master", description = "Spark master when none is configured (spark-submit sets one; default: ${DEFAULT-VALUE}).")
    String master = "local[*]";

    private static final String OPEN_COST = "spark.sql.files.openCostInBytes";

    /** What a run wrote. */
    public record Summary(long rows, long embedded, long skipped, double seconds, String backboneId) {
        String line() {
            return String.format(Locale.ROOT, "Wrote %d rows (%d embedded, %d skipped) with %s in %.1f s: %.1f files/s.",
                    rows, embedded, skipped, backboneId, seconds, rows / Math.max(seconds, 1e-9));
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EmbedJob()).execute(args));
    }

    @Override
    public Integer call() throws BackboneException {
        SparkConf conf = new SparkConf().setAppName("loupe-spark");
        if (!conf.contains("spark.master")) {
            conf.setMaster(master);
        }
        String spec = spec(model.project, model.backbone);
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            Summary s = run(spark, spec, images, out, batch, partitions);
            System.out.println(s.line());
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** The backbone spec the executors load: the project's (its file made absolute), or the one given. */
    public static String spec(Path project, String backbone) throws BackboneException {
        String spec;
        if (project != null) {
            try (ProjectStore store = ProjectStore.open(project, false)) {
                spec = ProjectBackbone.resolvedSpec(store);
            }
        } else {
            spec = backbone;
        }
        // Model Zero as its file, so a cluster's nodes can be sent it (--files model-zero.zip).
        return spec.trim().equalsIgnoreCase(BackboneLoader.MODEL_ZERO)
                ? BackboneLoader.locateModelZero().toAbsolutePath().toString() : spec;
    }

    /** Embeds every file under {@code images} and writes {@code out}; fails only when the job itself cannot run. */
    public static Summary run(SparkSession spark, String spec, String images, String out, int batch, Integer partitions)
            throws BackboneException {
        long t0 = System.nanoTime();
        String backboneId;
        try (Backbone b = BackboneLoader.load(spec)) { // on the driver: fail early, and know the id every row must carry
            backboneId = b.id();
        }
        LOG.info("Base model {} loaded on the driver after {} ms", backboneId, (System.nanoTime() - t0) / 1_000_000);
        String root;
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(images);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.getFileStatus(p).isDirectory()) {
                throw new LoupeException(images + " is not a folder: give the folder of images.");
            }
            root = fs.makeQualified(p).toString();
        } catch (IOException e) {
            throw new LoupeException("Cannot read " + images + ": " + dev.loupe.Faults.describe(e) + ".", e);
        }
        if (!spark.sparkContext().getConf().contains(OPEN_COST)) {
            // Spark counts each file as 4 MB more than it is, which packs image folders 32 files to a task: a task and
            // a Parquet file per 32 images (300,000 of each for 10 million). At 128 KB a task gets ~128 MB of images.
            spark.conf().set(OPEN_COST, String.valueOf(128 * 1024));
        }
        Dataset<Row> files = spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .load(images)
                .select("path", "content");
        if (partitions != null) {
            files = files.repartition(partitions);
        }
        Dataset<Row> rows = files.mapPartitions(new EmbedPartition(spec, backboneId, root, batch), Encoders.row(SCHEMA));
        List<Row> empty = emptyFiles(spark, root, backboneId);
        if (!empty.isEmpty()) {
            rows = rows.union(spark.createDataFrame(empty, SCHEMA));
        }
        LOG.info("{} empty files listed after {} ms", empty.size(), (System.nanoTime() - t0) / 1_000_000);
        rows.write().mode(SaveMode.ErrorIfExists).parquet(out);
        LOG.info("Parquet written after {} ms", (System.nanoTime() - t0) / 1_000_000);
        long total = 0;
        long ok = 0;
        for (Row r : spark.read().parquet(out).groupBy(EmbeddingsParquet.STATUS).count().collectAsList()) {
            total += r.getLong(1);
            ok += EmbeddingRow.OK.equals(r.getString(0)) ? r.getLong(1) : 0;
        }
        return new Summary(total, ok, total - ok, (System.nanoTime() - t0) / 1e9, backboneId);
    }

    /**
     * Rows for the empty files under {@code root}, which Spark's file sources leave out (they hold no data) but an
     * import counts as skipped ("empty file"): found by one listing on the driver, which keeps only those.
     */
    static List<Row> emptyFiles(SparkSession spark, String root, String backboneId) {
        List<Row> rows = new ArrayList<>();
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(root);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            // listStatus, not listFiles: the local file system's LocatedFileStatus asks the OS for each file's owner
            // and permissions by starting a process (35 s for 2,000 files here); Spark's own listing avoids it too.
            java.util.ArrayDeque<org.apache.hadoop.fs.Path> dirs = new java.util.ArrayDeque<>();
            dirs.push(p);
            while (!dirs.isEmpty()) {
                for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dirs.pop())) {
                    String name = f.getPath().getName();
                    if (name.startsWith(".") || name.startsWith("_")) {
                        continue; // Spark does not see these (nor their contents)
                    }
                    if (f.isDirectory()) {
                        dirs.push(f.getPath());
                    } else if (f.getLen() == 0) {
                        EmbeddingRow r = RowEmbedder.withoutDecoding(relPath(root, f.getPath().toString()), new byte[0],
                                backboneId);
                        rows.add(RowFactory.create(r.path(), r.sha256(), r.size(), r.status(), r.reason(), r.backbone(),
                                null));
                    }
                }
            }
        } catch (IOException e) {
            throw new LoupeException("Cannot list " + root + ": " + dev.loupe.Faults.describe(e) + ".", e);
        }
        return rows;
    }

    /** {@code file} relative to {@code root} ('/'-separated), both as Hadoop writes them (URI-encoded or not). */
    static String relPath(String root, String file) {
        String r = pathOf(root);
        String f = pathOf(file);
        if (!r.endsWith("/")) {
            r = r + "/";
        }
        if (!f.startsWith(r)) {
            throw new IllegalStateException(file + " is not under " + root);
        }
        return f.substring(r.length());
    }

    private static String pathOf(String s) {
        try {
            return URI.create(s).getPath();
        } catch (IllegalArgumentException e) { // not encoded: a space or '%' as it is
            return new org.apache.hadoop.fs.Path(s).toUri().getPath();
        }
    }
}
