package dev.loupe.backbone.ui;

import dev.loupe.backbone.catalog.CatalogEntry;
import dev.loupe.backbone.catalog.Downloader;
import javafx.collections.FXCollections;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * File → New project with a base model…: Model Zero (built in, offline), the catalog's downloadable models (size,
 * licence, whether already downloaded, what each is good at), or a file of the user's own. It only chooses; the
 * window creates the project, downloading in the background with progress and Cancel in the status bar.
 */
public final class BaseModelDialog extends Dialog<BaseModelDialog.Choice> {

    /** What the user picked. */
    public sealed interface Choice permits ModelZero, FromCatalog, FromFile {
    }

    /** The built-in Model Zero. */
    public record ModelZero() implements Choice {
    }

    /** A catalog model. */
    public record FromCatalog(CatalogEntry entry) implements Choice {
    }

    /** A file to choose next (.zip, .h5 or .onnx). */
    public record FromFile() implements Choice {
    }

    private record Item(Choice choice, String title, String detail) {
    }

    /** @param cached whether an entry's files are already in the user's cache */
    public BaseModelDialog(Window owner, List<CatalogEntry> catalog, Predicate<CatalogEntry> cached) {
        initOwner(owner);
        setTitle("New project with a base model");
        setHeaderText("Which base model should turn the images into features?");
        List<Item> items = new ArrayList<>();
        items.add(new Item(new ModelZero(), "Model Zero", "built into Loupe, works offline; trained on clip art"));
        for (CatalogEntry e : catalog) {
            items.add(new Item(new FromCatalog(e), e.title(), Downloader.humanBytes(e.totalBytes()) + ", " + e.licence()
                    + (cached.test(e) ? ", downloaded" : ", downloaded once into your cache") + " — " + e.goodAt()));
        }
        items.add(new Item(new FromFile(), "A file…", "your own: a .zip from loupe train-backbone, a Keras .h5,"
                + " or an ONNX image model .onnx"));
        ListView<Item> list = new ListView<>(FXCollections.observableArrayList(items));
        list.setId("baseModelList");
        list.setPrefSize(660, 330);
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(Item item, boolean empty) {
                super.updateItem(item, empty);
                if (empty || item == null) {
                    setGraphic(null);
                    setText(null);
                    return;
                }
                Label title = new Label(item.title());
                title.setStyle("-fx-font-weight: bold");
                Label detail = new Label(item.detail());
                detail.setWrapText(true);
                detail.setMaxWidth(600);
                VBox box = new VBox(2, title, detail);
                setGraphic(box);
                setText(null);
            }
        });
        list.getSelectionModel().select(catalog.isEmpty() ? 0 : 1);
        getDialogPane().setContent(list);
        getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        getDialogPane().lookupButton(ButtonType.OK).disableProperty()
                .bind(list.getSelectionModel().selectedItemProperty().isNull());
        setResultConverter(b -> b == ButtonType.OK && list.getSelectionModel().getSelectedItem() != null
                ? list.getSelectionModel().getSelectedItem().choice() : null);
    }
}
