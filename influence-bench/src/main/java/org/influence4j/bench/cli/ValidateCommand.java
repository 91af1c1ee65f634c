package org.influence4j.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.progress.Progress;
import org.influence4j.bench.report.CsvTable;
import org.influence4j.bench.report.MarkdownTable;
import org.influence4j.bench.report.PlotOptions;
import org.influence4j.bench.report.Plots;
import org.influence4j.bench.study.LeaveOneOutRuns;
import org.influence4j.bench.study.TestPoints;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.Dl4jRetrainer;
import org.influence4j.model.DataSets;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.ValidationReport;
import org.nd4j.linalg.dataset.DataSet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code influence4j validate}: the leave-one-out protocol of Koh &amp; Liang (2017) for one model and one or more test
 * points.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks influence against leave-one-out retraining: the top-k training examples by |influence|"
                + " plus a seeded random sample are removed one at a time and the model retrained warm-started;",
                "predicted (−I_up,loss/n) and actual changes of the test loss are compared (Pearson, Spearman, "
                        + "Kendall). Writes validation.csv, summary.csv and one scatter plot per test point."})
final class ValidateCommand implements Callable<Integer> {

    /** The files written into {@code --out}. */
    static final List<String> OUTPUTS = List.of("summary.csv", "validation.csv", "scatter_test*.png");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ModelOptions model;

    @Mixin
    CurvatureOptions curvature;

    @Option(names = "--test-point", split = ",", defaultValue = "highest-loss,median-loss",
            description = "Test points, comma-separated: highest-loss, median-loss, 0-based test indices (7) and "
                    + "ranges (0-99, inclusive); each at most once (default: ${DEFAULT-VALUE}).")
    List<String> testPoints;

    @Option(names = {"-k", "--top-k"}, defaultValue = "20", description = "Training examples retrained by largest "
            + "|influence| (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--random", defaultValue = "10", description = "Additional random training examples retrained "
            + "(default: ${DEFAULT-VALUE}).")
    int random;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = common.apply("out/validate", OUTPUTS);
        curvature.check();
        TestPointOption.checkSyntax(testPoints);
        TrainTestData data = model.data(common.seed);
        int n = data.train().numExamples();
        if (topK < 1 || random < 0) {
            throw new IllegalArgumentException("-k/--top-k (" + topK + ") must be >= 1 and --random (" + random
                    + ") >= 0");
        }
        if (topK + random > n) {
            throw new IllegalArgumentException("-k/--top-k + --random (" + topK + " + " + random + ") exceeds the "
                    + "training set size (" + n + ")");
        }
        ModelOptions.Trained trained;
        try (Progress p = Progress.start("train", 1, !common.quiet)) {
            trained = model.network(data, common.seed);
            p.step();
        }
        DataSet train = trained.train(); // in the shape the network takes
        DataSet test = trained.test();
        Dl4jInfluenceModel im = Dl4jInfluenceModel.of(trained.net());
        double[] losses = im.losses(test).toDoubleVector();
        List<TestPoints.Choice> choices = TestPointOption.resolveAll(testPoints, losses);
        List<double[]> scores = new ArrayList<>();
        List<DataSet> tps = new ArrayList<>();
        InfluenceScores last = null;
        boolean done = false;
        try {
            InfluenceEstimator est = InfluenceEstimator.forModel(im).withTrainingData(train)
                    .withDamping(model.damping).withSolver(curvature.solver(common.seed, im.numParameters()));
            for (TestPoints.Choice c : choices) {
                DataSet tp = DataSets.subset(test, new int[] {c.index()});
                last = est.influenceOn(tp);
                scores.add(last.toDoubleArray());
                tps.add(tp);
            }
            done = true;
        } catch (IllegalArgumentException ex) {
            throw curvature.named(ex);
        } finally {
            if (!done) {
                curvature.discard(); // directories made for --factors go again (if nothing else is in them)
            }
        }
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withTopK(topK).withRandomSample(random)
                .withSeed(common.seed);
        LeaveOneOutRuns.Run run = LeaveOneOutRuns.run(Dl4jRetrainer.builder(trained.net(), train)
                .protocol(model.protocol()).threads(common.threads), loo, scores, tps, "leave-one-out", !common.quiet);
        Dl4jRetrainer retrainer = run.retrainer();
        List<ValidationReport> reports = run.reports();

        out.printf("model: %s%n", trained.description());
        String tolerance = model.protocol().kind().hasTolerance()
                ? String.format(Locale.ROOT, " (%d of %d retrainings missed the tolerance)",
                        retrainer.unconvergedRetrainings(), retrainer.retrainings().size())
                : String.format(Locale.ROOT, " (%d retrainings, fixed budget)", retrainer.retrainings().size());
        out.printf("‖∇R(θ̂)‖ = %.3g; damping λ = %s; solver %s; retraining: %s; largest ‖∇R‖ after retraining %.3g"
                + "%s%n", last.objectiveGradientNorm(), model.damping, curvature.value(), model.protocol().describe(),
                retrainer.maxRetrainGradientNorm(), tolerance);
        for (int i = 0; i < reports.size(); i++) {
            for (ValidationReport.Point p : reports.get(i).leftBasin()) {
                out.printf(Locale.ROOT, "test point %d: retraining without %d left the warm start's basin "
                        + "(‖θ₋ᵢ − θ₀‖ = %.3g, actual Δ %.3g vs predicted %.3g); left out of the agreement%n",
                        choices.get(i).index(), p.index(), p.parameterDistance(), p.actual(), p.predicted());
            }
        }
        out.println();
        MarkdownTable t = MarkdownTable.withHeader("test point", "loss", "top-k Pearson", "top-k Spearman",
                "top-k Kendall", "all Pearson", "all Spearman", "retrained", "left basin");
        CsvTable summary = CsvTable.withHeader("test_index", "test_kind", "test_loss", "top_k", "pearson_top_k",
                "spearman_top_k", "kendall_top_k", "retrained", "pearson_all", "spearman_all", "kendall_all",
                "left_basin", "pearson_top_k_all_points", "pearson_all_points", "damping", "solver", "seed");
        CsvTable points = CsvTable.withHeader("test_index", "train_index", "reason", "score", "predicted", "actual",
                "parameter_distance", "left_basin");
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            TestPoints.Choice c = choices.get(i);
            ValidationReport r = reports.get(i);
            t.row(c.index() + " (" + c.kind().label() + ")", c.loss(), r.topK().pearson(), r.topK().spearman(),
                    r.topK().kendall(), r.all().pearson(), r.all().spearman(), r.points().size(),
                    r.leftBasinCount());
            summary.row(c.index(), c.kind().label(), c.loss(), r.topK().count(), r.topK().pearson(),
                    r.topK().spearman(), r.topK().kendall(), r.all().count(), r.all().pearson(), r.all().spearman(),
                    r.all().kendall(), r.leftBasinCount(), r.topKAllPoints().pearson(), r.allPoints().pearson(),
                    model.damping, curvature.value(), common.seed);
            for (ValidationReport.Point p : r.points()) {
                points.row(c.index(), p.index(), p.reason().name().toLowerCase(Locale.ROOT), p.score(),
                        p.predicted(), p.actual(), p.parameterDistance(), p.leftBasin());
            }
            written.add(Plots.predictedVsActual(dir.resolve("scatter_test" + c.index() + ".png"), r.predicted(),
                    r.actual(), PlotOptions.titled(Plots.correlationTitle("Test example " + c.index() + " ("
                            + c.kind().label() + "), top-" + topK + " + " + random + " random",
                            r.all().pearson(), r.all().spearman()))));
        }
        out.println(t);
        written.add(0, summary.write(dir.resolve("summary.csv")));
        written.add(1, points.write(dir.resolve("validation.csv")));
        for (Path p : written) {
            out.println("wrote " + p);
        }
        out.flush();
        return 0;
    }
}
