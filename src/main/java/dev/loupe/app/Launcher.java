package dev.loupe.app;

import dev.loupe.cli.LoupeCli;
import javafx.application.Application;

/**
 * Entry point of {@code loupe.jar}: no arguments opens the desktop app on the sample project, a project folder
 * opens the app on that project, a subcommand runs headless.
 *
 * <p>A plain class, not an {@code Application}: JavaFX on the class path refuses to start an
 * {@code Application} subclass as the main class (FACTS.md).
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) {
        dev.loupe.Stamps.once("main");
        if (opensApp(args)) {
            // ND4J is not initialised here: initialising it on a background thread *while JavaFX was starting* froze
            // the JVM in 2 of 14 launches (FACTS.md), so it waited in this thread before the toolkit, 1-3 s before the
            // first frame. The project now starts loading its base model (and so ND4J) only once the toolkit is up
            // and the store's images are on screen (ProjectModel.open; ADR 0031); a dialog that needs ND4J earlier
            // (a new project's base model) comes after that too.
            Application.launch(LoupeApp.class, args);
        } else {
            System.exit(LoupeCli.execute(args));
        }
    }

    /** No arguments, or one that is neither a CLI verb nor an option (a project folder), opens the app. */
    static boolean opensApp(String[] args) {
        if (args.length == 0) {
            return true;
        }
        if (args.length > 1 || args[0].startsWith("-")) {
            return false;
        }
        return !LoupeCli.isVerb(args[0]); // not the whole command line: building it costs ~0.4 s of the app's start
    }
}
