package dev.loupe.cli;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The headless command line: one subcommand per verb, each a thin layer over the core. */
@Command(name = "loupe", mixinStandardHelpOptions = true, versionProvider = LoupeCli.Version.class,
        description = "Label images with a model in the loop.",
        subcommands = {CommandLine.HelpCommand.class, NewCommand.class, ImportCommand.class, StatusCommand.class,
                ClassesCommand.class, QueueCommand.class, LabelCommand.class, UndoCommand.Undo.class,
                UndoCommand.Redo.class, TrainCommand.class, VersionsCommand.class, ExportCommand.class,
                PredictCommand.class, BenchCommand.class, TrainBackboneCommand.class, ModelsCommand.class,
                LocateCommand.class, ReviewCommand.class, AgreementCommand.class, ShareCommand.class, JoinCommand.class,
                SyncCommand.class, AdjudicateCommand.class})
public final class LoupeCli {

    private static final Logger LOG = LoggerFactory.getLogger(LoupeCli.class);

    /** Exit code for a problem with the user's input (bad project, missing file, unknown class...). */
    public static final int EXIT_USER_ERROR = 1;
    /** Exit code for a bug or an unexpected failure. */
    public static final int EXIT_INTERNAL_ERROR = 3;

    private LoupeCli() {
    }

    /** Runs the CLI and returns the process exit code; never calls {@code System.exit}. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The configured picocli command line, exposed so tests can redirect its output. */
    public static CommandLine commandLine() {
        System.setProperty("java.awt.headless", "true");
        CommandLine cl = new CommandLine(new LoupeCli());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof LoupeException || ex instanceof dev.loupe.backbone.BackboneException) {
                err.println("loupe: " + Faults.describe(ex));
                err.flush();
                return EXIT_USER_ERROR;
            }
            LOG.error("Unexpected failure", ex);
            err.println("loupe: unexpected error: " + ex + " (details above; please report it)");
            err.flush();
            return EXIT_INTERNAL_ERROR;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LoupeCli.class.getPackage().getImplementationVersion();
            return new String[] {"loupe " + (v == null ? "(development build)" : v)};
        }
    }
}
