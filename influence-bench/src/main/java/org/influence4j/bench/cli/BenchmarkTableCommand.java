package org.influence4j.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.influence4j.bench.study.GroundTruthTable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code influence4j benchmark-table}: every curvature against leave-one-out and the linear datamodeling score on
 * softmax regression and an MLP, in the setting of dattri's MNIST-10 benchmark (docs/ground-truths.md).
 */
@Command(name = "benchmark-table", mixinStandardHelpOptions = true,
        description = {"Scores test points with every curvature (exact, CG, LiSSA, K-FAC, EK-FAC, identity) and "
                + "compares them with leave-one-out retraining and the linear datamodeling score (LDS), with "
                + "bootstrap intervals, for softmax regression and an MLP on small MNIST (dattri's MNIST-10 setting;"
                + " with --quick: Iris, about a minute).",
                "Writes table.csv, table.md, lds.png, loo.png, lds_vs_damping.png (with --dampings) and "
                        + "lds_scatter_<model>.png; the subset trainings go to"
                        + " lds_trainings_<model>.txt, from which a rerun with the same settings resumes."})
final class BenchmarkTableCommand implements Callable<Integer> {

    static final List<String> OUTPUTS = List.of("table.csv", "table.md", "lds.png", "loo.png", "lds_vs_damping.png",
            "lds_scatter_*.png");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--quick", description = "The CI-sized table on Iris instead of small MNIST.")
    boolean quick;

    @Option(names = "--model", split = ",", description = "Only these models, comma-separated: softmax, mlp, "
            + "softmax-sgd and mlp-sgd (dattri's SGD recipes; small MNIST only) (default: softmax, softmax-sgd and "
            + "mlp; mlp-sgd only when named).")
    List<String> models = List.of();

    @Option(names = "--test-points", paramLabel = "N", description = "Overrides the number of test points (the "
            + "first N test examples).")
    int testPoints;

    @Option(names = "--loo-removals", paramLabel = "N", description = "Overrides the number of training examples "
            + "removed one at a time for leave-one-out.")
    int looRemovals;

    @Option(names = "--subsets", paramLabel = "N", description = "Overrides the number of LDS subsets of every "
            + "model.")
    int subsets;

    @Option(names = "--curvatures", split = ",", description = "Only these curvatures, comma-separated: exact, cg, "
            + "cg-10, cg-block, lissa, kfac, ekfac, ekfac-expected, ekfac-heuristic, identity (each model keeps those "
            + "of its own it lists; ekfac-expected, EK-FAC fitted with the expectation over labels, and ekfac-heuristic, "
            + "EK-FAC with Kronfluence's heuristic damping of 0.1 × each layer's mean eigenvalue added to λ, are offered "
            + "to every model with ekfac; cg-block, CG on the layer-block-diagonal Hessian (K-FAC and EK-FAC "
            + "factorise the same blocks of the Gauss–Newton matrix), to every model with cg). A name may carry its own damping, name@λ (e.g. ekfac-expected@1e-5), scored "
            + "with that λ only.")
    List<String> curvatures = List.of();

    @Option(names = "--subset-start", description = "Overrides how every model's LDS subsets are trained: scratch "
            + "(a fresh seeded initialisation) or warm (warm-started from the trained network).")
    String subsetStart;

    @Option(names = "--dampings", split = ",", paramLabel = "λ", description = "Scores every curvature with each "
            + "of these dampings, comma-separated (the first is the headline λ; identity uses the first only), and "
            + "adds each curvature's best λ by LDS to table.md — dattri's damping grid is 1e-5,1e-4,1e-3,1e-2,0.1,1 "
            + "(default: 0.01).")
    List<Double> dampings = List.of();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        for (String[] o : new String[][] {{"--test-points", "" + testPoints, "3"},
                {"--loo-removals", "" + looRemovals, "3"}, {"--subsets", "" + subsets, "3"}}) {
            int v = Integer.parseInt(o[1]);
            if (v != 0 && v < Integer.parseInt(o[2])) {
                throw new IllegalArgumentException(o[0] + " (" + v + ") must be >= " + o[2]);
            }
        }
        GroundTruthTable.Config config = (quick ? GroundTruthTable.quick()
                : models.isEmpty() ? GroundTruthTable.mnist() : GroundTruthTable.mnistAllModels())
                .onlyModels(models.stream().map(m -> m.trim().toLowerCase(Locale.ROOT)).toList())
                .withSizes(testPoints, looRemovals, subsets);
        if (!curvatures.isEmpty()) {
            config = config.onlyCurvatures(curvatures.stream().map(k -> k.trim().toLowerCase(Locale.ROOT)).toList());
        }
        if (!dampings.isEmpty()) {
            try {
                config = config.withDampings(dampings);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--dampings " + dampings + ": " + e.getMessage(), e);
            }
        }
        if (subsetStart != null) {
            switch (subsetStart.toLowerCase(Locale.ROOT)) {
                case "scratch" -> config = config.withWarmSubsets(false);
                case "warm" -> config = config.withWarmSubsets(true);
                default -> throw new IllegalArgumentException("unknown --subset-start '" + subsetStart
                        + "'; use scratch or warm");
            }
        }
        Path dir = common.apply("out/benchmark-table", OUTPUTS);
        GroundTruthTable.Result r = GroundTruthTable.run(config, dir, common.threads, !common.quiet, line -> {
            if (!common.quiet) {
                out.println(line);
                out.flush();
            }
        });
        out.printf(Locale.ROOT, "%d rows in %.1f s; wrote %s%n", r.rows().size(), r.seconds(),
                dir.resolve("table.md"));
        out.flush();
        return 0;
    }
}
