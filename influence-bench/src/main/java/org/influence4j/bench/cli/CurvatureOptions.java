package org.influence4j.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.influence4j.solver.EigenvaluePolicy;
import org.influence4j.solver.FisherSampling;
import org.influence4j.solver.IHVPSolver;

import picocli.CommandLine.Option;

/**
 * How {@code explain} and {@code validate} invert the curvature: {@code --curvature} (alias {@code --solver}) and the
 * K-FAC/EK-FAC options {@code --fisher}, {@code --factors}, {@code --heuristic-damping}. Every value is checked by
 * {@link #check()} before any work; a mistake is an {@link IllegalArgumentException} naming the option the user typed,
 * the value and the remedy (exit code 2).
 */
final class CurvatureOptions {

    /** The accepted {@code --curvature} values, in the order the messages list them. */
    static final List<String> NAMES = List.of("auto", "exact", "cg", "lissa", "kfac", "ekfac", "identity");

    /** Largest number of parameters for which {@code --curvature auto} forms the dense Hessian. */
    static final long EXACT_LIMIT = 5_000;

    @Option(names = "--curvature", paramLabel = "NAME", description = "How (H+λI)⁻¹ is applied: exact "
            + "(eigendecomposition of the dense Hessian), cg (conjugate gradient, up to 2,000 HVPs per test point), "
            + "lissa (depth 2,000), kfac or ekfac (Kronecker-factored Gauss–Newton, fitted once from the training "
            + "data; DL4J dense and convolutional layers), identity (plain gradient dot products, no curvature), or "
            + "auto (exact up to " + EXACT_LIMIT + " parameters, where the dense Hessian takes at most 200 MB, else "
            + "cg). Default: auto. --solver NAME is an alias.")
    String curvature;

    /** The older name of {@code --curvature}, kept working; documented there, not listed separately. */
    @Option(names = "--solver", paramLabel = "NAME", hidden = true)
    String solverAlias;

    @Option(names = "--fisher", paramLabel = "LABELS", description = "kfac/ekfac: labels the factors are fitted "
            + "with: sampled (one label per example drawn from the model, seeded by --seed; the true Fisher), "
            + "expected (exact expectation, C backward passes for C classes), empirical (the training labels). "
            + "Default: sampled.")
    String fisher;

    @Option(names = "--factors", paramLabel = "FILE", description = "kfac/ekfac: keep the fitted factors in FILE: "
            + "written (directories created) when it does not exist, reused when it does (it must have been fitted for the same network, "
            + "training data, --curvature, --fisher and --seed; otherwise the command stops and leaves it alone).")
    Path factors;

    @Option(names = "--heuristic-damping", paramLabel = "F", description = "kfac/ekfac: add F × (each layer's mean "
            + "eigenvalue) to that layer's damping, on top of --damping (Kronfluence uses 0.1 with --damping 0). "
            + "Default: 0 (off).")
    Double heuristicDamping;

    private final MadeDirectories made = new MadeDirectories();

    /** After a failed run: removes the directories {@link #solver} created for {@code --factors}, if still empty. */
    void discard() {
        made.removeIfEmpty();
    }

    /** The option the user typed: {@code --solver} when the alias was used, else {@code --curvature}. */
    String option() {
        return curvature == null && solverAlias != null ? "--solver" : "--curvature";
    }

    /** The value as given, lower-cased ({@code auto} when neither option was given). */
    String value() {
        String v = curvature != null ? curvature : solverAlias != null ? solverAlias : "auto";
        return v.trim().toLowerCase(Locale.ROOT);
    }

    /** Whether the curvature is Kronecker-factored (kfac or ekfac). */
    boolean kronecker() {
        return value().equals("kfac") || value().equals("ekfac");
    }

    /**
     * Checks every value before any work: a known name, not both {@code --curvature} and {@code --solver}, the
     * K-FAC options only with kfac/ekfac and with valid values, and {@code --factors} a file whose directory exists or
     * can be created.
     */
    void check() {
        if (curvature != null && solverAlias != null) {
            throw new IllegalArgumentException("give --curvature or its alias --solver, not both (got --curvature "
                    + curvature + " and --solver " + solverAlias + ")");
        }
        if (!NAMES.contains(value())) {
            throw new IllegalArgumentException("unknown " + option() + " '" + (curvature != null ? curvature
                    : solverAlias) + "'; use " + String.join(", ", NAMES.subList(0, NAMES.size() - 1)) + " or "
                    + NAMES.get(NAMES.size() - 1));
        }
        List<String> kfacOnly = new ArrayList<>();
        if (fisher != null) {
            kfacOnly.add("--fisher");
        }
        if (factors != null) {
            kfacOnly.add("--factors");
        }
        if (heuristicDamping != null) {
            kfacOnly.add("--heuristic-damping");
        }
        if (!kronecker() && !kfacOnly.isEmpty()) {
            throw new IllegalArgumentException(String.join(" and ", kfacOnly) + (kfacOnly.size() > 1 ? " are" : " is")
                    + " only used by " + option() + " kfac or ekfac, but " + option() + " is " + value()
                    + "; add " + option() + " ekfac (or kfac), or leave " + (kfacOnly.size() > 1 ? "them" : "it")
                    + " out");
        }
        sampling();
        if (heuristicDamping != null && !(heuristicDamping >= 0 && heuristicDamping < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--heuristic-damping (" + heuristicDamping + ") must be >= 0 and finite"
                    + " (0 turns it off; Kronfluence uses 0.1)");
        }
        if (factors != null) {
            if (Files.isDirectory(factors)) {
                throw new IllegalArgumentException("--factors " + factors + " is a directory; name a file in it");
            }
            if (Files.exists(factors) && !Files.isReadable(factors)) {
                throw new IllegalArgumentException("--factors " + factors + " is not readable; check its permissions "
                        + "or name another file");
            }
            MadeDirectories.check("--factors", factors);
        }
    }

    /** {@code --fisher} as the library's enum (sampled when not given). */
    private FisherSampling sampling() {
        if (fisher == null) {
            return FisherSampling.SAMPLED;
        }
        return switch (fisher.trim().toLowerCase(Locale.ROOT)) {
            case "sampled" -> FisherSampling.SAMPLED;
            case "expected" -> FisherSampling.EXPECTED;
            case "empirical" -> FisherSampling.EMPIRICAL;
            default -> throw new IllegalArgumentException("unknown --fisher '" + fisher + "'; use sampled, expected or "
                    + "empirical");
        };
    }

    /** The curvature actually used for a model with {@code parameters} analysed parameters ({@code auto} resolved). */
    String name(long parameters) {
        String name = value();
        if (name.equals("auto")) {
            return parameters <= EXACT_LIMIT ? "exact" : "cg";
        }
        return name;
    }

    /** The options as a user would type them, for messages: {@code --curvature ekfac --factors f.bin}. */
    String describe() {
        return option() + " " + value() + (fisher != null ? " --fisher " + fisher : "")
                + (factors != null ? " --factors " + factors : "");
    }

    /**
     * A library error prefixed with the options the user typed when a Kronecker curvature is chosen (a network
     * without layer statistics, a factor file fitted for another network), else {@code ex} itself.
     */
    IllegalArgumentException named(IllegalArgumentException ex) {
        return kronecker() ? new IllegalArgumentException(describe() + ": " + ex.getMessage(), ex) : ex;
    }

    /**
     * The solver for a model with {@code parameters} analysed parameters, checked ({@link #check()}).
     *
     * @param seed the seed of LiSSA's sampling and of K-FAC's sampled labels ({@code --seed})
     */
    IHVPSolver solver(long seed, long parameters) throws java.io.IOException {
        check();
        if (factors != null && kronecker()) {
            made.create(factors); // the library writes the file there after the fit
        }
        return switch (name(parameters)) {
            case "exact" -> IHVPSolver.exact().withPolicy(EigenvaluePolicy.TRUNCATE);
            case "cg" -> IHVPSolver.conjugateGradient().withMaxIterations(2000);
            case "lissa" -> IHVPSolver.lissa().withDepth(2000).withSeed(seed);
            case "kfac", "ekfac" -> (value().equals("kfac") ? IHVPSolver.kfac() : IHVPSolver.ekfac())
                    .withSampling(sampling()).withSeed(seed)
                    .withHeuristicDamping(heuristicDamping == null ? 0 : heuristicDamping)
                    .withFactorFile(factors);
            case "identity" -> IHVPSolver.identity();
            default -> throw new IllegalStateException("unchecked curvature " + value());
        };
    }
}
