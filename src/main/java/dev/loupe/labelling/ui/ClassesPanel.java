package dev.loupe.labelling.ui;

import dev.loupe.project.LabelClass;
import dev.loupe.ui.DialogService;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Rectangle;
import javafx.scene.paint.Color;

import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The classes ({@code #classes}): one button per class with its colour, name, label count and hotkey; clicking
 * labels the selected image. Right-click renames, merges or deletes; the field at the bottom adds a class.
 */
public final class ClassesPanel extends VBox {

    private final ProjectModel model;
    private final DialogService dialogs;
    private final LongConsumer labelSelected;
    private final VBox list = new VBox(4);
    private final TextField newName = new TextField();

    /** @param labelSelected labels the selected image with a class id */
    public ClassesPanel(ProjectModel model, DialogService dialogs, LongConsumer labelSelected) {
        super(6);
        this.model = model;
        this.dialogs = dialogs;
        this.labelSelected = labelSelected;
        setId("classes");
        setPadding(new Insets(8));
        Label title = new Label("Classes");
        title.getStyleClass().add("section-title");
        Label hint = new Label("Press a class's key or click it to label the selected image.");
        hint.getStyleClass().add("hint");
        hint.setWrapText(true);
        ScrollPane scroll = new ScrollPane(list);
        scroll.setFitToWidth(true);
        scroll.getStyleClass().add("edge-to-edge");
        VBox.setVgrow(scroll, Priority.ALWAYS);

        newName.setId("newClassName");
        newName.setPromptText("New class name");
        newName.setOnAction(e -> add());
        Button add = new Button("Add");
        add.setId("addClass");
        add.setOnAction(e -> add());
        add.disableProperty().bind(newName.textProperty().isEmpty());
        HBox.setHgrow(newName, Priority.ALWAYS);
        HBox addRow = new HBox(6, newName, add);
        getChildren().addAll(title, hint, scroll, addRow);

        model.stateProperty().addListener((o, old, now) -> {
            if (now != null && (old == null || old.classes() != now.classes() || old.stats() != now.stats())) {
                render(now);
            }
        });
    }

    private void add() {
        String name = newName.getText().strip();
        if (name.isEmpty()) {
            return;
        }
        model.addClass(name, null, null).thenRun(() -> newName.clear());
    }

    /** The classes the buttons show, and each one's count label: a label only changes a count (issue 16). */
    private List<LabelClass> rendered = List.of();
    private final Map<Long, Label> countLabels = new java.util.HashMap<>();

    private void render(ProjectState s) {
        Map<Long, Long> counts = s.countsByClass();
        if (!s.classes().isEmpty() && s.classes().equals(rendered)) {
            for (LabelClass c : s.classes()) {
                countLabels.get(c.id()).setText(Long.toString(counts.getOrDefault(c.id(), 0L)));
            }
            return;
        }
        rendered = List.copyOf(s.classes());
        countLabels.clear();
        list.getChildren().clear();
        if (s.classes().isEmpty()) {
            Label none = new Label("No classes yet: add one below.");
            none.getStyleClass().add("hint");
            list.getChildren().add(none);
        }
        for (LabelClass c : s.classes()) {
            list.getChildren().add(button(s, c, counts.getOrDefault(c.id(), 0L)));
        }
    }

    private Button button(ProjectState s, LabelClass c, long count) {
        Rectangle swatch = new Rectangle(14, 14, Color.web(c.colour()));
        swatch.setArcWidth(4);
        swatch.setArcHeight(4);
        Label name = new Label(c.name());
        name.getStyleClass().add("class-name");
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        Label n = new Label(Long.toString(count));
        n.getStyleClass().add("class-count");
        countLabels.put(c.id(), n);
        Label key = new Label(c.hotkey() == null ? " " : c.hotkey().toString());
        key.getStyleClass().add("hotkey");
        HBox graphic = new HBox(8, swatch, name, gap, n, key);
        graphic.setAlignment(Pos.CENTER_LEFT);
        Button b = new Button(null, graphic);
        b.setId("class-" + c.id());
        b.getStyleClass().add("class-button");
        b.setUserData(c);
        b.setMaxWidth(Double.MAX_VALUE);
        b.setFocusTraversable(false); // keys stay with the gallery
        b.setTooltip(new Tooltip("Label the selected image as " + c.name()
                + (c.hotkey() == null ? "" : " (key " + c.hotkey() + ")")));
        b.setOnAction(e -> labelSelected.accept(c.id()));
        b.setContextMenu(menu(s.classes(), c));
        return b;
    }

    private ContextMenu menu(List<LabelClass> classes, LabelClass c) {
        MenuItem rename = new MenuItem("Rename…");
        rename.setOnAction(e -> dialogs.askText("Rename class", "New name for " + c.name() + ":", c.name())
                .ifPresent(n -> model.renameClass(c.id(), n)));
        MenuItem merge = new MenuItem("Merge into…");
        List<LabelClass> others = classes.stream().filter(o -> o.id() != c.id()).toList();
        merge.setDisable(others.isEmpty());
        merge.setOnAction(e -> dialogs.choose("Merge class",
                        "Move every " + c.name() + " label to:", others.stream().map(LabelClass::name).toList())
                .flatMap(n -> others.stream().filter(o -> o.name().equals(n)).findFirst())
                .ifPresent(into -> model.mergeClass(c.id(), into.id())));
        MenuItem delete = new MenuItem("Delete…");
        delete.setOnAction(e -> {
            if (dialogs.confirm("Delete class", "Delete " + c.name() + "? Its images become unlabelled.")) {
                model.deleteClass(c.id());
            }
        });
        return new ContextMenu(rename, merge, delete);
    }
}
