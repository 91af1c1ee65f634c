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
import org.influence4j.bench.study.DatamodelRuns;
import org.influence4j.dl4j.Dl4jSubsetTrainer;
import org.influence4j.validation.Correlations;
import org.influence4j.validation.DatamodelReport;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.LinearDatamodelingScore;
import org.influence4j.validation.Measurement;
import org.influence4j.validation.SubsetRetrainer;
import org.influence4j.validation.ValidationReport;
import org.nd4j.linalg.dataset.DataSet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code influence4j validate}: influence against ground truths for one model and one or more test points — the
 * leave-one-out protocol of Koh &amp; Liang (2017), the proximal Bregman response function (Bae et al. 2022) on the
 * same removals, and the linear datamodeling score (Park et al. 2023).
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks influence against ground truths (--ground-truth):",
                "loo: the top-k training examples by |influence| plus a seeded random sample are removed one at a "
                        + "time and the model retrained warm-started; predicted (−I_up,loss/n) and actual changes of "
                        + "the test loss are compared (Pearson, Spearman, Kendall);",
                "loo-scratch: the same removals, each retrained from a fresh initialisation with one seed for every "
                        + "retraining (dattri's protocol; one full training per removal);",
                "pbrf: the same removals, with the proximal Bregman response (what influence with Gauss–Newton "
                        + "curvature approximates) solved instead of retraining;",
                "lds: the linear datamodeling score — random subsets of the training set are trained and, per test "
                        + "point, the summed influence of each subset is correlated (Spearman) with the test loss of "
                        + "the model trained on it; resumable from lds_trainings.txt in --out.",
                "Writes summary.csv, validation.csv and scatter plots (loo, pbrf), lds.csv, lds_subsets.csv and "
                        + "lds_scatter_test*.png (lds)."})
final class ValidateCommand implements Callable<Integer> {

    /** The files written into {@code --out}. */
    static final List<String> OUTPUTS = List.of("summary.csv", "validation.csv", "scatter_test*.png",
            "scatter_pbrf_test*.png", "scatter_loo_scratch_test*.png", "lds.csv", "lds_subsets.csv", "lds_scatter_test*.png");

    /** The ground truths {@code --ground-truth} accepts. */
    static final List<String> GROUND_TRUTHS = List.of("loo", "loo-scratch", "pbrf", "lds");

    /** The subset trainings of {@code --ground-truth lds}: a rerun with the same settings resumes from them. */
    static final String LDS_CHECKPOINT = "lds_trainings.txt";

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

    @Option(names = "--ground-truth", split = ",", defaultValue = "loo", description = "Ground truths, comma-"
            + "separated: loo (leave-one-out retraining, warm-started), loo-scratch (the same removals retrained from "
            + "a fresh initialisation with the seed of --seed for every retraining), pbrf (the proximal Bregman response: the "
            + "objective influence with Gauss–Newton curvature approximates, solved for the same removals), lds (the "
            + "linear datamodeling score over random subsets) (default: ${DEFAULT-VALUE}).")
    List<String> groundTruths;

    @Option(names = "--subsets", defaultValue = "100", description = "LDS: random subsets of the training set, each "
            + "trained once per seed (default: ${DEFAULT-VALUE}).")
    int subsets;

    @Option(names = "--fraction", defaultValue = "0.5", description = "LDS: fraction of the training set in each "
            + "subset (default: ${DEFAULT-VALUE}).")
    double fraction;

    @Option(names = "--seeds-per-subset", defaultValue = "1", description = "LDS: trainings per subset with "
            + "different seeds, measurements averaged (default: ${DEFAULT-VALUE}).")
    int seedsPerSubset;

    @Option(names = "--measurement", defaultValue = "loss", description = "LDS: what is measured on each test point:"
            + " loss or margin (default: ${DEFAULT-VALUE}).")
    String measurement;

    @Option(names = "--subset-start", defaultValue = "scratch", description = "LDS: subsets are trained from a fresh "
            + "seeded initialisation (scratch) or warm-started from the trained network (warm) (default: "
            + "${DEFAULT-VALUE}).")
    String subsetStart;

    @Option(names = "--bootstrap", defaultValue = "1000", description = "LDS: bootstrap resamples of the 95% "
            + "intervals (0: none) (default: ${DEFAULT-VALUE}).")
    int bootstrap;

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
        List<String> truths = groundTruths();
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
        out.printf("model: %s%n", trained.description());
        out.printf("‖∇R(θ̂)‖ = %.3g; damping λ = %s; solver %s%n", last.objectiveGradientNorm(), model.damping,
                curvature.value());
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        if (truths.contains("loo") || truths.contains("loo-scratch") || truths.contains("pbrf")) {
            written.addAll(leaveOneOut(out, dir, truths, trained, im, train, choices, scores, tps));
        }
        if (truths.contains("lds")) {
            written.addAll(datamodels(out, dir, trained, train, test, choices, scores));
        }
        for (Path p : written) {
            out.println("wrote " + p);
        }
        out.flush();
        return 0;
    }

    /** {@code --ground-truth} checked and deduplicated, in the order of {@link #GROUND_TRUTHS}. */
    List<String> groundTruths() {
        for (String g : groundTruths) {
            if (!GROUND_TRUTHS.contains(g.trim().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("unknown --ground-truth '" + g + "'; use " + String.join(", ",
                        GROUND_TRUTHS) + " (comma-separated)");
            }
        }
        List<String> given = groundTruths.stream().map(g -> g.trim().toLowerCase(Locale.ROOT)).toList();
        List<String> truths = GROUND_TRUTHS.stream().filter(given::contains).toList();
        if (truths.contains("lds")) {
            if (subsets < 3) {
                throw new IllegalArgumentException("--subsets (" + subsets + ") must be >= 3 (a Spearman correlation "
                        + "over subsets)");
            }
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("--fraction (" + fraction + ") must be between 0 and 1 "
                        + "(exclusive), e.g. 0.5");
            }
            if (seedsPerSubset < 1) {
                throw new IllegalArgumentException("--seeds-per-subset (" + seedsPerSubset + ") must be >= 1");
            }
            if (bootstrap < 0) {
                throw new IllegalArgumentException("--bootstrap (" + bootstrap + ") must be >= 0 (0: no intervals)");
            }
            measurement();
            start();
        }
        return truths;
    }

    private Measurement measurement() {
        return switch (measurement.toLowerCase(Locale.ROOT)) {
            case "loss" -> Measurement.LOSS;
            case "margin" -> Measurement.MARGIN;
            default -> throw new IllegalArgumentException("unknown --measurement '" + measurement
                    + "'; use loss or margin");
        };
    }

    private Dl4jSubsetTrainer.Start start() {
        return switch (subsetStart.toLowerCase(Locale.ROOT)) {
            case "scratch" -> Dl4jSubsetTrainer.Start.FROM_SCRATCH;
            case "warm" -> Dl4jSubsetTrainer.Start.WARM_START;
            default -> throw new IllegalArgumentException("unknown --subset-start '" + subsetStart
                    + "'; use scratch or warm");
        };
    }

    /** Leave-one-out and/or PBRF on the same removals: summary.csv, validation.csv and the scatter plots. */
    private List<Path> leaveOneOut(PrintWriter out, Path dir, List<String> truths, ModelOptions.Trained trained,
                                   Dl4jInfluenceModel im, DataSet train, List<TestPoints.Choice> choices,
                                   List<double[]> scores, List<DataSet> tps) throws java.io.IOException {
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withTopK(topK).withRandomSample(random)
                .withSeed(common.seed);
        MarkdownTable t = MarkdownTable.withHeader("ground truth", "test point", "loss", "top-k Pearson",
                "top-k Spearman", "top-k Kendall", "all Pearson", "all Spearman", "retrained", "left basin");
        CsvTable summary = CsvTable.withHeader("ground_truth", "test_index", "test_kind", "test_loss", "top_k",
                "pearson_top_k", "spearman_top_k", "kendall_top_k", "retrained", "pearson_all", "spearman_all",
                "kendall_all", "left_basin", "pearson_top_k_all_points", "pearson_all_points", "damping", "solver",
                "seed");
        CsvTable points = CsvTable.withHeader("ground_truth", "test_index", "train_index", "reason", "score",
                "predicted", "actual", "parameter_distance", "left_basin");
        List<Path> written = new ArrayList<>();
        for (String truth : truths) {
            if (truth.equals("lds")) {
                continue;
            }
            List<ValidationReport> reports;
            if (truth.equals("loo")) {
                LeaveOneOutRuns.Run run = LeaveOneOutRuns.run(Dl4jRetrainer.builder(trained.net(), train)
                        .protocol(model.protocol()).threads(common.threads), loo, scores, tps, "leave-one-out",
                        !common.quiet);
                Dl4jRetrainer retrainer = run.retrainer();
                reports = run.reports();
                String tolerance = model.protocol().kind().hasTolerance()
                        ? String.format(Locale.ROOT, " (%d of %d retrainings missed the tolerance)",
                                retrainer.unconvergedRetrainings(), retrainer.retrainings().size())
                        : String.format(Locale.ROOT, " (%d retrainings, fixed budget)",
                                retrainer.retrainings().size());
                out.printf("leave-one-out: retraining %s; largest ‖∇R‖ after retraining %.3g%s%n",
                        model.protocol().describe(), retrainer.maxRetrainGradientNorm(), tolerance);
            } else if (truth.equals("loo-scratch")) {
                SubsetRetrainer scratch;
                try (Progress p = Progress.unbounded("leave-one-out from scratch", !common.quiet)) {
                    Dl4jSubsetTrainer fresh = Dl4jSubsetTrainer.builder(trained.net(), train)
                            .start(Dl4jSubsetTrainer.Start.FROM_SCRATCH).protocol(model.protocol())
                            .listener(training -> p.step()).build();
                    scratch = SubsetRetrainer.builder(fresh, train.numExamples()).seed(common.seed)
                            .testPoints(DataSet.merge(tps)).threads(common.threads).build();
                    reports = loo.runAll(scores, scratch, tps);
                }
                out.printf("leave-one-out from scratch: %s; %d trainings%n", scratch.describe(),
                        scratch.trainings());
            } else {
                LeaveOneOutRuns.PbrfRun run = LeaveOneOutRuns.runPbrf(im, train, model.damping, common.threads, loo,
                        scores, tps, "PBRF", !common.quiet);
                reports = run.reports();
                out.printf("PBRF: damping λ = %s, %d solves, %d missed the tolerance (the Gauss–Newton "
                        + "objective influence approximates; see docs/ground-truths.md)%n", model.damping,
                        run.solves(), run.unconverged());
            }
            for (int i = 0; i < reports.size(); i++) {
                for (ValidationReport.Point p : reports.get(i).leftBasin()) {
                    out.printf(Locale.ROOT, "%s, test point %d: retraining without %d left the warm start's basin "
                            + "(‖θ₋ᵢ − θ₀‖ = %.3g, actual Δ %.3g vs predicted %.3g); left out of the agreement%n",
                            truth, choices.get(i).index(), p.index(), p.parameterDistance(), p.actual(),
                            p.predicted());
                }
            }
            for (int i = 0; i < reports.size(); i++) {
                TestPoints.Choice c = choices.get(i);
                ValidationReport r = reports.get(i);
                t.row(truth, c.index() + " (" + c.kind().label() + ")", c.loss(), r.topK().pearson(),
                        r.topK().spearman(), r.topK().kendall(), r.all().pearson(), r.all().spearman(),
                        r.points().size(), r.leftBasinCount());
                summary.row(truth, c.index(), c.kind().label(), c.loss(), r.topK().count(), r.topK().pearson(),
                        r.topK().spearman(), r.topK().kendall(), r.all().count(), r.all().pearson(),
                        r.all().spearman(), r.all().kendall(), r.leftBasinCount(), r.topKAllPoints().pearson(),
                        r.allPoints().pearson(), model.damping, curvature.value(), common.seed);
                for (ValidationReport.Point p : r.points()) {
                    points.row(truth, c.index(), p.index(), p.reason().name().toLowerCase(Locale.ROOT), p.score(),
                            p.predicted(), p.actual(), p.parameterDistance(), p.leftBasin());
                }
                String name = switch (truth) {
                    case "loo" -> "scatter_test";
                    case "loo-scratch" -> "scatter_loo_scratch_test";
                    default -> "scatter_pbrf_test";
                } + c.index() + ".png";
                String title = switch (truth) {
                    case "loo" -> "Leave-one-out";
                    case "loo-scratch" -> "Leave-one-out from scratch";
                    default -> "PBRF";
                };
                written.add(Plots.predictedVsActual(dir.resolve(name), r.predicted(), r.actual(),
                        PlotOptions.titled(Plots.correlationTitle(title
                                + ", test example " + c.index() + " (" + c.kind().label() + "), top-" + topK + " + "
                                + random + " random", r.all().pearson(), r.all().spearman()))));
            }
        }
        out.println();
        out.println(t);
        written.add(0, summary.write(dir.resolve("summary.csv")));
        written.add(1, points.write(dir.resolve("validation.csv")));
        return written;
    }

    /** The linear datamodeling score of the test points: lds.csv, lds_subsets.csv and one scatter plot each. */
    private List<Path> datamodels(PrintWriter out, Path dir, ModelOptions.Trained trained, DataSet train,
                                  DataSet test, List<TestPoints.Choice> choices, List<double[]> scores)
            throws java.io.IOException {
        int[] rows = choices.stream().mapToInt(TestPoints.Choice::index).toArray();
        DataSet tests = DataSets.subset(test, rows);
        Dl4jSubsetTrainer trainer = Dl4jSubsetTrainer.builder(trained.net(), train).start(start())
                .protocol(model.protocol()).build();
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(subsets).withFraction(fraction)
                .withSeedsPerSubset(seedsPerSubset).withMeasurement(measurement()).withSeed(common.seed)
                .withBootstrap(bootstrap).withThreads(common.threads).withCheckpoint(dir.resolve(LDS_CHECKPOINT));
        DatamodelReport r = DatamodelRuns.run(lds, trainer, scores.toArray(new double[0][]), tests,
                "LDS subsets", !common.quiet);
        out.printf(Locale.ROOT, "LDS: %s; %d subsets of %d examples, %s; %d trainings run, %d loaded from %s%n",
                trainer.describe(), r.subsetCount(), r.subsetSize(), r.measurement().name().toLowerCase(Locale.ROOT),
                r.trainingsRun(), r.trainingsLoaded(), dir.resolve(LDS_CHECKPOINT));
        MarkdownTable t = MarkdownTable.withHeader("test point", "loss", "LDS (Spearman)", "95% interval");
        CsvTable csv = CsvTable.withHeader("test_index", "test_kind", "test_loss", "lds", "lds_low", "lds_high",
                "subsets", "fraction", "seeds_per_subset", "measurement", "damping", "solver", "seed");
        CsvTable perSubset = CsvTable.withHeader("subset", "test_index", "predicted_sum_of_scores", "actual");
        double[][] predicted = r.predicted();
        double[][] actual = r.actual();
        List<Path> written = new ArrayList<>();
        for (int q = 0; q < rows.length; q++) {
            TestPoints.Choice c = choices.get(q);
            DatamodelReport.Point p = r.point(q);
            t.row(c.index() + " (" + c.kind().label() + ")", c.loss(), p.spearman(),
                    String.format(Locale.ROOT, "[%.3f, %.3f]", p.low(), p.high()));
            csv.row(c.index(), c.kind().label(), c.loss(), p.spearman(), p.low(), p.high(), r.subsetCount(),
                    r.fraction(), r.seedsPerSubset(), r.measurement().name().toLowerCase(Locale.ROOT), model.damping,
                    curvature.value(), common.seed);
            double[] px = new double[predicted.length];
            double[] ay = new double[predicted.length];
            for (int j = 0; j < predicted.length; j++) {
                px[j] = predicted[j][q];
                ay[j] = actual[j][q];
                perSubset.row(j, c.index(), px[j], ay[j]);
            }
            written.add(Plots.scatter(dir.resolve("lds_scatter_test" + c.index() + ".png"), px, ay, "subsets",
                    PlotOptions.titled(Plots.correlationTitle("LDS, test example " + c.index() + " ("
                            + c.kind().label() + "), " + predicted.length + " subsets", Correlations.pearson(px, ay),
                            p.spearman())).withAxisTitles("sum of influence scores I_up,loss over the subset",
                            "measured " + r.measurement().name().toLowerCase(Locale.ROOT)
                                    + " of the model trained on the subset")));
        }
        out.println();
        out.println(t);
        out.printf(Locale.ROOT, "mean LDS %.3f, 95%% interval [%.3f, %.3f] (%d test point(s) excluded: constant)%n",
                r.lds(), r.ldsLow(), r.ldsHigh(), r.excludedCount());
        written.add(0, csv.write(dir.resolve("lds.csv")));
        written.add(1, perSubset.write(dir.resolve("lds_subsets.csv")));
        return written;
    }
}