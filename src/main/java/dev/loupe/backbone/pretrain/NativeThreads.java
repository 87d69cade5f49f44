package dev.loupe.backbone.pretrain;

import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Limits the threads ND4J's native code uses (its own pool, OpenMP and BLAS) for a scope, then restores them.
 * On the shared 2-core machines training a small conv net ran 1.6–3× faster on one native thread than on the
 * default two, because OpenMP threads spin while the other core is busy (docs/adr/0014-train-backbone.md).
 */
final class NativeThreads implements AutoCloseable {

    private final int maxThreads;
    private final int maxMasterThreads;
    private final int blasThreads;
    private final int ompThreads;

    private NativeThreads() {
        Environment env = Nd4j.getEnvironment();
        this.maxThreads = env.maxThreads();
        this.maxMasterThreads = env.maxMasterThreads();
        this.blasThreads = Nd4j.factory().blas().getMaxThreads();
        this.ompThreads = ops().ompGetMaxThreads();
    }

    /** Sets every native thread count to {@code n} until {@link #close}. */
    static NativeThreads limit(int n) {
        NativeThreads previous = new NativeThreads();
        set(n, n, n, n);
        return previous;
    }

    @Override
    public void close() {
        set(maxThreads, maxMasterThreads, blasThreads, ompThreads);
    }

    private static void set(int threads, int master, int blas, int omp) {
        Environment env = Nd4j.getEnvironment();
        env.setMaxThreads(Math.max(1, threads));
        env.setMaxMasterThreads(Math.max(1, master));
        Nd4j.factory().blas().setMaxThreads(Math.max(1, blas));
        ops().setOmpNumThreads(Math.max(1, omp));
    }

    private static NativeOps ops() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps();
    }
}
