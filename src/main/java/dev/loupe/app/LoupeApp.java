package dev.loupe.app;

import javafx.application.Application;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;

/** The desktop application. Until the gallery lands it is a plain window saying what Loupe is. */
public final class LoupeApp extends Application {

    @Override
    public void start(Stage stage) {
        Label title = new Label("Loupe");
        title.setId("title");
        title.setStyle("-fx-font-size: 28px; -fx-font-weight: bold;");
        Label body = new Label("""
                Label images with a model in the loop.
                The gallery is not built yet: use the command line (java -jar target/loupe.jar --help).""");
        body.setId("body");
        VBox root = new VBox(12, title, body);
        root.setPadding(new Insets(24));
        stage.setTitle("Loupe");
        stage.setScene(new Scene(root, 640, 400));
        stage.show();
    }
}
