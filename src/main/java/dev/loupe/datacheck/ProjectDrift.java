package dev.loupe.datacheck;

import dev.loupe.LoupeException;
import dev.loupe.project.EmbeddingSet;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.Head;
import dev.loupe.training.ModelVersionFile;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The drift check of one import, on a project store: which images are new, what the saved model thinks of them,
 * and the "show them first" list the queue reads ({@value #SHOW_FIRST_SETTING}).
 */
public final class ProjectDrift {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectDrift.class);

    /** Settings key: comma-separated ids of the last drifted import's images, most unlike the project first. */
    public static final String SHOW_FIRST_SETTING = "datacheck.show_first";
    /** Unlabelled earlier images whose confidence is measured for comparison (a random sample beyond this). */
    static final int PROJECT_CONFIDENCE_SAMPLE = 4000;

    private ProjectDrift() {
    }

    /** The largest image id now in the project (0 when empty): images added later have larger ids. */
    public static long lastImageId(ProjectStore store) {
        return store.images().stream().mapToLong(i -> i.id()).max().orElse(0);
    }

    /**
     * Checks the images with ids above {@code lastIdBefore} against the project's earlier images, using the
     * embeddings of {@code backboneId}. Empty when there is nothing to compare (a new project, too few new
     * images) or when cancelled. When the check fires, the new images' ids are stored for "show them first".
     */
    public static Optional<DriftReport> afterImport(ProjectStore store, String backboneId, long lastIdBefore,
                                                    DriftTest.Config config, BooleanSupplier cancel) {
        Set<Long> excluded = store.excludedImages();
        EmbeddingSet set = rowsUsed(store, backboneId, lastIdBefore, excluded, config);
        DriftCheck.Confidences conf = confidences(store, set, backboneId, lastIdBefore);
        DriftReport r = DriftCheck.check(set, id -> id > lastIdBefore && !excluded.contains(id),
                id -> id <= lastIdBefore && !excluded.contains(id), conf, config, cancel);
        if (r != null && r.drifted()) {
            store.setSetting(SHOW_FIRST_SETTING, r.order().stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        return Optional.ofNullable(r);
    }

    /**
     * Every stored id of {@code backboneId}'s embeddings, with the vectors of only the rows the check will read (the
     * others null): the test's random samples of earlier and new images, drawn as {@link DriftTest#test} draws them,
     * and the rows the confidences are measured on. The result is the same as on every row, without a heap copy of
     * every embedding (190 MB on 100,000 images; ADR 0040).
     */
    static EmbeddingSet rowsUsed(ProjectStore store, String backboneId, long lastIdBefore, Set<Long> excluded,
                                 DriftTest.Config config) {
        long[] ids = store.embeddingIds(backboneId);
        List<Integer> newRows = new ArrayList<>();
        List<Integer> oldRows = new ArrayList<>();
        for (int r = 0; r < ids.length; r++) {
            if (excluded.contains(ids[r])) continue;
            if (ids[r] > lastIdBefore) newRows.add(r);
            else oldRows.add(r);
        }
        Set<Long> used = new HashSet<>();
        if (newRows.size() >= config.minCandidate() && oldRows.size() >= config.minCandidate()) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(config.seed());
            for (int i : DriftTest.sample(oldRows.size(), config.maxReference(), rnd)) used.add(ids[oldRows.get(i)]);
            for (int j : DriftTest.sample(newRows.size(), config.maxCandidate(), rnd)) used.add(ids[newRows.get(j)]);
        }
        for (int r : confidenceRows(ids, new HashSet<>(store.currentLabels().keySet()), lastIdBefore)) used.add(ids[r]);
        EmbeddingSet some = store.embeddings(backboneId, used::contains);
        float[][] vectors = new float[ids.length][];
        for (int i = 0, r = 0; i < some.size(); i++) {
            while (ids[r] != some.ids()[i]) r++;
            vectors[r] = some.vectors()[i];
        }
        int dim = some.size() > 0 ? some.dim() : store.embeddings(backboneId, id -> id == (ids.length > 0 ? ids[0] : -1)).dim();
        return new EmbeddingSet(backboneId, dim, ids, vectors);
    }

    /** The rows whose confidence is measured: new and labelled images, and a random sample of earlier unlabelled ones. */
    private static List<Integer> confidenceRows(long[] ids, Set<Long> labelled, long lastIdBefore) {
        List<Integer> rows = new ArrayList<>();
        List<Integer> oldUnlabelled = new ArrayList<>();
        for (int r = 0; r < ids.length; r++) {
            long id = ids[r];
            if (id > lastIdBefore || labelled.contains(id)) rows.add(r);
            else oldUnlabelled.add(r);
        }
        java.util.Collections.shuffle(oldUnlabelled, new java.util.Random(7));
        rows.addAll(oldUnlabelled.subList(0, Math.min(PROJECT_CONFIDENCE_SAMPLE, oldUnlabelled.size())));
        return rows;
    }

    /** The ids stored by the last import whose check fired, most unlike the project first; empty if none. */
    public static List<Long> showFirst(ProjectStore store) {
        String v = store.setting(SHOW_FIRST_SETTING).orElse("");
        if (v.isBlank()) return List.of();
        List<Long> out = new ArrayList<>();
        for (String s : v.split(",")) out.add(Long.parseLong(s.trim()));
        return out;
    }

    /**
     * Predicted-class confidences from the latest saved model that fits these embeddings, for the labelled images,
     * every new image and a sample of the earlier unlabelled ones; null when there is no such model.
     */
    static DriftCheck.Confidences confidences(ProjectStore store, EmbeddingSet set, String backboneId, long lastIdBefore) {
        Head head = latestHead(store, backboneId, set.dim()).orElse(null);
        if (head == null || set.size() == 0) return null;
        Set<Long> labelled = new HashSet<>(store.currentLabels().keySet());
        List<Integer> rows = confidenceRows(set.ids(), labelled, lastIdBefore);
        rows.removeIf(r -> set.vectors()[r] == null); // a label given since the rows were read: not scored
        Map<Long, Float> byImage = new HashMap<>();
        int batch = 4096;
        for (int from = 0; from < rows.size(); from += batch) {
            List<Integer> part = rows.subList(from, Math.min(rows.size(), from + batch));
            float[] flat = new float[part.size() * set.dim()];
            for (int i = 0; i < part.size(); i++) System.arraycopy(set.vectors()[part.get(i)], 0, flat, i * set.dim(), set.dim());
            INDArray p = head.predict(Nd4j.create(flat, new long[] {part.size(), set.dim()}, 'c'));
            float[] probs = p.data().asFloat();
            int c = head.classCount();
            for (int i = 0; i < part.size(); i++) {
                float best = 0;
                for (int k = 0; k < c; k++) best = Math.max(best, probs[i * c + k]);
                byImage.put(set.ids()[part.get(i)], best);
            }
        }
        labelled.retainAll(byImage.keySet());
        return new DriftCheck.Confidences(byImage, labelled);
    }

    /** The newest saved head trained on these embeddings, read from its file (the trainer's head is never touched). */
    static Optional<Head> latestHead(ProjectStore store, String backboneId, int dim) {
        List<ModelVersion> versions = store.modelVersions();
        for (int i = versions.size() - 1; i >= 0; i--) {
            try {
                ModelVersionFile f = ModelVersionFile.read(store.dir().resolve(versions.get(i).file()));
                if (f.backboneId().equals(backboneId) && f.state().config().inputDim() == dim) {
                    Head h = Head.fromState(f.state());
                    return h.activeCount() == 0 ? Optional.empty() : Optional.of(h);
                }
            } catch (LoupeException e) {
                LOG.warn("Skipping model version {} for the drift check: {}", versions.get(i).id(), e.getMessage());
            }
        }
        return Optional.empty();
    }

}
