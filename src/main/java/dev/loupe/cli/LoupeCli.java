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

    /**
     * Runs the CLI and returns the process exit code; never calls {@code System.exit}. A verb's command line holds that
     * verb alone: picocli builds every command it holds from its annotations, and the whole tree costs ~0.4 s of every
     * run (ADR 0031).
     */
    public static int execute(String... args) {
        Class<?> verb = args.length == 0 ? null : verb(args[0]);
        return (verb == null ? commandLine() : configure(new CommandLine(new Root()).addSubcommand(verb))).execute(args);
    }

    /** The top-level verb named {@code name} ("help" excepted: it lists them all), or null. */
    static Class<?> verb(String name) {
        Class<?>[] all = LoupeCli.class.getAnnotation(Command.class).subcommands();
        for (Class<?> c : all) {
            Command cmd = c.getAnnotation(Command.class);
            if (cmd != null && cmd.name().equals(name) && c != CommandLine.HelpCommand.class) {
                return c;
            }
        }
        return null;
    }

    /** Whether {@code name} is a verb (as the app's launcher asks, without building the command line). */
    public static boolean isVerb(String name) {
        return "help".equals(name) || verb(name) != null;
    }

    /** The root of a one-verb command line: the same name, options and version as {@link LoupeCli}. */
    @Command(name = "loupe", mixinStandardHelpOptions = true, versionProvider = LoupeCli.Version.class,
            description = "Label images with a model in the loop.")
    static final class Root {
    }

    /** The configured picocli command line, exposed so tests can redirect its output. */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new LoupeCli()));
    }

    private static CommandLine configure(CommandLine cl) {
        System.setProperty("java.awt.headless", "true");
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
