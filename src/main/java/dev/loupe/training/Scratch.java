package dev.loupe.training;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * Reused rows×cols float buffers ('c' order) for the few shapes a loop keeps asking for (minibatch sizes, chunk
 * and tail of a scoring pass). A step that allocates no native memory leaves nothing for ND4J's deallocator to
 * catch up on (docs/GUARANTEES.md, soak). When more than {@code maxShapes} shapes are in use, all are dropped.
 * Owned by one thread, like the head or trainer that holds it.
 */
final class Scratch {
    private final int maxShapes;
    private final Map<Long, INDArray> buffers = new HashMap<>();

    Scratch(int maxShapes) {
        this.maxShapes = maxShapes;
    }

    /** A rows×cols buffer; its contents are whatever the last user left. */
    INDArray get(long rows, long cols) {
        long key = (rows << 24) ^ cols;
        INDArray b = buffers.get(key);
        if (b == null || b.rows() != rows || b.columns() != cols) {
            if (buffers.size() >= maxShapes) buffers.clear();
            b = Nd4j.create(DataType.FLOAT, new long[] {rows, cols}, 'c');
            buffers.put(key, b);
        }
        return b;
    }

    void clear() {
        buffers.clear();
    }
}
