package dev.loupe.gallery.ui;

import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.project.LabelClass;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.image.ImageView;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import org.controlsfx.control.GridCell;

import java.util.Optional;

/**
 * One gallery tile: the thumbnail, a band in the predicted class's colour with its confidence, and a mark in the
 * label's colour once labelled. Renders from the current {@link ProjectState}; holds no state of its own.
 */
final class GalleryTile extends GridCell<Long> {

    static final double THUMB = 128;

    private final GalleryModel gallery;
    private final ProjectModel project;
    private final ThumbnailImages thumbs;
    private final ImageView view = new ImageView();
    private final Label band = new Label();
    private final Label mark = new Label();
    private final StackPane picture = new StackPane(view, mark);
    private final VBox root = new VBox(picture, band);

    GalleryTile(GalleryModel gallery, ProjectModel project, ThumbnailImages thumbs) {
        this.gallery = gallery;
        this.project = project;
        this.thumbs = thumbs;
        getStyleClass().add("tile");
        view.setFitWidth(THUMB);
        view.setFitHeight(THUMB);
        view.setPreserveRatio(true);
        picture.setPrefSize(THUMB, THUMB);
        picture.setMinSize(THUMB, THUMB);
        StackPane.setAlignment(mark, Pos.TOP_RIGHT);
        StackPane.setMargin(mark, new Insets(3));
        mark.getStyleClass().add("tile-mark");
        band.getStyleClass().add("tile-band");
        band.setMaxWidth(Double.MAX_VALUE);
        root.setFillWidth(true);
        setOnMouseClicked(e -> {
            if (getItem() != null) {
                gallery.select(getItem());
                getGridView().requestFocus();
            }
        });
        setOnContextMenuRequested(e -> {
            if (getItem() != null) {
                gallery.select(getItem());
                menu(getItem()).show(this, e.getScreenX(), e.getScreenY());
                e.consume();
            }
        });
    }

    @Override
    protected void updateItem(Long item, boolean empty) {
        super.updateItem(item, empty);
        render();
    }

    /** Redraws from the current state (called when the state or the selection changes). */
    void render() {
        Long id = getItem();
        ProjectState s = project.state();
        getStyleClass().removeAll("tile-selected", "tile-labelled");
        if (isEmpty() || id == null || s == null) {
            setGraphic(null);
            setText(null);
            showPictureOf(-1, null);
            return;
        }
        showPictureOf(id, s);
        Optional<LabelClass> predicted = s.predicted(id);
        if (predicted.isPresent()) {
            band.setText(predicted.get().name() + "  " + Math.round(100 * s.confidence(id)) + "%");
            band.setStyle(onColour(predicted.get().colour()));
        } else {
            band.setText(s.opening() ? "model loading…" : "no prediction");
            band.setStyle("-fx-background-color: #9a9a9a;");
        }
        Optional<LabelClass> label = s.labelOf(id);
        mark.setVisible(label.isPresent());
        label.ifPresent(l -> {
            mark.setText("✓ " + l.name());
            mark.setStyle(onColour(l.colour()));
            getStyleClass().add("tile-labelled");
        });
        if (id.equals(gallery.selected())) {
            getStyleClass().add("tile-selected");
        }
        setGraphic(root);
    }

    /** The image id whose picture the view holds or waits for; -1 for none. */
    private long pictureOf = -1;
    private final ThumbnailImages.Target pictureTarget = (imageId, image) -> {
        if (pictureOf == imageId) {
            view.setImage(image);
        }
    };

    /**
     * Puts the picture of {@code id} in the view: at once when it is in memory, else when read. The picture of the
     * image shown before goes at once (never another image's picture under this band), unless it is the same image.
     */
    private void showPictureOf(long id, ProjectState s) {
        if (pictureOf == id) {
            if (id < 0 || view.getImage() != null) {
                return;
            }
        } else {
            if (pictureOf >= 0) {
                thumbs.cancel(pictureOf, pictureTarget);
            }
            view.setImage(null);
            pictureOf = id;
        }
        if (id >= 0) {
            thumbs.request(id, s.images().thumbnail(id), s.images().path(id), pictureTarget);
        }
    }

    /** A background in the class colour with text that stays readable on it (dark on light colours). */
    static String onColour(String colour) {
        Color c = Color.web(colour);
        double luminance = 0.2126 * c.getRed() + 0.7152 * c.getGreen() + 0.0722 * c.getBlue();
        return "-fx-background-color: " + colour + "; -fx-text-fill: " + (luminance > 0.7 ? "#1f2328" : "white") + ";";
    }

    private ContextMenu menu(long imageId) {
        ProjectState s = project.state();
        Menu labelAs = new Menu("Label as");
        for (LabelClass c : s.classes()) {
            MenuItem item = new MenuItem(c.name() + (c.hotkey() == null ? "" : "    (" + c.hotkey() + ")"));
            item.setOnAction(e -> gallery.label(imageId, c.id()));
            labelAs.getItems().add(item);
        }
        labelAs.setDisable(s.classes().isEmpty());
        MenuItem unlabel = new MenuItem("Unlabel");
        unlabel.setDisable(s.labelOf(imageId).isEmpty());
        unlabel.setOnAction(e -> gallery.unlabel(imageId));
        return new ContextMenu(labelAs, unlabel, new SeparatorMenuItem(), new MenuItem(fileName(s, imageId)) {{
            setDisable(true);
        }});
    }

    private static String fileName(ProjectState s, long imageId) {
        var p = s.images().path(imageId);
        return p == null ? "#" + imageId : p.getFileName().toString();
    }
}
