package dev.loupe.importing.parquet;

import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;
import org.xerial.snappy.Snappy;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What parquet-hadoop needs to read and write local files without Hadoop (docs/adr/0036-spark-embeddings.md): files
 * as {@link InputFile}/{@link OutputFile}, and the codecs Spark writes by default (snappy) or on request (gzip).
 * Parquet 1.13's own versions of these load Hadoop's {@code Configuration}, which Loupe does not ship.
 */
public final class LocalParquet {

    private LocalParquet() {
    }

    /** A local file to read. */
    public static InputFile input(Path file) {
        return new InputFile() {
            @Override
            public long getLength() throws IOException {
                return Files.size(file);
            }

            @Override
            public SeekableInputStream newStream() throws IOException {
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                InputStream in = Channels.newInputStream(ch);
                return new DelegatingSeekableInputStream(in) {
                    @Override
                    public long getPos() throws IOException {
                        return ch.position();
                    }

                    @Override
                    public void seek(long newPos) throws IOException {
                        ch.position(newPos);
                    }
                };
            }

            @Override
            public String toString() {
                return file.toString();
            }
        };
    }

    /** A local file to write, created new (an existing file is an error). */
    public static OutputFile output(Path file) {
        return new OutputFile() {
            @Override
            public PositionOutputStream create(long blockSizeHint) throws IOException {
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE), 1 << 16);
                return new PositionOutputStream() {
                    private long pos;

                    @Override
                    public long getPos() {
                        return pos;
                    }

                    @Override
                    public void write(int b) throws IOException {
                        out.write(b);
                        pos++;
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                        pos += len;
                    }

                    @Override
                    public void flush() throws IOException {
                        out.flush();
                    }

                    @Override
                    public void close() throws IOException {
                        out.close();
                    }
                };
            }

            @Override
            public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
                Files.deleteIfExists(file);
                return create(blockSizeHint);
            }

            @Override
            public boolean supportsBlockSize() {
                return false;
            }

            @Override
            public long defaultBlockSize() {
                return 0;
            }
        };
    }

    /** Uncompressed, snappy and gzip pages; any other codec is refused with a sentence naming it. */
    public static CompressionCodecFactory codecs() {
        return new Codecs();
    }

    private static final class Codecs implements CompressionCodecFactory {
        @Override
        public CodecFactory.BytesCompressor getCompressor(CompressionCodecName codec) {
            check(codec);
            return new CodecFactory.BytesCompressor() {
                @Override
                public BytesInput compress(BytesInput bytes) throws IOException {
                    return switch (codec) {
                        case SNAPPY -> BytesInput.from(Snappy.compress(bytes.toByteArray()));
                        case GZIP -> {
                            ByteArrayOutputStream buf = new ByteArrayOutputStream();
                            try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
                                bytes.writeAllTo(gz);
                            }
                            yield BytesInput.from(buf.toByteArray());
                        }
                        default -> bytes;
                    };
                }

                @Override
                public CompressionCodecName getCodecName() {
                    return codec;
                }

                @Override
                public void release() {
                }
            };
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            return new BytesInputDecompressor() {
                @Override
                public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                    check(codec);
                    return switch (codec) {
                        case SNAPPY -> BytesInput.from(Snappy.uncompress(bytes.toByteArray()));
                        case GZIP -> {
                            try (InputStream in = new GZIPInputStream(bytes.toInputStream())) {
                                yield BytesInput.from(in.readNBytes(uncompressedSize));
                            }
                        }
                        default -> bytes;
                    };
                }

                @Override
                public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                        throws IOException {
                    byte[] in = new byte[compressedSize];
                    input.get(in);
                    output.put(decompress(BytesInput.from(in), uncompressedSize).toByteArray());
                }

                @Override
                public void release() {
                }
            };
        }

        private static void check(CompressionCodecName codec) {
            switch (codec) {
                case UNCOMPRESSED, SNAPPY, GZIP -> {
                }
                default -> throw new UnsupportedCodecException(codec);
            }
        }

        @Override
        public void release() {
        }
    }

    /** A page compressed with a codec Loupe does not read. */
    public static final class UnsupportedCodecException extends dev.loupe.LoupeException {
        private static final long serialVersionUID = 1L;

        UnsupportedCodecException(CompressionCodecName codec) {
            super("compressed with " + codec.name().toLowerCase(java.util.Locale.ROOT)
                    + ", which Loupe does not read: write it with snappy (Spark's default) or gzip");
        }
    }
}
