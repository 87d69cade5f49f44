package dev.loupe.ranking;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Decides the labelling queue: the cold-start order while there are few labels, the query strategy after.
 * Used by one thread (the trainer's); it keeps its scratch between calls.
 */
public final class Ranker {
    public static final int DEFAULT_TOP_K = 1000;

    private final QueryStrategy strategy;
    private final long seed;
    private final int coldStartMinLabels;
    private final int coldStartPerClass;
    private final int topK;
    private ColdStart coldStart;
    private long[] keys = new long[0];

    /**
     * @param coldStartMinLabels cold start while fewer labels than this exist (e.g. 20)
     * @param coldStartPerClass  ... or fewer than this many labels per class on average (e.g. 2)
     * @param topK               how many queue positions are fully sorted
     */
    public Ranker(QueryStrategy strategy, long seed, int coldStartMinLabels, int coldStartPerClass, int topK) {
        this.strategy = strategy;
        this.seed = seed;
        this.coldStartMinLabels = coldStartMinLabels;
        this.coldStartPerClass = coldStartPerClass;
        this.topK = topK;
    }

    /** Margin sampling after 20 labels and 2 per class; top 1000 sorted. */
    public static Ranker defaults(long seed) {
        return new Ranker(QueryStrategy.MARGIN, seed, 20, 2, DEFAULT_TOP_K);
    }

    public Ranker withStrategy(QueryStrategy s) {
        Ranker r = new Ranker(s, seed, coldStartMinLabels, coldStartPerClass, topK);
        r.coldStart = coldStart;
        return r;
    }

    public QueryStrategy strategy() { return strategy; }
    public long seed() { return seed; }
    public int topK() { return topK; }

    public boolean inColdStart(int labelCount, int classCount) {
        return labelCount < coldStartMinLabels || labelCount < (long) coldStartPerClass * classCount;
    }

    /** Rows in queue order: unlabelled rows only ({@code labelled[row]} false). Returns a new array. */
    public int[] queue(float[] score, boolean[] labelled, int labelCount, int classCount, INDArray embeddings) {
        return queue(score, labelled, labelCount, classCount, embeddings, inColdStart(labelCount, classCount));
    }

    /** The same, the caller deciding whether the cold-start order applies (e.g. not while classes start from text). */
    public int[] queue(float[] score, boolean[] labelled, int labelCount, int classCount, INDArray embeddings,
                       boolean coldStart) {
        int n = score.length;
        int m = n - labelCount;
        int[] out = new int[m];
        if (coldStart) {
            ColdStart cs = coldStart(embeddings, classCount);
            int o = 0;
            for (int i = 0; i < cs.size() && o < m; i++) {
                int row = cs.orderAt(i);
                if (!labelled[row]) out[o++] = row;
            }
            return out;
        }
        if (keys.length < n) keys = new long[n];
        TopK.order(score, n, labelled, topK, keys, out);
        return out;
    }

    /** The cold-start ordering for this class count, fitted once per k and kept. */
    public ColdStart coldStart(INDArray embeddings, int classCount) {
        int k = ColdStart.suggestedK(classCount, embeddings.rows());
        if (coldStart == null || coldStart.k() != k || coldStart.size() != embeddings.rows()) {
            coldStart = ColdStart.fit(embeddings, k, seed);
        }
        return coldStart;
    }
}
