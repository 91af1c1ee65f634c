package org.influence4j.bench.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.nd4j.linalg.factory.Nd4j;

import picocli.CommandLine.Option;

/**
 * Options every command that writes files takes: {@code --seed}, {@code --out}, {@code --overwrite},
 * {@code --threads}, {@code --quiet}.
 */
final class CommonOptions {

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the data split, network initialisation, "
            + "test points and random samples (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory, created if missing (default: "
            + "out/<command>, for fragility out/<preset>).")
    Path out;

    @Option(names = "--overwrite", description = "Replace result files of an earlier run in --out, and an existing "
            + "--scores-out file (without it the command refuses to start when they exist).")
    boolean overwrite;

    @Option(names = "--threads", defaultValue = "2", description = "Threads for retraining and ND4J (default: "
            + "${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    /**
     * Checks the values, checks the output directory before any work ({@link OutputDirectory#check}) and applies
     * {@code --threads} to ND4J.
     *
     * @param defaultOut the directory used without {@code --out}
     * @param outputs    the file names (or globs, or {@code sub/}) the command writes into it
     * @return the output directory
     */
    Path apply(String defaultOut, List<String> outputs) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads (" + threads + ") must be >= 1");
        }
        Path dir = OutputDirectory.check(out != null ? out : Path.of(defaultOut), overwrite, outputs);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        return dir;
    }
}
