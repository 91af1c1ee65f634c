package org.influence4j.bench.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of the {@code influence4j} command-line tool. Without a subcommand it prints the usage.
 * Exit codes: 0 success, 1 failure while running, 2 invalid command line or arguments (unknown data set, k larger
 * than the training set, a model that does not fit the labels, a missing, unreadable or malformed input file, an
 * unusable {@code --out} or one holding earlier results without {@code --overwrite}, an unknown curvature or test
 * point, a factor file fitted for something else), reported in one line on standard error; 130 cancelled by Ctrl-C
 * or SIGTERM ({@link CtrlC}). Arguments are checked before any work.
 */
@Command(name = "influence4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Influence functions for DL4J/ND4J models, with checks of when they can be trusted.",
        subcommands = {ExplainCommand.class, ValidateCommand.class, FragilityCommand.class, CurvaturesCommand.class,
                BenchmarkTableCommand.class, SparkInfluenceCommand.class,
                DatasetsCommand.class})
public final class Main implements Callable<Integer> {

    /** Exit code of a command cancelled by Ctrl-C or SIGTERM (128 + SIGINT, the shell's convention). */
    static final int CANCELLED = 130;

    @Spec
    CommandSpec spec;

    /**
     * Runs the tool and exits the JVM with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the tool without exiting (for tests and embedding).
     *
     * @param args the command line
     * @return the exit code
     */
    public static int run(String... args) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true"); // charts are written to files, never shown
        }
        if (args.length > 0 && args[0].equals("fragility")) {
            quietSolverWarnings();
        }
        return commandLine().execute(args);
    }

    /**
     * The fragility study runs thousands of solves and records every solver's stop reason and true residual in
     * {@code results.csv} (and every retraining that left the warm start's basin in {@code points.csv}); a WARN line per
     * unconverged LiSSA solve or flagged retraining would bury its output, so for that command the solver, estimator
     * and validation loggers start at ERROR unless the user set them (slf4j-simple reads the properties when a
     * logger is first created, which happens after this).
     */
    private static void quietSolverWarnings() {
        for (String logger : new String[] {"org.influence4j.solver", "org.influence4j.InfluenceEstimator",
                "org.influence4j.validation"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "error");
            }
        }
    }

    /** The configured command line (error handlers included), for tests and embedding. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Ctrl-C interrupts the command, which stops within one HVP or scoring block and leaves no partial file
        cl.setExecutionStrategy(parsed -> {
            try (CtrlC c = CtrlC.install()) {
                try {
                    return new CommandLine.RunLast().execute(parsed);
                } catch (CommandLine.ExecutionException e) {
                    if (!c.fired()) {
                        throw e;
                    }
                    CommandLine cmd = e.getCommandLine();
                    cmd.getErr().println("influence4j: cancelled (" + describe(e.getCause() instanceof Exception x ? x
                            : e) + ")");
                    cmd.getErr().flush();
                    return CANCELLED;
                }
            }
        });
        // bad arguments: one clear line and exit code 2 (no usage dump); failures while running: one line, exit 1
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("influence4j: " + ex.getMessage()
                    + " (see --help)");
            ex.getCommandLine().getErr().flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean usage = ex instanceof IllegalArgumentException;
            c.getErr().println("influence4j: " + describe(ex));
            c.getErr().flush();
            return usage ? 2 : 1;
        });
        return cl;
    }

    /** One line for a failure: file-system errors get their reason, which Java leaves out of the message. */
    static String describe(Exception ex) {
        if (ex instanceof java.nio.file.FileSystemException fs) {
            String reason = fs.getReason() != null ? fs.getReason()
                    : ex instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : ex instanceof java.nio.file.FileAlreadyExistsException ? "already exists (is a file?)"
                    : ex instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                    : ex instanceof java.nio.file.NotDirectoryException ? "is not a directory"
                    : ex.getClass().getSimpleName();
            return fs.getFile() + (fs.getOtherFile() != null ? " -> " + fs.getOtherFile() : "") + ": " + reason;
        }
        return ex.getMessage() == null ? ex.toString() : ex.getMessage();
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Reports the version from the jar manifest ({@code Implementation-Version}), or "development build". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"influence4j " + (v == null ? "(development build)" : v)};
        }
    }
}
