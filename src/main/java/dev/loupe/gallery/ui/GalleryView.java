package dev.loupe.gallery.ui;

import dev.loupe.gallery.GalleryFilter;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.project.LabelClass;
import dev.loupe.ranking.QueryStrategy;
import impl.org.controlsfx.skin.GridViewSkin;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.IndexedCell;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.skin.VirtualFlow;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.util.StringConverter;
import org.controlsfx.control.GridView;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;

/** The gallery: a toolbar (order, filter, count) over a virtualised grid of thumbnail tiles ({@code #gallery}). */
public final class GalleryView extends BorderPane {

    /** Thumbnails kept in memory; with 128 px tiles about 25 MB whatever the project's size. */
    static final int THUMBNAIL_CACHE = 400;

    private final GalleryModel model;
    private final ProjectModel project;
    private final GridView<Long> grid;
    private final Set<GalleryTile> tiles = Collections.newSetFromMap(new WeakHashMap<>());
    private final ComboBox<GalleryFilter> filter = new ComboBox<>();
    private final ComboBox<QueryStrategy> strategy = new ComboBox<>();
    private final Label count = new Label();

    public GalleryView(GalleryModel model, ProjectModel project) {
        this.model = model;
        this.project = project;
        setId("galleryPane");
        ThumbnailImages thumbs = new ThumbnailImages(THUMBNAIL_CACHE, GalleryTile.THUMB);
        grid = new GridView<>(model.items());
        grid.setId("gallery");
        grid.setCellWidth(GalleryTile.THUMB + 8);
        grid.setCellHeight(GalleryTile.THUMB + 30);
        grid.setHorizontalCellSpacing(4);
        grid.setVerticalCellSpacing(4);
        grid.setFocusTraversable(true);
        grid.setCellFactory(g -> {
            GalleryTile t = new GalleryTile(model, project, thumbs);
            tiles.add(t);
            return t;
        });
        grid.addEventFilter(KeyEvent.KEY_PRESSED, this::onKey);
        grid.widthProperty().addListener((o, old, w) -> fitColumns(w.doubleValue()));
        model.setSeenCount(this::seenCount);
        model.setAfterFullRerank(() -> scrollIntoView(model.selected()));
        setCenter(grid);
        setTop(toolbar());

        project.stateProperty().addListener((o, old, now) -> {
            if (now != null && (old == null || old.classes() != now.classes())) {
                fillFilters(now);
            }
            renderTiles();
        });
        model.selectedProperty().addListener((o, old, now) -> {
            renderTiles();
            scrollIntoView(now);
        });
        model.items().addListener((ListChangeListener<Long>) c -> count.setText(countText()));
        model.strategyProperty().addListener((o, old, now) -> strategy.setValue(now));
        model.filterProperty().addListener((o, old, now) -> filter.setValue(now));
    }

    private HBox toolbar() {
        strategy.setId("strategy");
        strategy.getItems().setAll(QueryStrategy.values());
        strategy.setValue(model.strategyProperty().get());
        strategy.setConverter(new StringConverter<>() {
            @Override
            public String toString(QueryStrategy s) {
                return s == null ? "" : switch (s) {
                    case MARGIN -> "Smallest margin";
                    case LEAST_CONFIDENCE -> "Least confident";
                    case ENTROPY -> "Highest entropy";
                    case RANDOM -> "Random";
                };
            }

            @Override
            public QueryStrategy fromString(String s) {
                return null;
            }
        });
        strategy.setOnAction(e -> {
            if (strategy.getValue() != null) {
                model.setStrategy(strategy.getValue());
            }
        });
        filter.setId("filter");
        filter.setCellFactory(l -> new FilterCell());
        filter.setButtonCell(new FilterCell());
        filter.getItems().setAll(GalleryFilter.UNLABELLED, GalleryFilter.LABELLED, GalleryFilter.ALL, GalleryFilter.SUSPECTS,
                GalleryFilter.OUTLIERS, GalleryFilter.DUPLICATES);
        filter.setValue(model.filterProperty().get());
        filter.setOnAction(e -> {
            if (filter.getValue() != null) {
                model.setFilter(filter.getValue());
            }
        });
        count.setId("galleryCount");
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox bar = new HBox(8, new Label("Show"), filter, new Label("first:"), strategy, gap, count);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(6, 8, 6, 8));
        bar.getStyleClass().add("gallery-toolbar");
        return bar;
    }

    private String countText() {
        int n = model.items().size();
        return n + (n == 1 ? " image" : " images");
    }

    private void fillFilters(ProjectState s) {
        List<GalleryFilter> all = new ArrayList<>(List.of(GalleryFilter.UNLABELLED, GalleryFilter.LABELLED, GalleryFilter.ALL,
                GalleryFilter.SUSPECTS, GalleryFilter.OUTLIERS, GalleryFilter.DUPLICATES));
        for (LabelClass c : s.classes()) {
            all.add(GalleryFilter.predictedAs(c.id()));
        }
        for (LabelClass c : s.classes()) {
            all.add(GalleryFilter.labelledAs(c.id()));
        }
        GalleryFilter current = model.filterProperty().get();
        filter.getItems().setAll(all);
        if (!all.contains(current)) {
            model.setFilter(GalleryFilter.UNLABELLED); // its class was merged or deleted
        }
        filter.setValue(model.filterProperty().get());
    }

    private final class FilterCell extends ListCell<GalleryFilter> {
        @Override
        protected void updateItem(GalleryFilter f, boolean empty) {
            super.updateItem(f, empty);
            setText(empty || f == null ? null : describe(f));
        }
    }

    private String describe(GalleryFilter f) {
        ProjectState s = project.state();
        String cls = f.classId() == null || s == null ? "" : s.classById(f.classId()).map(LabelClass::name).orElse("?");
        return switch (f.kind()) {
            case UNLABELLED -> "Unlabelled";
            case LABELLED -> "Labelled";
            case ALL -> "All images";
            case PREDICTED_AS -> "Predicted as " + cls;
            case LABELLED_AS -> "Labelled as " + cls;
            case SUSPECTS -> "Check my labels (likely mislabels)";
            case OUTLIERS -> "Outliers (unlike every other image)";
            case DUPLICATES -> "Near-duplicates (group by group)";
        };
    }

    public GridView<Long> grid() {
        return grid;
    }

    // ---- keys, scrolling ------------------------------------------------------------------------------------

    private void onKey(KeyEvent e) {
        if (e.isShortcutDown() || e.isAltDown()) {
            return;
        }
        int perRow = perRow();
        int delta = switch (e.getCode()) {
            case LEFT -> -1;
            case RIGHT -> 1;
            case UP -> -perRow;
            case DOWN -> perRow;
            case PAGE_UP -> -perRow * 4;
            case PAGE_DOWN -> perRow * 4;
            case HOME -> -Integer.MAX_VALUE / 2;
            case END -> Integer.MAX_VALUE / 2;
            default -> 0;
        };
        if (delta != 0) {
            model.moveSelection(delta);
            e.consume();
        }
    }

    /** Widens the tiles a little so the columns fill the grid instead of leaving a gap on the right. */
    private void fitColumns(double width) {
        double spacing = 2 * grid.getHorizontalCellSpacing();
        double usable = width - 24; // the vertical scroll bar and the skin's padding
        int columns = Math.max(1, (int) (usable / (GalleryTile.THUMB + 8 + spacing)));
        grid.setCellWidth(Math.floor(usable / columns - spacing));
    }

    private void renderTiles() {
        for (GalleryTile t : new ArrayList<>(tiles)) {
            t.render();
        }
    }

    private int perRow() {
        return grid.getSkin() instanceof GridViewSkin<?> skin ? Math.max(1, skin.computeMaxCellsInRow()) : 1;
    }

    private VirtualFlow<?> flow() {
        return grid.lookup(".virtual-flow") instanceof VirtualFlow<?> f ? f : null;
    }

    /** Items up to and including the last row on screen: what re-ranking must not move. */
    private int seenCount() {
        VirtualFlow<?> f = flow();
        IndexedCell<?> last = f == null ? null : f.getLastVisibleCell();
        return last == null ? 0 : (last.getIndex() + 1) * perRow();
    }

    private void scrollIntoView(Long imageId) {
        VirtualFlow<?> f = flow();
        if (f == null || imageId == null) {
            return;
        }
        int i = model.items().indexOf(imageId);
        if (i < 0) {
            return;
        }
        f.scrollTo(i / perRow()); // scrolls only as far as needed to show the row whole
    }

    /** For tests and the status line: the description of the current filter. */
    public String filterText() {
        return describe(Objects.requireNonNull(model.filterProperty().get())).toLowerCase(Locale.ROOT);
    }
}
