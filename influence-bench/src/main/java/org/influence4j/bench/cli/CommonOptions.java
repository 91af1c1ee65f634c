package org.influence4j.bench.cli;

import java.nio.file.Path;

import org.nd4j.linalg.factory.Nd4j;

import picocli.CommandLine.Option;

/** Options every command takes: {@code --seed}, {@code --out}, {@code --threads}, {@code --quiet}. */
final class CommonOptions {

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the data split, network initialisation, "
            + "test points and random samples (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--threads", defaultValue = "2", description = "Threads for retraining and ND4J (default: "
            + "${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    /** Checks the values and applies {@code --threads} to ND4J; returns the output directory. */
    Path apply(String defaultOut) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads (" + threads + ") must be >= 1");
        }
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        return out != null ? out : Path.of(defaultOut);
    }
}
