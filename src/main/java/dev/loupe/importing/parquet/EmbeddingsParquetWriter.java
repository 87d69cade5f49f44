package dev.loupe.importing.parquet;

import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.GroupWriter;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes one embeddings Parquet file in the Spark job's layout ({@link EmbeddingsParquet#SCHEMA}) without Hadoop:
 * the same library and layout the job uses, for tests and small tools. Rows go into row groups of
 * {@code rowsPerGroup}.
 */
public final class EmbeddingsParquetWriter implements AutoCloseable {

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(EmbeddingsParquet.SCHEMA);

    private final ParquetFileWriter file;
    private final ParquetProperties props = ParquetProperties.builder().build();
    private final CompressionCodecName codec;
    private final int rowsPerGroup;
    private final SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore columns;
    private GroupWriter writer;
    private int inGroup;

    public EmbeddingsParquetWriter(Path target, CompressionCodecName codec, int rowsPerGroup) throws IOException {
        this.codec = codec;
        this.rowsPerGroup = Math.max(1, rowsPerGroup);
        this.file = new ParquetFileWriter(LocalParquet.output(target), SCHEMA, ParquetFileWriter.Mode.CREATE,
                128L << 20, 0);
        file.start();
        newGroup();
    }

    private void newGroup() {
        pages = new ColumnChunkPageWriteStore(
                (org.apache.parquet.hadoop.CodecFactory.BytesCompressor) LocalParquet.codecs().getCompressor(codec),
                SCHEMA, props.getAllocator(), props.getColumnIndexTruncateLength());
        columns = props.newColumnWriteStore(SCHEMA, pages);
        writer = new GroupWriter(new ColumnIOFactory().getColumnIO(SCHEMA).getRecordWriter(columns), SCHEMA);
        inGroup = 0;
    }

    public void write(EmbeddingRow row) throws IOException {
        Group g = groups.newGroup();
        put(g, EmbeddingsParquet.PATH, row.path());
        put(g, EmbeddingsParquet.SHA256, row.sha256());
        g.append(EmbeddingsParquet.SIZE, row.size());
        put(g, EmbeddingsParquet.STATUS, row.status());
        put(g, EmbeddingsParquet.REASON, row.reason());
        put(g, EmbeddingsParquet.BACKBONE, row.backbone());
        if (row.embedding() != null) {
            Group list = g.addGroup(EmbeddingsParquet.EMBEDDING);
            for (float v : row.embedding()) {
                list.addGroup("list").append("element", v);
            }
        }
        writer.write(g);
        columns.endRecord();
        if (++inGroup >= rowsPerGroup) {
            flushGroup();
            newGroup();
        }
    }

    private static void put(Group g, String field, String value) {
        if (value != null) {
            g.append(field, value);
        }
    }

    private void flushGroup() throws IOException {
        if (inGroup == 0) {
            return;
        }
        file.startBlock(inGroup);
        columns.flush();
        pages.flushToFileWriter(file);
        file.endBlock();
        inGroup = 0;
    }

    @Override
    public void close() throws IOException {
        flushGroup();
        file.end(Map.of("writer", "loupe"));
    }
}
