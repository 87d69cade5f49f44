package dev.loupe.backbone.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

/**
 * The one ONNX Runtime environment of the JVM (it cannot be re-configured once made) and the session options every
 * Loupe session uses, so that engines elsewhere (export checks, CLIP's text model) run models the same way.
 */
public final class OnnxRuntimes {

    /** System property: intra-op threads per session (default: the cores, at most 8). */
    public static final String THREADS_PROPERTY = "loupe.onnx.threads";

    private OnnxRuntimes() {
    }

    private static final class Holder {
        // Errors only: ONNX Runtime's warnings (e.g. about unused initializers) would clutter the CLI's output.
        static final OrtEnvironment ENV = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "loupe");
    }

    /** The shared environment; never close it. */
    public static OrtEnvironment environment() {
        return Holder.ENV;
    }

    /** Intra-op threads a session gets: {@value #THREADS_PROPERTY}, else the available cores up to 8. */
    public static int threads() {
        Integer set = Integer.getInteger(THREADS_PROPERTY);
        if (set != null && set > 0) {
            return set;
        }
        return Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Options for a CPU inference session: all graph optimisations, one model run at a time, and threads that sleep
     * when idle — spinning threads (ONNX Runtime's default) would keep burning the cores the trainer's ND4J needs
     * between batches (onnxruntime#11841). The caller closes the options once the session is made.
     */
    public static OrtSession.SessionOptions sessionOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(threads());
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }
}
