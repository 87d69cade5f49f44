package dev.loupe.app;

import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(ApplicationExtension.class)
class LoupeAppTest {

    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        new LoupeApp().start(stage);
    }

    @Test
    void opensAWindowTitledLoupe(FxRobot robot) {
        assertThat(stage.isShowing()).isTrue();
        assertThat(stage.getTitle()).isEqualTo("Loupe");
        assertThat(robot.lookup("#title").queryLabeled().getText()).isEqualTo("Loupe");
    }
}
