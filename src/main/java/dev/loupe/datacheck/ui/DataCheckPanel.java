package dev.loupe.datacheck.ui;

import dev.loupe.datacheck.DataCheckJob;
import dev.loupe.datacheck.DuplicateActions;
import dev.loupe.datacheck.NearDuplicates;
import dev.loupe.datacheck.Outliers;
import dev.loupe.datacheck.PixelPrint;
import dev.loupe.datacheck.ProjectVectors;
import dev.loupe.gallery.GalleryFilter;
import dev.loupe.gallery.ui.GalleryModel;
import dev.loupe.gallery.ui.ThumbnailImages;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.project.LabelClass;
import dev.loupe.ui.DialogService;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.image.ImageView;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import java.util.function.Function;

/**
 * "Duplicates & outliers" (ADR 0027): finds near-duplicate groups and outliers in the background (cancel), on the
 * embeddings the session already holds, with the same core as {@code loupe review --duplicates / --outliers}. Each
 * group shows its thumbnails side by side. Keys on the group list: X excludes the copies (keeps the labelled or first
 * image, {@link DuplicateActions#keeper}), K keeps them all (the group leaves the list), L labels the group as the
 * chosen class (each image one label through the journal; "Undo group label" takes them all back while they are the
 * newest labels, Edit ▸ Undo one by one: the journal has no batches, ADR 0035). Kept groups are remembered
 * (ProjectStore.keepGroup). Keys on the outlier
 * list: X excludes, I brings back. Ctrl/Cmd+Z undoes the last exclusion change. Excluded images leave the gallery, the
 * queue and the exports.
 */
public final class DataCheckPanel extends VBox {
    private static final double THUMB = 64;

    private final ProjectModel project;
    private final GalleryModel gallery;
    private final DialogService dialogs;
    private final ThumbnailImages thumbs = new ThumbnailImages(400, THUMB);
    private final Button findDuplicates = new Button("Near-duplicates");
    private final Button findOutliers = new Button("Outliers");
    private final Button cancel = new Button("Cancel");
    private final ProgressBar progress = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
    private final Label status = new Label("Near-duplicates: resized, recompressed or cropped copies. Outliers: images far from "
            + "every other one in the model's view, or unlike the rest in how they look (junk, or a kind of image nobody "
            + "labelled yet).");
    private final ListView<NearDuplicates.Group> groups = new ListView<>();
    private final ListView<Outliers.Scored> outliers = new ListView<>();
    private final ComboBox<LabelClass> groupClass = new ComboBox<>();
    private final BooleanProperty busy = new SimpleBooleanProperty();
    /** Whether the project has an exclusion change to undo (the Undo button is disabled otherwise). */
    private final BooleanProperty canUndo = new SimpleBooleanProperty();
    /** Groups taken out by "exclude the copies", for Ctrl+Z: the group and where it was (null: an outlier change). */
    private final Deque<Removed> undo = new ArrayDeque<>();
    private Set<Long> excluded = Set.of();
    private DataCheckJob<?> job;

    private record Removed(NearDuplicates.Group group, int index) {}

    /** The last group labelled here, for "Undo group label": the group, where it was, and how many labels it got. */
    private record Labelled(NearDuplicates.Group group, int index, int count) {}

    private final javafx.beans.property.ObjectProperty<Labelled> lastLabelled = new javafx.beans.property.SimpleObjectProperty<>();

    public DataCheckPanel(ProjectModel project, GalleryModel gallery, DialogService dialogs) {
        this.project = project;
        this.gallery = gallery;
        this.dialogs = dialogs;
        setId("dataCheckPanel");
        findDuplicates.setId("findDuplicates");
        findOutliers.setId("findOutliers");
        cancel.setId("cancelDataCheck");
        progress.setId("dataCheckProgress");
        status.setId("dataCheckStatus");
        groups.setId("duplicateGroups");
        outliers.setId("outliers");
        groupClass.setId("groupClass");
        status.setWrapText(true);
        status.setMinHeight(Label.USE_PREF_SIZE);
        cancel.setDisable(true);
        progress.setVisible(false);
        progress.setMaxWidth(Double.MAX_VALUE);
        findDuplicates.disableProperty().bind(project.stateProperty().isNull().or(busy));
        findOutliers.disableProperty().bind(project.stateProperty().isNull().or(busy));
        findDuplicates.setOnAction(e -> findDuplicates());
        findOutliers.setOnAction(e -> findOutliers());
        cancel.setOnAction(e -> { if (job != null) job.cancel(); });

        groups.setCellFactory(v -> new GroupCell());
        groups.setPlaceholder(new Label("No groups listed: Find ▸ Near-duplicates."));
        groups.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> {
            if (now != null) {
                gallery.select(now.ids().get(0));
                ProjectState s = project.state();
                // the class its labels agree on, else what the model predicts for its first image
                groupClass.setValue(s == null ? null : DuplicateActions.agreedClass(now, s.labels()).flatMap(s::classById)
                        .or(() -> s.predicted(now.ids().get(0))).orElse(groupClass.getValue()));
            }
        });
        groups.addEventFilter(KeyEvent.KEY_PRESSED, this::onGroupKey);
        outliers.setCellFactory(v -> new OutlierCell());
        outliers.setPlaceholder(new Label("No outliers listed: Find ▸ Outliers."));
        outliers.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> {
            if (now != null) gallery.select(now.id());
        });
        outliers.addEventFilter(KeyEvent.KEY_PRESSED, this::onOutlierKey);
        groupClass.setConverter(new StringConverter<>() {
            @Override
            public String toString(LabelClass c) { return c == null ? "" : c.name(); }

            @Override
            public LabelClass fromString(String s) { return null; }
        });
        groupClass.setPromptText("class");

        Button excludeCopies = new Button("Exclude the copies");
        excludeCopies.setId("excludeCopies");
        excludeCopies.setOnAction(e -> excludeCopies());
        Button keepAll = new Button("Keep all");
        keepAll.setId("keepGroup");
        keepAll.setOnAction(e -> keepGroup());
        Button labelGroup = new Button("Label the group as");
        labelGroup.setId("labelGroup");
        labelGroup.setOnAction(e -> labelGroup());
        var noGroup = groups.getSelectionModel().selectedItemProperty().isNull();
        excludeCopies.disableProperty().bind(noGroup);
        keepAll.disableProperty().bind(noGroup);
        labelGroup.disableProperty().bind(noGroup.or(groupClass.valueProperty().isNull()));
        Button undoLabel = new Button("Undo group label");
        undoLabel.setId("undoGroupLabel");
        undoLabel.setOnAction(e -> undoGroupLabel());
        undoLabel.disableProperty().bind(lastLabelled.isNull());
        Button exclude = new Button("Exclude");
        exclude.setId("excludeOutlier");
        exclude.setOnAction(e -> setOutlierExcluded(true));
        Button include = new Button("Bring back");
        include.setId("includeOutlier");
        include.setOnAction(e -> setOutlierExcluded(false));
        var noOutlier = outliers.getSelectionModel().selectedItemProperty().isNull();
        exclude.disableProperty().bind(noOutlier);
        include.disableProperty().bind(noOutlier);
        Button undoButton = new Button("Undo exclusion");
        undoButton.setId("undoExclusion");
        undoButton.setOnAction(e -> undoExclusion());
        undoButton.disableProperty().bind(project.stateProperty().isNull().or(canUndo.not()));

        VBox.setVgrow(groups, Priority.ALWAYS);
        VBox.setVgrow(outliers, Priority.ALWAYS);
        groups.setPrefHeight(260);
        outliers.setPrefHeight(200);
        HBox labelAs = new HBox(4, labelGroup, groupClass);
        FlowPane groupActions = new FlowPane(6, 6, excludeCopies, keepAll, labelAs, undoLabel);
        FlowPane outlierActions = new FlowPane(6, 6, exclude, include, undoButton);
        Label keys = new Label("Groups — X: exclude the copies   K: keep all   L: label the group.   "
                + "Outliers — X: exclude   I: bring back.   Ctrl+Z: undo the last exclusion.");
        keys.setWrapText(true);
        keys.setMinHeight(Label.USE_PREF_SIZE);
        keys.getStyleClass().add("hint");
        setSpacing(6);
        setPadding(new Insets(8));
        for (Button b : List.of(findDuplicates, findOutliers, cancel, excludeCopies, keepAll, labelGroup, undoLabel, exclude, include,
                undoButton)) {
            b.setMinWidth(Button.USE_PREF_SIZE);
        }
        progress.managedProperty().bind(progress.visibleProperty());
        Label find = new Label("Find:");
        HBox top = new HBox(8, find, findDuplicates, findOutliers, cancel);
        top.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(top, progress, status,
                heading("Near-duplicate groups"), groups, groupActions, heading("Outliers (farthest first)"), outliers,
                outlierActions, keys);

        project.stateProperty().addListener((o, was, now) -> {
            if (now == null || was == null || !was.dir().equals(now.dir())) {
                clear();
                if (now != null) loadExcluded();
            }
            if (now != null && (was == null || was.classes() != now.classes())) {
                LabelClass chosen = groupClass.getValue();
                groupClass.getItems().setAll(now.classes());
                groupClass.setValue(chosen == null ? null : now.classById(chosen.id()).orElse(null));
            }
        });
    }

    private static Label heading(String text) {
        Label l = new Label(text);
        l.setStyle("-fx-font-weight: bold");
        return l;
    }

    // ---- the searches -------------------------------------------------------------------------------------------

    /**
     * Finds near-duplicate groups as {@code loupe review --duplicates} does (embedding candidates confirmed by the
     * pixel check of the thumbnails) and lists those not kept before.
     */
    public void findDuplicates() {
        ProjectState s = project.state();
        if (s == null) return;
        dev.loupe.labelling.ui.ImageIndex images = s.images();
        NearDuplicates.PixelCheck check = NearDuplicates.PixelCheck.of(id -> PixelPrint.read(images.thumbnail(id)));
        run("Looking for near-duplicates", v -> (cancelled, done) -> NearDuplicates.find(v,
                NearDuplicates.DEFAULT_THRESHOLD, check, cancelled, done), (v, r) -> showGroups(v, r));
    }

    /**
     * Scores every image by its distance to its nearest neighbours, in the model's view and in how it looks (its
     * thumbnail), and lists the outliers as {@code loupe review --outliers} does.
     */
    public void findOutliers() {
        ProjectState s = project.state();
        if (s == null) return;
        dev.loupe.labelling.ui.ImageIndex images = s.images();
        run("Looking for outliers", v -> (cancelled, done) -> Outliers.find(v,
                id -> PixelPrint.read(images.thumbnail(id)), Outliers.DEFAULT_K, Outliers.DEFAULT_Z, 42, cancelled, done),
                (v, r) -> showOutliers(v, r));
    }

    /** The embeddings searched and the groups the user kept before (read together on the session thread). */
    private record Input(ProjectVectors vectors, List<Set<Long>> kept) {}

    /**
     * Reads the live images' embeddings on the session thread (the ones the session already computed), then runs the
     * search on its own thread; the result comes back on the FX thread.
     */
    private <T> void run(String what, Function<ProjectVectors, BiFunction<BooleanSupplier, DoubleConsumer, T>> search,
                         java.util.function.BiConsumer<Input, T> shown) {
        if (busy.get()) return;
        busy.set(true);
        status.setText("Reading the embeddings…");
        progress.setProgress(ProgressBar.INDETERMINATE_PROGRESS);
        progress.setVisible(true);
        project.withProject((store, session) -> new Input(
                ProjectVectors.read(store, session.backbone().id(), ProjectVectors.Use.ONCE), store.keptGroups()), in -> {
            status.setText(what + "…");
            cancel.setDisable(false);
            BiFunction<BooleanSupplier, DoubleConsumer, T> work;
            try {
                work = search.apply(in.vectors());
            } catch (RuntimeException | Error e) {
                in.vectors().close(); // no search thread will free the native rows
                throw e;
            }
            // the native rows are freed by the search's thread once it is done with them (ADR 0040)
            DataCheckJob<T> j = DataCheckJob.start("loupe-data-check", (c, p) -> {
                try {
                    return work.apply(c, p);
                } finally {
                    in.vectors().close();
                }
            },
                    p -> Platform.runLater(() -> {
                        if (job == null) return;
                        progress.setProgress(p);
                        status.setText(String.format(Locale.ROOT, "%s… %d %%", what, Math.round(100 * p)));
                    }));
            job = j;
            j.result().whenComplete((r, t) -> Platform.runLater(() -> {
                finished();
                if (t == null) {
                    shown.accept(in, r);
                } else {
                    failed(t);
                }
            }));
        }).whenComplete((r, t) -> {
            if (t != null) Platform.runLater(this::finished);
        });
    }

    private void failed(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof CancellationException) {
            status.setText("Search cancelled.");
        } else {
            dialogs.showError("The search failed: " + DialogService.userMessage(cause), cause);
        }
    }

    private void finished() {
        job = null;
        progress.setVisible(false);
        cancel.setDisable(true);
        busy.set(false);
    }

    private void showGroups(Input in, List<NearDuplicates.Group> all) {
        ProjectVectors v = in.vectors();
        List<NearDuplicates.Group> found = DuplicateActions.withoutKept(all, in.kept());
        undo.clear();
        groups.getItems().setAll(found);
        showGroupsInGallery();
        if (!found.isEmpty()) gallery.setFilter(GalleryFilter.DUPLICATES);
        int copies = found.stream().mapToInt(g -> g.ids().size() - 1).sum();
        status.setText(found.isEmpty() ? "No near-duplicates among " + v.size() + " images."
                : found.size() + " near-duplicate group" + (found.size() == 1 ? "" : "s") + " (" + copies + " cop"
                + (copies == 1 ? "y" : "ies") + ") among " + v.size() + " images; the gallery shows them group by group.");
        if (!found.isEmpty()) {
            groups.getSelectionModel().select(0);
            groups.requestFocus();
        }
    }

    private void showOutliers(Input in, Outliers.Result r) {
        ProjectVectors v = in.vectors();
        List<Outliers.Scored> found = r.outliers();
        outliers.getItems().setAll(found);
        gallery.setOutliers(found.stream().mapToLong(Outliers.Scored::id).toArray());
        status.setText(found.isEmpty() ? "No outliers among " + v.size() + " images."
                : found.size() + " outlier" + (found.size() == 1 ? "" : "s") + " among " + v.size()
                + " images; the gallery shows them (Show ▸ Outliers).");
        if (!found.isEmpty()) {
            gallery.setFilter(GalleryFilter.OUTLIERS);
            outliers.getSelectionModel().select(0);
            outliers.requestFocus();
        }
    }

    // ---- actions ------------------------------------------------------------------------------------------------

    private void onGroupKey(KeyEvent e) {
        if (e.getCode() == KeyCode.Z && e.isShortcutDown()) undoExclusion();
        else if (e.isShortcutDown() || e.isAltDown()) return;
        else if (e.getCode() == KeyCode.X) excludeCopies();
        else if (e.getCode() == KeyCode.K) keepGroup();
        else if (e.getCode() == KeyCode.L) labelGroup();
        else return;
        e.consume();
    }

    private void onOutlierKey(KeyEvent e) {
        if (e.getCode() == KeyCode.Z && e.isShortcutDown()) undoExclusion();
        else if (e.isShortcutDown() || e.isAltDown()) return;
        else if (e.getCode() == KeyCode.X) setOutlierExcluded(true);
        else if (e.getCode() == KeyCode.I) setOutlierExcluded(false);
        else return;
        e.consume();
    }

    /** Excludes every image of the selected group but its keeper (one undoable batch) and takes the group off the list. */
    public void excludeCopies() {
        NearDuplicates.Group g = groups.getSelectionModel().getSelectedItem();
        ProjectState s = project.state();
        if (g == null || s == null) return;
        int index = groups.getSelectionModel().getSelectedIndex();
        List<Long> copies = DuplicateActions.copies(List.of(g), s.labels());
        changeExclusion(copies, true, "near-duplicate", () -> {
            undo.push(new Removed(g, index));
            removeGroup(index);
            status.setText("Excluded " + copies.size() + " cop" + (copies.size() == 1 ? "y" : "ies")
                    + "; Ctrl+Z brings " + (copies.size() == 1 ? "it" : "them") + " back.");
        });
    }

    /**
     * The selected group's images are all kept: the group leaves the list and is remembered (the project's exclusion
     * record), so later searches, here and in {@code loupe review --duplicates}, leave it out.
     */
    public void keepGroup() {
        keepGroup(null);
    }

    private void keepGroup(String done) {
        NearDuplicates.Group g = groups.getSelectionModel().getSelectedItem();
        int index = groups.getSelectionModel().getSelectedIndex();
        if (g == null) return;
        project.withProject((store, session) -> store.keepGroup(g.ids()), batch -> {
            int at = groups.getItems().indexOf(g);
            removeGroup(at >= 0 ? at : index);
            status.setText(done != null ? done : "Kept all " + g.ids().size() + " images; the group will not be listed again.");
        });
    }

    /** Labels every image of the selected group that does not have the chosen class yet, one label each. */
    public void labelGroup() {
        NearDuplicates.Group g = groups.getSelectionModel().getSelectedItem();
        LabelClass c = groupClass.getValue();
        ProjectState s = project.state();
        if (g == null || s == null) return;
        if (c == null) {
            status.setText("Choose the group's class first (the list beside \"Label the group as\").");
            groupClass.requestFocus();
            return;
        }
        List<Long> todo = DuplicateActions.toLabel(g, s.labels(), c.id());
        int done = 0;
        for (long id : todo) if (project.label(id, c.id())) done++;
        int index = groups.getSelectionModel().getSelectedIndex();
        lastLabelled.set(done == 0 ? null : new Labelled(g, index, done));
        removeGroup(index);
        status.setText("Labelled " + done + " image" + (done == 1 ? "" : "s") + " of the group as " + c.name()
                + "; Undo group label takes them all back.");
    }

    /** Takes back the last group label as one action (while its labels are the newest) and lists the group again. */
    public void undoGroupLabel() {
        Labelled l = lastLabelled.get();
        if (l == null) return;
        lastLabelled.set(null);
        project.undoLabels(Set.copyOf(l.group().ids()), l.count()).thenAccept(n -> Platform.runLater(() -> {
            if (n == 0) {
                status.setText("The group's labels are no longer the last ones: Edit ▸ Undo label takes labels back one by one.");
                return;
            }
            if (!groups.getItems().contains(l.group())) {
                int at = Math.min(l.index(), groups.getItems().size());
                groups.getItems().add(at, l.group());
                groups.getSelectionModel().select(at);
                showGroupsInGallery();
            }
            status.setText("Undone: " + n + " label" + (n == 1 ? "" : "s") + " of the group.");
        }));
    }

    /** Excludes or brings back the selected outlier. */
    public void setOutlierExcluded(boolean exclude) {
        Outliers.Scored o = outliers.getSelectionModel().getSelectedItem();
        if (o == null) return;
        changeExclusion(List.of(o.id()), exclude, "outlier", () -> {
            status.setText(exclude ? "Excluded: it leaves the queue and the exports (I or Ctrl+Z brings it back)."
                    : "Brought back into the queue and the exports.");
            int i = outliers.getSelectionModel().getSelectedIndex();
            if (exclude && i + 1 < outliers.getItems().size()) outliers.getSelectionModel().select(i + 1);
        });
    }

    /** Reverses the last exclusion change (again: redoes it), as {@code loupe review --undo-exclusion}. */
    public void undoExclusion() {
        project.withProject((store, session) -> {
            int n = store.undoLastExclusion();
            canUndoNow = store.canUndoExclusion();
            return Map.entry(n, store.excludedImages());
        }, r -> {
            showExcluded(r.getValue());
            if (r.getKey() == 0) {
                status.setText("No exclusion to undo.");
                return;
            }
            Removed d = undo.poll();
            if (d != null && d.group().ids().stream().noneMatch(excluded::contains)) {
                int at = Math.min(d.index(), groups.getItems().size());
                groups.getItems().add(at, d.group());
                groups.getSelectionModel().select(at);
                showGroupsInGallery();
            }
            status.setText("Undone: " + r.getKey() + " image" + (r.getKey() == 1 ? "" : "s") + " changed back.");
        });
    }

    private void changeExclusion(List<Long> ids, boolean exclude, String reason, Runnable then) {
        project.withProject((store, session) -> {
            store.setExcluded(ids, exclude, reason);
            canUndoNow = store.canUndoExclusion();
            return store.excludedImages();
        }, now -> {
            showExcluded(now);
            then.run();
        });
    }

    private void loadExcluded() {
        project.withProject((store, session) -> {
            canUndoNow = store.canUndoExclusion();
            return store.excludedImages();
        }, this::showExcluded);
    }

    /** Written on the session thread with each exclusion read, shown by {@link #showExcluded} on the FX thread. */
    private volatile boolean canUndoNow;

    private void showExcluded(Set<Long> now) {
        canUndo.set(canUndoNow);
        excluded = Set.copyOf(now);
        gallery.setExcluded(excluded);
        outliers.refresh();
    }

    /** The gallery's Near-duplicates filter: the listed groups' images, group after group. */
    private void showGroupsInGallery() {
        gallery.setDuplicates(groups.getItems().stream().flatMap(g -> g.ids().stream()).mapToLong(Long::longValue).toArray());
    }

    private void removeGroup(int index) {
        if (index < 0 || index >= groups.getItems().size()) return;
        groups.getItems().remove(index);
        showGroupsInGallery();
        if (!groups.getItems().isEmpty()) groups.getSelectionModel().select(Math.min(index, groups.getItems().size() - 1));
    }

    private void clear() {
        if (job != null) job.cancel();
        undo.clear();
        excluded = Set.of();
        canUndo.set(false);
        lastLabelled.set(null);
        groups.getItems().clear();
        outliers.getItems().clear();
    }

    public ListView<NearDuplicates.Group> duplicateGroups() { return groups; }

    public ListView<Outliers.Scored> outlierList() { return outliers; }

    public ComboBox<LabelClass> groupClass() { return groupClass; }

    // ---- cells --------------------------------------------------------------------------------------------------

    private ImageView thumb(ProjectState s, long id) {
        ImageView v = new ImageView();
        thumbs.request(id, s.images().thumbnail(id), s.images().path(id), (imageId, image) -> v.setImage(image));
        v.setFitWidth(THUMB);
        v.setFitHeight(THUMB);
        v.setPreserveRatio(true);
        return v;
    }

    private String labelText(ProjectState s, long id, String unlabelled) {
        String name = s.labelOf(id).map(LabelClass::name).orElse(unlabelled);
        return excluded.contains(id) ? name + " · excluded" : name;
    }

    private final class GroupCell extends ListCell<NearDuplicates.Group> {
        @Override
        protected void updateItem(NearDuplicates.Group g, boolean empty) {
            super.updateItem(g, empty);
            ProjectState s = project.state();
            setText(null);
            if (empty || g == null || s == null) {
                setGraphic(null);
                return;
            }
            FlowPane row = new FlowPane(4, 4);
            for (long id : g.ids()) {
                Label tile = new Label(labelText(s, id, "—"), thumb(s, id));
                tile.setOpacity(excluded.contains(id) ? 0.45 : 1);
                tile.setContentDisplay(javafx.scene.control.ContentDisplay.TOP);
                tile.setMaxWidth(THUMB + 8);
                tile.setTooltip(new javafx.scene.control.Tooltip(String.valueOf(s.images().path(id))));
                row.getChildren().add(tile);
            }
            Label caption = new Label(String.format(Locale.ROOT, "%d images, similarity ≥ %.3f", g.ids().size(),
                    g.minSimilarity()));
            VBox box = new VBox(2, caption, row);
            row.setPrefWrapLength(1);
            row.prefWrapLengthProperty().bind(groups.widthProperty().subtract(40));
            setGraphic(box);
        }
    }

    private final class OutlierCell extends ListCell<Outliers.Scored> {
        @Override
        protected void updateItem(Outliers.Scored o, boolean empty) {
            super.updateItem(o, empty);
            ProjectState s = project.state();
            setText(null);
            if (empty || o == null || s == null) {
                setGraphic(null);
                return;
            }
            java.nio.file.Path p = s.images().path(o.id());
            Label text = new Label(String.format(Locale.ROOT, "%s%n%s (%.1f× the bound) · %s", p == null ? "#" + o.id()
                    : p.getFileName(), o.why() == null ? "far from the rest" : o.why(), o.score(), labelText(s, o.id(), "unlabelled")));
            HBox row = new HBox(8, thumb(s, o.id()), text);
            row.setOpacity(excluded.contains(o.id()) ? 0.45 : 1);
            row.setAlignment(Pos.CENTER_LEFT);
            setGraphic(row);
        }
    }
}
