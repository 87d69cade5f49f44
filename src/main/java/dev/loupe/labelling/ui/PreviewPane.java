package dev.loupe.labelling.ui;

import dev.loupe.importing.DecodedImage;
import dev.loupe.importing.ImageDecodeException;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.project.LabelClass;
import javafx.application.Platform;
import javafx.beans.value.ObservableValue;
import javafx.embed.swing.SwingFXUtils;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The selected image, large ({@code #preview}), with the model's three most probable classes. The thumbnail shows
 * at once; the original is decoded on a background thread (any format Loupe imports) and replaces it.
 */
public final class PreviewPane extends VBox {

    static final int DECODE_SIDE = 1024;

    private final ProjectModel model;
    private final ObservableValue<Long> selection;
    private final ImageView view = new ImageView();
    private final Label caption = new Label();
    private final VBox top3 = new VBox(4);
    private final ExecutorService decoder = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "loupe-preview");
        t.setDaemon(true);
        return t;
    });
    private final ImageDecoder images = new ImageDecoder();
    private final AtomicLong generation = new AtomicLong();

    public PreviewPane(ProjectModel model, ObservableValue<Long> selection) {
        super(8);
        this.model = model;
        this.selection = selection;
        setId("preview");
        setPadding(new Insets(8));
        view.setPreserveRatio(true);
        view.setSmooth(true);
        StackPane frame = new StackPane(view);
        frame.getStyleClass().add("preview-frame");
        frame.setMinHeight(200);
        frame.setPrefHeight(320);
        VBox.setVgrow(frame, Priority.ALWAYS);
        view.fitWidthProperty().bind(frame.widthProperty().subtract(8));
        view.fitHeightProperty().bind(frame.heightProperty().subtract(8));
        frame.setMinWidth(0);
        caption.setId("previewCaption");
        caption.getStyleClass().add("hint");
        top3.setId("top3");
        Label title = new Label("Model's guess");
        title.getStyleClass().add("section-title");
        getChildren().addAll(frame, caption, title, top3);

        selection.addListener((o, old, now) -> show(now, true));
        model.stateProperty().addListener((o, old, now) -> {
            if (now != null && old != null && old.snapshot() != now.snapshot()) {
                show(selection.getValue(), false); // same image, new probabilities
            }
        });
    }

    private void show(Long imageId, boolean newImage) {
        ProjectState s = model.state();
        if (imageId == null || s == null) {
            view.setImage(null);
            caption.setText("");
            top3.getChildren().clear();
            return;
        }
        if (newImage) {
            Path thumb = s.images().thumbnail(imageId);
            Path file = s.images().path(imageId);
            view.setImage(thumb == null ? null : new Image(thumb.toUri().toString(), true));
            caption.setText(file == null ? "" : file.getFileName() + s.labelOf(imageId).map(l -> " · labelled " + l.name()).orElse(""));
            decodeLarge(imageId, file);
        } else {
            caption.setText(caption.getText().replaceAll(" · labelled .*", "")
                    + s.labelOf(imageId).map(l -> " · labelled " + l.name()).orElse(""));
        }
        model.probabilities(imageId, p -> {
            if (imageId.equals(selection.getValue())) {
                showTop3(p);
            }
        });
    }

    private void decodeLarge(long imageId, Path file) {
        long gen = generation.incrementAndGet();
        if (file == null) {
            return;
        }
        decoder.execute(() -> {
            if (generation.get() != gen) {
                return; // the user has moved on
            }
            try {
                DecodedImage d = images.decode(file, DECODE_SIDE);
                Image fx = SwingFXUtils.toFXImage(d.image(), null);
                Platform.runLater(() -> {
                    if (generation.get() == gen && Long.valueOf(imageId).equals(selection.getValue())) {
                        view.setImage(fx);
                    }
                });
            } catch (ImageDecodeException e) {
                Platform.runLater(() -> {
                    if (generation.get() == gen) {
                        caption.setText(caption.getText() + " · cannot show the original: " + e.getMessage());
                    }
                });
            }
        });
    }

    private void showTop3(float[] p) {
        ProjectState s = model.state();
        top3.getChildren().clear();
        if (s == null) {
            return;
        }
        List<Integer> cols = new ArrayList<>();
        for (int c = 0; c < p.length; c++) {
            if (p[c] > 0 && s.classOfColumn(c).isPresent()) {
                cols.add(c);
            }
        }
        cols.sort((a, b) -> Float.compare(p[b], p[a]));
        if (cols.isEmpty()) {
            Label none = new Label("No prediction yet: label an image first.");
            none.getStyleClass().add("hint");
            top3.getChildren().add(none);
        }
        for (int c : cols.subList(0, Math.min(3, cols.size()))) {
            LabelClass k = s.classOfColumn(c).orElseThrow();
            Label name = new Label(k.name());
            name.setMinWidth(110);
            name.setPrefWidth(110);
            ProgressBar bar = new ProgressBar(p[c]);
            bar.setMaxWidth(Double.MAX_VALUE);
            bar.setStyle("-fx-accent: " + k.colour() + ";");
            HBox.setHgrow(bar, Priority.ALWAYS);
            Label pct = new Label(Math.round(100 * p[c]) + "%");
            pct.setMinWidth(40);
            pct.setAlignment(Pos.CENTER_RIGHT);
            HBox row = new HBox(6, name, bar, pct);
            row.setAlignment(Pos.CENTER_LEFT);
            row.getStyleClass().add("top3-row");
            top3.getChildren().add(row);
        }
    }
}
