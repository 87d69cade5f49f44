package dev.loupe.labelling.ui;

import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStats;
import dev.loupe.training.Snapshot;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the views render, as one immutable value: the latest snapshot, the classes, the labels and the
 * counts. A new value replaces the old on the FX thread; nothing in it is ever modified.
 *
 * @param columns class id of each snapshot column
 * @param classes live classes in display order
 * @param labels  image id → class id of every labelled image
 * @param opening whether the labelling session is still opening (docs/adr/0031-big-project-open.md): the gallery shows
 *                the store's images in stored order, labels go to the journal and wait for the model, no snapshot
 */
public record ProjectState(Path dir, ImageIndex images, Snapshot snapshot, List<Long> columns,
                           List<LabelClass> classes, Map<Long, Long> labels, ProjectStats stats, boolean opening) {

    /** The project's name: its folder name without {@code .loupe}. */
    public String name() {
        String n = dir.getFileName().toString();
        return n.endsWith(".loupe") ? n.substring(0, n.length() - ".loupe".length()) : n;
    }

    ProjectState withSnapshot(Snapshot s) {
        return new ProjectState(dir, images, s, columns, classes, labels, stats, opening);
    }

    /**
     * This state with the store's view replaced by {@code fresh}'s, keeping the newer of the two snapshots. A state
     * shown while the session opens keeps no snapshot: its images are the store's, not the snapshot's rows.
     */
    ProjectState refreshedBy(ProjectState fresh) {
        Snapshot s = snapshot != null && (fresh.snapshot == null || snapshot.modelVersion() > fresh.snapshot.modelVersion())
                ? snapshot : fresh.snapshot;
        return new ProjectState(dir, images, opening ? null : s, fresh.columns, fresh.classes, fresh.labels, fresh.stats,
                opening);
    }

    public Optional<LabelClass> classById(Long id) {
        if (id == null) {
            return Optional.empty();
        }
        return classes.stream().filter(c -> c.id() == id).findFirst();
    }

    /** The class a snapshot column stands for, if it is live. */
    public Optional<LabelClass> classOfColumn(int column) {
        return column < 0 || column >= columns.size() ? Optional.empty() : classById(columns.get(column));
    }

    /** Predicted class of an image, if the model predicts one. */
    public Optional<LabelClass> predicted(long imageId) {
        int row = images.rowOf(imageId);
        if (snapshot == null || row < 0 || row >= snapshot.rowCount()) {
            return Optional.empty();
        }
        return classOfColumn(snapshot.predictedClass(row));
    }

    /** Confidence of the prediction of an image (0 if none). */
    public float confidence(long imageId) {
        int row = images.rowOf(imageId);
        return snapshot == null || row < 0 || row >= snapshot.rowCount() ? 0f : snapshot.confidence(row);
    }

    public Optional<LabelClass> labelOf(long imageId) {
        return classById(labels.get(imageId));
    }

    /** Labels per live class id. */
    public Map<Long, Long> countsByClass() {
        Map<Long, Long> out = new HashMap<>();
        stats.labelsPerClass().forEach((c, n) -> out.put(c.id(), n));
        return out;
    }
}
