package org.influence4j.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.influence4j.bench.study.FragilityReport;
import org.influence4j.bench.study.FragilityStudy;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.solver.EigenvaluePolicy;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code influence4j fragility}: Basu, Pope &amp; Feizi's study as sweeps ({@link FragilityStudy}), written out by
 * {@link FragilityReport}.
 */
@Command(name = "fragility", mixinStandardHelpOptions = true,
        description = {"Reproduces 'Influence Functions in Deep Learning Are Fragile' (Basu, Pope & Feizi, ICLR 2021):"
                + " sweeps depth, width, weight decay, seeds, test points, solvers and training protocols; for each "
                + "network records ‖∇R(θ̂)‖ and the Hessian's extreme eigenvalues and compares influence with "
                + "leave-one-out retraining.",
                "Writes results.csv, networks.csv, points.csv, report.md and plots. Options override the preset."})
final class FragilityCommand implements Callable<Integer> {

    /** The files {@link FragilityReport#write} writes into {@code --out} (names, globs, a sub-directory). */
    static final List<String> OUTPUTS = List.of("results.csv", "networks.csv", "points.csv", "report.md",
            "correlation_vs_*.png", "top_eigenvalue_vs_*.png", "spectrum_*.png", "scatter/");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--quick", description = "The quick preset, same as --preset quick: bundled Iris, tanh MLPs of "
            + "width 5 and depths 1, 2, 4, 8, weight decay 0 and 5e-3, seeds 1-3, converged L-BFGS and fixed-budget Adam "
            + "(48 networks), exact solver, 3 test points per network, top-20 + 10 random points retrained; about a minute "
            + "on 2 cores.")
    boolean quick;

    @Option(names = "--preset", defaultValue = "quick", description = "quick, full, mnist-mlp, mnist-cnn (LeNet, "
            + "25,010 parameters, top-10 leave-one-out with budgeted L-BFGS) or mnist-small-cnn (the earlier "
            + "3,226-parameter CNN) (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--dataset", description = "Bundled data set (iris, small-mnist).")
    String dataset;

    @Option(names = "--train-examples", paramLabel = "N", description = "Train on a stratified subset of N training "
            + "examples (drawn with --seed; 0: all, the default).")
    Integer trainExamples;

    @Option(names = "--depths", split = ",", description = "Depths of the depth sweep, e.g. 1,2,4,8.")
    List<Integer> depths;

    @Option(names = "--widths", split = ",", description = "Widths of the width sweep at depth 1, e.g. 5,10,20,50.")
    List<Integer> widths;

    @Option(names = "--weight-decays", split = ",", description = "Weight decays, e.g. 0,0.005.")
    List<Double> weightDecays;

    @Option(names = "--seeds", split = ",", description = "Network seeds, e.g. 1,2,3,4,5.")
    List<Long> seeds;

    @Option(names = "--test-points", description = "Test points per network (highest-loss, median-loss, random).")
    Integer testPoints;

    @Option(names = {"-k", "--top-k"}, description = "Training points retrained by largest |influence|.")
    Integer topK;

    @Option(names = "--random", description = "Additional random training points retrained.")
    Integer random;

    @Option(names = "--pbrf", negatable = true, description = "Also solve the proximal Bregman response for the "
            + "same removals and report it next to leave-one-out.")
    Boolean pbrf;

    @Option(names = "--lds", paramLabel = "SUBSETS", description = "Linear datamodeling score of every solver over "
            + "all test examples on this many subsets of half the training set, each trained from a fresh "
            + "initialisation (0: off, the default).")
    Integer lds;

    @Option(names = "--solvers", split = ",", description = "exact, cg, lissa, kfac, ekfac, identity "
            + "(comma-separated).")
    List<String> solvers;

    @Option(names = "--damping", description = "Damping λ of H + λI (preset default 0.01).")
    Double damping;

    @Option(names = "--protocols", split = ",", description = "Training/retraining protocols: lbfgs, adam.")
    List<String> protocols;

    @Option(names = "--train-iterations", description = "Overrides every protocol's training iteration cap (L-BFGS) or "
            + "budget (Adam).")
    Integer trainIterations;

    @Option(names = "--retrain-iterations", description = "Overrides every protocol's iteration cap (L-BFGS) or budget "
            + "(Adam) per warm-started retraining.")
    Integer retrainIterations;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        checkValues();
        String name = quick ? "quick" : preset.toLowerCase(Locale.ROOT);
        FragilityStudy.Config c = preset(name);
        Path dir = common.apply("out/" + name, OUTPUTS);
        FragilityStudy.Config.Sweep sw = c.sweep();
        c = c.withSweep(sw.with(depths != null ? depths : sw.depths(), widths != null ? widths : sw.widths(),
                weightDecays != null ? weightDecays : sw.weightDecays(), seeds != null ? seeds : sw.seeds()));
        FragilityStudy.Config.Validation v = c.validation();
        c = c.withValidation(new FragilityStudy.Config.Validation(testPoints != null ? testPoints : v.testPoints(),
                topK != null ? topK : v.topK(), random != null ? random : v.randomSample(),
                pbrf != null ? pbrf : v.pbrf(), lds != null ? lds : v.ldsSubsets()));
        FragilityStudy.Config.Influence inf = c.influence();
        if (solvers != null || damping != null) {
            c = c.withInfluence(inf.with(solvers != null ? solvers.stream().map(FragilityCommand::solver).toList()
                    : inf.solvers(), damping != null ? damping : inf.damping(), inf.policy()));
        }
        if (dataset != null) {
            c = c.withModel(c.model().withDataset(dataset));
        }
        if (trainExamples != null) {
            c = c.withModel(c.model().withTrainExamples(trainExamples));
        }
        if (protocols != null) {
            c = c.withModel(c.model().withProtocols(protocols.stream().map(FragilityCommand::protocol).toList()));
        }
        if (trainIterations != null || retrainIterations != null) {
            c = c.withModel(c.model().withProtocols(c.model().protocols().stream()
                    .map(p -> p.withIterations(trainIterations != null ? trainIterations : p.trainIterations(),
                            retrainIterations != null ? retrainIterations : p.retrainIterations())).toList()));
        }
        c = c.withRun(new FragilityStudy.Config.Run(common.seed, common.threads));
        checkSizes(c);
        out.printf("fragility study '%s': %d networks; writing to %s%n", c.name(), c.networks(), dir);
        out.flush();
        FragilityStudy.Results results = new FragilityStudy(c).run(!common.quiet, line -> {
            out.println(line);
            out.flush();
        });
        List<Path> files = FragilityReport.write(results, dir, "influence4j " + String.join(" ",
                spec.commandLine().getParseResult().originalArgs()));
        out.printf("done in %.1f s; wrote %d files to %s, among them:%n", results.seconds(), files.size(), dir);
        for (Path p : files) {
            if (p.getParent().equals(dir)) {
                out.println("  " + p);
            }
        }
        out.flush();
        return 0;
    }

    /** The options' own ranges, checked before any work and named as on the command line. */
    private void checkValues() {
        for (int d : depths != null ? depths : List.<Integer>of()) {
            require(d >= 0 && d <= 64, "--depths " + depths + " contains " + d + "; depths are between 0 and 64");
        }
        for (int w : widths != null ? widths : List.<Integer>of()) {
            require(w >= 1, "--widths " + widths + " contains " + w + "; widths are >= 1");
        }
        for (double wd : weightDecays != null ? weightDecays : List.<Double>of()) {
            require(wd >= 0 && !Double.isInfinite(wd), "--weight-decays " + weightDecays + " contains " + wd
                    + "; weight decays are finite and >= 0");
        }
        require(testPoints == null || testPoints >= 1, "--test-points (" + testPoints + ") must be >= 1");
        require(topK == null || topK >= 1, "-k/--top-k (" + topK + ") must be >= 1");
        require(random == null || random >= 0, "--random (" + random + ") must be >= 0");
        require(lds == null || lds == 0 || lds >= 3, "--lds (" + lds + ") must be 0 (off) or >= 3 (a Spearman "
                + "correlation over subsets)");
        require(damping == null || damping >= 0 && !Double.isInfinite(damping), "--damping (" + damping
                + ") must be finite and >= 0");
        require(trainExamples == null || trainExamples >= 0, "--train-examples (" + trainExamples + ") must be >= 0 "
                + "(0: all)");
        require(trainIterations == null || trainIterations >= 1, "--train-iterations (" + trainIterations
                + ") must be >= 1");
        require(retrainIterations == null || retrainIterations >= 1, "--retrain-iterations (" + retrainIterations
                + ") must be >= 1");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static FragilityStudy.Config preset(String name) {
        return switch (name) {
            case "quick" -> FragilityStudy.Config.quick();
            case "full" -> FragilityStudy.Config.full();
            case "mnist-mlp" -> FragilityStudy.Config.mnistMlp();
            case "mnist-cnn" -> FragilityStudy.Config.mnistCnn();
            case "mnist-small-cnn" -> FragilityStudy.Config.mnistSmallCnn();
            default -> throw new IllegalArgumentException("unknown --preset '" + name + "'; use quick, full, mnist-mlp,"
                    + " mnist-cnn or mnist-small-cnn");
        };
    }

    private static void checkSizes(FragilityStudy.Config c) {
        int n = org.influence4j.bench.data.Datasets.bundled(c.model().dataset(), c.run().seed()).train().numExamples();
        if (c.model().trainExamples() > 0) {
            n = Math.min(n, c.model().trainExamples());
        }
        if (c.validation().topK() + c.validation().randomSample() > n) {
            throw new IllegalArgumentException("--top-k + --random (" + c.validation().topK() + " + " + c.validation().randomSample()
                    + ") exceeds the training set size of " + c.model().dataset() + " (" + n + ")");
        }
    }

    static FragilityStudy.SolverKind solver(String s) {
        try {
            return FragilityStudy.SolverKind.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown solver '" + s + "'; use exact, cg, lissa, kfac, ekfac "
                    + "or identity");
        }
    }

    static TrainingProtocol protocol(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "lbfgs" -> TrainingProtocol.lbfgs();
            case "adam" -> TrainingProtocol.adam();
            default -> throw new IllegalArgumentException("unknown protocol '" + s + "'; use lbfgs or adam");
        };
    }
}
