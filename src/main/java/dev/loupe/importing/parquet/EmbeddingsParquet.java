package dev.loupe.importing.parquet;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * An embeddings Parquet as the Spark job writes it (docs/adr/0036-spark-embeddings.md): a folder of
 * {@code part-*.parquet} files and the {@code _SUCCESS} marker of a job that finished, or one {@code .parquet} file.
 * {@link #open} checks the whole of it before anything is imported: the columns, the codecs, and which base models
 * made its rows; {@link #forEach} then streams the rows, one row group in memory at a time.
 */
public final class EmbeddingsParquet {

    public static final String PATH = "path";
    public static final String SHA256 = "sha256";
    public static final String SIZE = "size";
    public static final String STATUS = "status";
    public static final String REASON = "reason";
    public static final String BACKBONE = "backbone";
    public static final String EMBEDDING = "embedding";

    /** The schema the Spark job writes (Spark's own layout of a nullable array of floats) and the tests write. */
    public static final String SCHEMA = "message spark_schema {\n"
            + "  optional binary path (STRING);\n"
            + "  optional binary sha256 (STRING);\n"
            + "  optional int64 size;\n"
            + "  optional binary status (STRING);\n"
            + "  optional binary reason (STRING);\n"
            + "  optional binary backbone (STRING);\n"
            + "  optional group embedding (LIST) {\n"
            + "    repeated group list {\n"
            + "      optional float element;\n"
            + "    }\n"
            + "  }\n"
            + "}";

    private final Path source;
    private final List<Path> files;
    private final long rows;
    private final long okRows;
    private final Set<String> backbones;

    private EmbeddingsParquet(Path source, List<Path> files, long rows, long okRows, Set<String> backbones) {
        this.source = source;
        this.files = files;
        this.rows = rows;
        this.okRows = okRows;
        this.backbones = backbones;
    }

    /**
     * Opens and checks {@code source}. Throws a {@link LoupeException} naming what is wrong and what to do: no such
     * folder, a job that did not finish (no {@code _SUCCESS}), no part files, a column missing, a codec Loupe does not
     * read, a file that is not Parquet.
     */
    public static EmbeddingsParquet open(Path source) {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(source)) {
            files.add(source);
        } else if (Files.isDirectory(source)) {
            if (!Files.exists(source.resolve("_SUCCESS"))) {
                throw new LoupeException("The embeddings in " + source + " are not complete: the folder has no _SUCCESS "
                        + "file, so the Spark job that wrote it did not finish. Run the job again.");
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(source)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (Files.isRegularFile(p) && name.endsWith(".parquet") && !name.startsWith("_") && !name.startsWith(".")) {
                        files.add(p);
                    }
                }
            } catch (IOException e) {
                throw new LoupeException("Cannot read the embeddings folder " + source + ": " + Faults.describe(e) + ".", e);
            }
            files.sort(null);
        } else {
            throw new LoupeException("No embeddings at " + source + ": give the folder the Spark job wrote (--out).");
        }
        long rows = 0;
        long ok = 0;
        Set<String> backbones = new TreeSet<>();
        for (Path f : files) {
            try (ParquetFileReader r = reader(f)) {
                MessageType schema = r.getFooter().getFileMetaData().getSchema();
                checkSchema(f, schema);
                for (BlockMetaData b : r.getFooter().getBlocks()) {
                    for (ColumnChunkMetaData c : b.getColumns()) {
                        LocalParquet.codecs().getDecompressor(c.getCodec()); // refuses a codec it cannot read, now
                    }
                }
                // Only the two small columns: which base model, and how many rows were embedded.
                MessageType projection = new MessageType(schema.getName(), schema.getType(BACKBONE), schema.getType(STATUS));
                r.setRequestedSchema(projection);
                PageReadStore pages;
                while ((pages = r.readNextRowGroup()) != null) {
                    RecordReader<Group> rr = new ColumnIOFactory().getColumnIO(projection, schema)
                            .getRecordReader(pages, new GroupRecordConverter(projection));
                    for (long i = 0; i < pages.getRowCount(); i++) {
                        Group g = rr.read();
                        rows++;
                        if (EmbeddingRow.OK.equals(string(g, STATUS))) {
                            ok++;
                            String b = string(g, BACKBONE);
                            backbones.add(b == null ? "(none)" : b);
                        }
                    }
                }
            } catch (LoupeException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new LoupeException("Cannot read " + f + " as embeddings: " + Faults.describe(e) + ".", e);
            }
        }
        return new EmbeddingsParquet(source, List.copyOf(files), rows, ok, Set.copyOf(backbones));
    }

    static ParquetFileReader reader(Path file) throws IOException {
        return new ParquetFileReader(LocalParquet.input(file),
                ParquetReadOptions.builder().withCodecFactory(LocalParquet.codecs()).build());
    }

    private static void checkSchema(Path f, MessageType schema) {
        for (String col : List.of(PATH, SHA256, SIZE, STATUS, REASON, BACKBONE, EMBEDDING)) {
            if (!schema.containsField(col)) {
                throw new LoupeException(f + " is not a Loupe embeddings file: it has no '" + col + "' column (columns: "
                        + schema.getFields().stream().map(Type::getName).toList() + ").");
            }
        }
        Type emb = schema.getType(EMBEDDING);
        if (emb.isPrimitive() ? emb.asPrimitiveType().getPrimitiveTypeName() != PrimitiveType.PrimitiveTypeName.FLOAT
                : elementType(emb.asGroupType()) == null) {
            throw new LoupeException(f + ": the '" + EMBEDDING + "' column is not a list of floats.");
        }
    }

    /** The float leaf of a 3-level list ({@code group (LIST) { repeated group list { float element } }}), or null. */
    private static PrimitiveType elementType(GroupType list) {
        if (list.getFieldCount() != 1) {
            return null;
        }
        Type repeated = list.getType(0);
        Type leaf = repeated.isPrimitive() ? repeated : repeated.asGroupType().getFieldCount() == 1
                ? repeated.asGroupType().getType(0) : null;
        return leaf != null && leaf.isPrimitive()
                && leaf.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FLOAT
                ? leaf.asPrimitiveType() : null;
    }

    /** The folder (or file) opened. */
    public Path source() {
        return source;
    }

    /** The part files, in name order. */
    public List<Path> files() {
        return files;
    }

    public long rows() {
        return rows;
    }

    /** Rows with status {@value EmbeddingRow#OK}. */
    public long okRows() {
        return okRows;
    }

    /** The base model ids of the embedded rows: exactly one for a usable file. */
    public Set<String> backbones() {
        return backbones;
    }

    /** Streams every row, file by file, in the order written; {@code sink} runs on the calling thread. */
    public void forEach(Consumer<EmbeddingRow> sink) {
        for (Path f : files) {
            try (ParquetFileReader r = reader(f)) {
                MessageType schema = r.getFooter().getFileMetaData().getSchema();
                PageReadStore pages;
                while ((pages = r.readNextRowGroup()) != null) {
                    RecordReader<Group> rr = new ColumnIOFactory().getColumnIO(schema)
                            .getRecordReader(pages, new GroupRecordConverter(schema));
                    for (long i = 0; i < pages.getRowCount(); i++) {
                        sink.accept(row(rr.read()));
                    }
                }
            } catch (IOException e) {
                throw new LoupeException("Cannot read " + f + " as embeddings: " + Faults.describe(e) + ".", e);
            }
        }
    }

    private static EmbeddingRow row(Group g) {
        float[] embedding = null;
        if (g.getFieldRepetitionCount(EMBEDDING) > 0) {
            Type t = g.getType().getType(EMBEDDING);
            if (t.isPrimitive()) { // a bare repeated float
                embedding = new float[g.getFieldRepetitionCount(EMBEDDING)];
                for (int i = 0; i < embedding.length; i++) {
                    embedding[i] = g.getFloat(EMBEDDING, i);
                }
            } else {
                Group list = g.getGroup(EMBEDDING, 0);
                String repeated = t.asGroupType().getType(0).getName();
                int n = list.getFieldRepetitionCount(repeated);
                embedding = new float[n];
                boolean bare = t.asGroupType().getType(0).isPrimitive();
                for (int i = 0; i < n; i++) {
                    if (bare) {
                        embedding[i] = list.getFloat(repeated, i);
                    } else {
                        Group e = list.getGroup(repeated, i);
                        embedding[i] = e.getFieldRepetitionCount(0) == 0 ? Float.NaN : e.getFloat(0, 0);
                    }
                }
            }
        }
        long size = g.getFieldRepetitionCount(SIZE) == 0 ? -1 : g.getLong(SIZE, 0);
        return new EmbeddingRow(string(g, PATH), string(g, SHA256), size, string(g, STATUS), string(g, REASON),
                string(g, BACKBONE), embedding);
    }

    private static String string(Group g, String field) {
        return g.getFieldRepetitionCount(field) == 0 ? null : g.getString(field, 0);
    }
}
