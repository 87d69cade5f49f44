package dev.loupe.gallery.ui;

import dev.loupe.gallery.GalleryFilter;
import dev.loupe.gallery.GalleryOrder;
import dev.loupe.gallery.LongSet;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.ranking.QueryStrategy;
import dev.loupe.training.Snapshot;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * What the gallery shows and in which order, and which image is selected. Re-ranks when a snapshot arrives without
 * moving what the user has already seen (docs/adr/0009-gallery-reranking.md). FX thread only.
 */
public final class GalleryModel {

    private final ProjectModel project;
    private final LongItems items = new LongItems();
    private final ReadOnlyObjectWrapper<Long> selected = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<GalleryFilter> filter = new ReadOnlyObjectWrapper<>(GalleryFilter.UNLABELLED);
    private final ReadOnlyObjectWrapper<QueryStrategy> strategy = new ReadOnlyObjectWrapper<>(QueryStrategy.MARGIN);
    private IntSupplier seen = () -> 0;
    private Runnable afterFullRerank = () -> { };
    private boolean startOver;
    /** Whether the user selected or labelled while the project's session was still opening. */
    private boolean touchedWhileOpening;

    public GalleryModel(ProjectModel project) {
        this.project = project;
        project.stateProperty().addListener((o, old, now) -> onState(old, now));
        project.addRestoreListener(this::reveal);
        // every label has been taken in (or failed): one the state still does not show was never written
        project.labelsInFlightProperty().addListener((o, was, now) -> {
            if (now.intValue() == 0 && !labelledHere.isEmpty()) {
                ProjectState s = project.state();
                List<Long> failed = new ArrayList<>();
                for (Long id : labelledHere) {
                    if (s == null || !s.labels().containsKey(id)) failed.add(id);
                }
                labelledHere.removeAll(failed);
                if (s != null) {
                    failed.forEach(this::reveal); // a label that failed (a full disk): its image is back where it was
                }
            }
        });
    }

    /** Image ids in display order (read-only: changing it throws). */
    public ObservableList<Long> items() {
        return items;
    }

    public ReadOnlyObjectProperty<Long> selectedProperty() {
        return selected.getReadOnlyProperty();
    }

    public Long selected() {
        return selected.get();
    }

    public ReadOnlyObjectProperty<GalleryFilter> filterProperty() {
        return filter.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<QueryStrategy> strategyProperty() {
        return strategy.getReadOnlyProperty();
    }

    /** The view tells how many leading items the user has seen (up to the last one on screen). */
    void setSeenCount(IntSupplier seenCount) {
        this.seen = seenCount;
    }

    /** The view scrolls the selection into view after a full re-rank. */
    void setAfterFullRerank(Runnable r) {
        this.afterFullRerank = r;
    }

    // ---- ordering -----------------------------------------------------------------------------------------

    private void onState(ProjectState old, ProjectState now) {
        if (now == null || old != null && !old.dir().equals(now.dir())) {
            showFirst = List.of();
            excluded = java.util.Set.of();
            outliers = new long[0];
            duplicates = new long[0];
        }
        if (now == null || old != null && !old.dir().equals(now.dir())) {
            labelledHere.clear();
        } else {
            labelledHere.removeIf(id -> now.labels().containsKey(id)); // the state has caught up with these
        }
        if (now == null) {
            items.setAll(new long[0]);
            selected.set(null);
            return;
        }
        if (now.snapshot() != null) {
            strategy.set(now.snapshot().strategy());
        }
        Snapshot was = old == null ? null : old.snapshot();
        boolean sameProject = old != null && old.dir().equals(now.dir());
        boolean sameStrategy = was != null && now.snapshot() != null && was.strategy() == now.snapshot().strategy();
        // The session opened under a gallery shown from the store (ADR 0031): once the user has selected or labelled
        // there, what they have seen stays put; otherwise the gallery starts at the top of the model's queue.
        boolean opened = sameProject && old.opening() && !now.opening();
        boolean touched = touchedWhileOpening;
        if (!now.opening()) {
            touchedWhileOpening = false;
        }
        if (opened && !touched) {
            selected.set(null);
            rerankAll();
        } else if (!sameProject || !sameStrategy && !opened) {
            rerankAll();
        } else if (opened || was != now.snapshot() || old.labels() != now.labels() || old.classes() != now.classes()) {
            rerankUnseen();
        }
    }

    /**
     * Applies the latest ranking to every tile, keeping the selected image selected — except after the user chose
     * another filter or order, where the selection starts over at the first tile.
     */
    public void rerankAll() {
        ProjectState s = project.state();
        if (s != null) {
            if (startOver) {
                selected.set(null);
                startOver = false;
            }
            show(fresh(s));
            afterFullRerank.run();
        }
    }

    private void rerankUnseen() {
        ProjectState s = project.state();
        int sel = selected.get() == null ? -1 : items.indexOf(selected.get().longValue());
        int keep = Math.max(seen.getAsInt(), sel + 1);
        show(GalleryOrder.keepPrefix(items.head(keep), keep, fresh(s))); // only the kept part is read
    }

    private long[] suspects = new long[0];

    /**
     * The likely mislabelled images of the last label check, most likely first: what the
     * {@link GalleryFilter#SUSPECTS} filter shows (those still labelled).
     */
    public void setSuspects(long[] imageIds) {
        suspects = imageIds.clone();
        if (filter.get().kind() == GalleryFilter.Kind.SUSPECTS) {
            rerankAll();
        }
    }

    private long[] outliers = new long[0];
    private long[] duplicates = new long[0];

    /** The listed near-duplicate groups' images, group after group: what {@link GalleryFilter#DUPLICATES} shows. */
    public void setDuplicates(long[] imageIds) {
        duplicates = imageIds.clone();
        if (filter.get().kind() == GalleryFilter.Kind.DUPLICATES) {
            rerankAll();
        }
    }
    private java.util.Set<Long> excluded = java.util.Set.of();
    private List<Long> showFirst = List.of();

    /** The outliers of the last outlier search, farthest first: what {@link GalleryFilter#OUTLIERS} shows. */
    public void setOutliers(long[] imageIds) {
        outliers = imageIds.clone();
        if (filter.get().kind() == GalleryFilter.Kind.OUTLIERS) {
            rerankAll();
        }
    }

    /** The project's excluded images (ADR 0027): every filter leaves them out. */
    public void setExcluded(java.util.Set<Long> imageIds) {
        java.util.Set<Long> now = java.util.Set.copyOf(imageIds);
        if (now.equals(excluded)) {
            return;
        }
        excluded = now;
        // Only the excluded images leave; what the user has seen stays put. A full re-rank here (the panel reads the
        // exclusions once the session is open) moved the image selected on the first screen to its place in the
        // model's queue, tens of thousands of tiles down, and the user went on labelling there (issue 16c).
        if (project.state() != null) {
            rerankUnseen();
        }
    }

    /**
     * "Show them first" after a drifted import: the unlabelled queue starts with these images (most unlike the project
     * first), then goes on in the model's order; it switches the gallery to the queue.
     */
    public void showFirst(List<Long> imageIds) {
        showFirst = List.copyOf(imageIds);
        startOver = true;
        if (filter.get().equals(GalleryFilter.UNLABELLED)) {
            rerankAll();
        } else {
            setFilter(GalleryFilter.UNLABELLED);
        }
    }

    private long[] fresh(ProjectState s) {
        long[] ids;
        if (filter.get().kind() == GalleryFilter.Kind.SUSPECTS) {
            ids = java.util.Arrays.stream(suspects).filter(id -> s.labels().containsKey(id)).toArray();
        } else if (filter.get().kind() == GalleryFilter.Kind.OUTLIERS) {
            ids = outliers;
        } else if (filter.get().kind() == GalleryFilter.Kind.DUPLICATES) {
            ids = duplicates;
        } else {
            long[] all = s.snapshot() == null ? s.images().orderWithoutModel() : s.images().ids();
            ids = GalleryOrder.of(s.snapshot(), all, s.labels(), s.columns(), filter.get());
            if (!showFirst.isEmpty() && filter.get().equals(GalleryFilter.UNLABELLED)) {
                ids = GalleryOrder.first(ids, showFirst);
            }
        }
        boolean hideLabelled = !filter.get().admitsLabelled() && !labelledHere.isEmpty();
        if (excluded.isEmpty() && !hideLabelled) {
            return ids;
        }
        LongSet out = LongSet.of(excluded); // no Long per id (100,000 per label)
        if (hideLabelled) {
            labelledHere.forEach(out::add);
        }
        long[] kept = new long[ids.length];
        int n = 0;
        for (long id : ids) {
            if (!out.contains(id)) {
                kept[n++] = id;
            }
        }
        return java.util.Arrays.copyOf(kept, n);
    }

    /**
     * Replaces the items with one change from the first id that differs, so the grid keeps its scroll position (and,
     * when the count stays the same, its cells).
     */
    private void show(long[] ids) {
        items.setAll(ids);
        if (selected.get() == null || items.indexOf(selected.get().longValue()) < 0) {
            selected.set(items.isEmpty() ? null : items.get(0));
        }
    }

    public void setFilter(GalleryFilter f) {
        if (!f.equals(filter.get())) {
            filter.set(f);
            startOver = true;
            rerankAll();
        }
    }

    public void setStrategy(QueryStrategy s) {
        if (s != strategy.get()) {
            strategy.set(s);
            startOver = true;
            project.setStrategy(s); // the snapshot with the new order re-ranks everything
        }
    }

    // ---- selection and labelling ------------------------------------------------------------------------------

    public void select(Long imageId) {
        touched();
        selected.set(imageId);
    }

    private void touched() {
        ProjectState s = project.state();
        if (s != null && s.opening()) {
            touchedWhileOpening = true;
        }
    }

    /** Moves the selection by {@code delta} tiles, clamped to the list. */
    public void moveSelection(int delta) {
        if (items.isEmpty()) {
            return;
        }
        touched();
        int i = selected.get() == null ? -1 : items.indexOf(selected.get().longValue());
        selected.set(items.get(Math.max(0, Math.min(items.size() - 1, i + delta))));
    }

    /** Labels the selected image and selects the next one. */
    /**
     * Images labelled here whose label the project's state does not show yet (the session takes a label in on its own
     * thread; a state that predates it can arrive meanwhile). A queue that hides labelled images hides these too, so a
     * fast typist's next key never lands on an image just labelled (issue 16: 31 of 97 keys 0.15 s apart relabelled one).
     */
    private final java.util.Set<Long> labelledHere = new java.util.HashSet<>();

    public void labelSelected(long classId) {
        if (selected.get() != null) {
            label(selected.get(), classId);
        }
    }

    /** Labels an image; if it was selected, the next image is selected. */
    public void label(long imageId, long classId) {
        touched();
        int i = items.indexOf(imageId);
        boolean wasSelected = selected.get() != null && selected.get() == imageId;
        if (!project.label(imageId, classId)) { // not tried while the project is read-only: it stays put
            return;
        }
        labelledHere.add(imageId);
        if (i < 0) {
            return;
        }
        if (!filter.get().admitsLabelled()) {
            items.removeAt(i); // it leaves the queue now, not when the model has learned it
            if (wasSelected) {
                selected.set(items.isEmpty() ? null : items.get(Math.min(i, items.size() - 1)));
            }
        } else if (wasSelected && i + 1 < items.size()) {
            selected.set(items.get(i + 1));
        }
    }

    public void unlabel(long imageId) {
        labelledHere.remove(imageId);
        project.unlabel(imageId);
    }

    /**
     * Brings an image back into view after an undo or redo: if the filter admits it and it is not shown, it is
     * put where the selection is; either way it becomes the selected image.
     */
    void reveal(long imageId) {
        labelledHere.remove(imageId);
        ProjectState s = project.state();
        if (s == null) {
            return;
        }
        boolean admitted = false;
        for (long id : fresh(s)) {
            if (id == imageId) {
                admitted = true;
                break;
            }
        }
        if (admitted) {
            int at = selected.get() == null ? 0 : Math.max(0, items.indexOf(selected.get().longValue()));
            int was = items.indexOf(imageId);
            if (was != at) {
                if (was >= 0) {
                    items.removeAt(was);
                    at = was < at ? at - 1 : at;
                }
                items.insert(at, imageId);
            }
        }
        if (items.indexOf(imageId) >= 0) {
            selected.set(imageId);
        }
    }
}
