package org.influence4j.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceQueries;
import org.influence4j.InfluenceScores;
import org.influence4j.InfluenceSink;
import org.influence4j.InfluenceSinks;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.progress.EstimatorProgress;
import org.influence4j.bench.progress.Progress;
import org.influence4j.bench.report.CsvTable;
import org.influence4j.bench.report.MarkdownTable;
import org.influence4j.bench.study.TestPoints;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.model.DataSets;
import org.influence4j.solver.SolverResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code influence4j explain}: trains (or loads) a network, picks one or more test examples, and lists for each the
 * most helpful and most harmful training examples with their influence and predicted loss change on removal.
 *
 * <p>One test point is computed with {@link InfluenceEstimator#influenceOn}; several with one
 * {@link InfluenceEstimator#influenceOnEach(DataSet, InfluenceSink) influenceOnEach} call (one solve per test point
 * with the prepared inverse, one scoring pass for all of them) into a {@link InfluenceSinks#topK top-k sink}, and,
 * with {@code --scores-out}, a CSV or binary sink of the whole matrix.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Which training examples made the model predict these test examples?",
                "Scores are I_up,loss = −∇L_testᵀ(H+λI)⁻¹∇ℓ(z): negative = helpful (removing it raises the test "
                        + "loss), positive = harmful. Writes explain.csv and explain.json; --scores-out writes every "
                        + "score."})
final class ExplainCommand implements Callable<Integer> {

    /** The files written into {@code --out}. */
    static final List<String> OUTPUTS = List.of("explain.csv", "explain.json");

    /** How many indices per kind the multi-query summary prints (the files have all {@code k}). */
    static final int SUMMARY_INDICES = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ModelOptions model;

    @Mixin
    CurvatureOptions curvature;

    @Option(names = "--test-point", split = ",", paramLabel = "SEL", description = "Test examples, comma-separated: "
            + "highest-loss, median-loss, 0-based test indices (7) and ranges (0-99, inclusive); each at most once "
            + "(default: highest-loss).")
    List<String> testPoints;

    @Option(names = "--highest-loss", paramLabel = "N", description = "The N highest-loss test examples, highest "
            + "first (instead of --test-point).")
    Integer highestLoss;

    @Option(names = {"-k", "--top"}, defaultValue = "10", description = "How many helpful and harmful examples "
            + "(default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--scores-out", paramLabel = "FILE", description = "Also write the influence of every training "
            + "example on every test point: FILE.csv (train_index, then one column per test point named by its test "
            + "index) or FILE.bin (\"I4JINFL1\", int Q, int n, then n·Q big-endian doubles, training example by "
            + "training example). Refused if it exists, unless --overwrite; written only when the run completes.")
    Path scoresOut;

    /** One test point's result: the top-k of each kind, most influential first, and its solve. */
    private record Ranked(TestPoints.Choice choice, int[] helpful, double[] helpfulScores, int[] harmful,
                          double[] harmfulScores, SolverResult solve) {

        static Ranked of(TestPoints.Choice c, InfluenceScores s, int k) {
            int[] helpful = s.mostHelpful(k);
            int[] harmful = s.mostHarmful(k);
            return new Ranked(c, helpful, Arrays.stream(helpful).mapToDouble(s::value).toArray(), harmful,
                    Arrays.stream(harmful).mapToDouble(s::value).toArray(), s.solverResult());
        }

        int[] indices(String kind) {
            return kind.equals("helpful") ? helpful : harmful;
        }

        double[] scores(String kind) {
            return kind.equals("helpful") ? helpfulScores : harmfulScores;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = common.apply("out/explain", OUTPUTS);
        if (k < 1) {
            throw new IllegalArgumentException("-k/--top (" + k + ") must be >= 1");
        }
        curvature.check();
        if (highestLoss != null && testPoints != null) {
            throw new IllegalArgumentException("give --test-point or --highest-loss, not both");
        }
        if (highestLoss != null && highestLoss < 1) {
            throw new IllegalArgumentException("--highest-loss (" + highestLoss + ") must be >= 1");
        }
        if (testPoints != null) {
            TestPointOption.checkSyntax(testPoints);
        }
        ScoresOutput scores = ScoresOutput.check(scoresOut, common.overwrite, dir, OUTPUTS);
        TrainTestData data = model.data(common.seed);
        if (k > data.train().numExamples()) {
            throw new IllegalArgumentException("-k/--top (" + k + ") exceeds the training set size ("
                    + data.train().numExamples() + ")");
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
        List<TestPoints.Choice> choices = highestLoss != null ? TestPointOption.highestLosses(highestLoss, losses)
                : TestPointOption.resolveAll(testPoints == null ? List.of("highest-loss") : testPoints, losses);
        int[] indices = choices.stream().mapToInt(TestPoints.Choice::index).toArray();
        int n = train.numExamples();
        List<Ranked> ranked = new ArrayList<>();
        InfluenceQueries queries = null;
        InfluenceEstimator est;
        double gradientNorm;
        long start = System.nanoTime();
        boolean done = false;
        try (EstimatorProgress bars = new EstimatorProgress(!common.quiet)) {
            est = InfluenceEstimator.forModel(im).withTrainingData(train).withDamping(model.damping)
                    .withSolver(curvature.solver(common.seed, im.numParameters()));
            InfluenceEstimator e = est.withProgressListener(bars);
            if (choices.size() == 1 && scores == null) {
                InfluenceScores s = e.influenceOn(DataSets.subset(test, indices));
                ranked.add(Ranked.of(choices.get(0), s, k));
                gradientNorm = s.objectiveGradientNorm();
            } else {
                InfluenceSinks.TopK top = InfluenceSinks.topK(k);
                InfluenceSink sink = scores == null ? top : InfluenceSinks.all(scores.sink(Arrays.stream(indices)
                        .mapToObj(String::valueOf).collect(Collectors.toList())), top);
                queries = e.influenceOnEach(DataSets.subset(test, indices), sink);
                for (InfluenceSinks.TopInfluences t : top.result()) {
                    ranked.add(new Ranked(choices.get(t.query()), t.helpful(), t.helpfulScores(), t.harmful(),
                            t.harmfulScores(), queries.solverResult(t.query())));
                }
                gradientNorm = e.objectiveGradientNorm();
            }
            done = true;
        } catch (IllegalArgumentException ex) {
            throw curvature.named(ex);
        } finally {
            if (!done) { // directories made for --scores-out or --factors go again (if nothing else is in them)
                if (scores != null) {
                    scores.discard();
                }
                curvature.discard();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Files.createDirectories(dir);
        List<Path> written = choices.size() == 1
                ? writeOne(out, dir, data, trained, ranked.get(0), gradientNorm, n)
                : writeMany(out, dir, data, trained, ranked, queries, gradientNorm, n, seconds, est, im.numParameters());
        if (scores != null) {
            written.add(scores.file());
        }
        for (Path p : written) {
            out.printf("wrote %s%n", p);
        }
        out.flush();
        return 0;
    }

    /** The single-query report: tables of the helpful and harmful examples, explain.csv and explain.json. */
    private List<Path> writeOne(PrintWriter out, Path dir, TrainTestData data, ModelOptions.Trained trained, Ranked r,
                                double gradientNorm, int n) throws java.io.IOException {
        List<String> classes = data.classNames();
        int[] labels = data.train().labelIndices();
        TestPoints.Choice choice = r.choice();
        int testLabel = data.test().labelIndices()[choice.index()];
        out.printf("model: %s%n", trained.description());
        out.printf("‖∇R(θ̂)‖ = %.3g (influence assumes ≈ 0); damping λ = %s; solver: %s%n", gradientNorm,
                model.damping, r.solve());
        out.printf("test example %d (%s, label %s), loss %.4g%n%n", choice.index(), choice.kind().label(),
                classes.get(testLabel), choice.loss());
        CsvTable csv = CsvTable.withHeader("kind", "rank", "train_index", "label", "influence",
                "predicted_loss_change_on_removal");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", trained.description());
        json.put("test_index", choice.index());
        json.put("test_selection", choice.kind().label());
        json.put("test_label", classes.get(testLabel));
        json.put("test_loss", choice.loss());
        json.put("damping", model.damping);
        json.put("solver", r.solve().toString());
        json.put("objective_gradient_norm", gradientNorm);
        json.put("seed", common.seed);
        if (scoresOut != null) {
            json.put("scores_out", scoresOut.toString());
        }
        for (String kind : List.of("helpful", "harmful")) {
            MarkdownTable t = MarkdownTable.withHeader("rank", "train index", "label", "influence",
                    "predicted Δ test loss if removed");
            List<Object> list = new ArrayList<>();
            int[] idx = r.indices(kind);
            double[] v = r.scores(kind);
            for (int j = 0; j < idx.length; j++) {
                int i = idx[j];
                String label = classes.get(labels[i]);
                double predicted = -v[j] / n; // InfluenceScores.predictedLossChangeOnRemoval
                t.row(j + 1, i, label, v[j], predicted);
                csv.row(kind, j + 1, i, label, v[j], predicted);
                list.add(entry(j + 1, i, label, v[j], predicted));
            }
            json.put(kind, list);
            out.printf("most %s (%s):%n%s%n", kind, kind.equals("helpful") ? "negative influence" : "positive "
                    + "influence", t);
        }
        List<Path> written = new ArrayList<>();
        written.add(csv.write(dir.resolve("explain.csv")));
        written.add(Files.writeString(dir.resolve("explain.json"), Json.write(json)));
        return written;
    }

    /**
     * The multi-query report: one summary line per test point, explain.csv with a leading {@code test_index} column,
     * explain.json with one entry per test point.
     */
    private List<Path> writeMany(PrintWriter out, Path dir, TrainTestData data, ModelOptions.Trained trained,
                                 List<Ranked> ranked, InfluenceQueries queries, double gradientNorm, int n,
                                 double seconds, InfluenceEstimator est, long parameters) throws java.io.IOException {
        List<String> classes = data.classNames();
        int[] labels = data.train().labelIndices();
        int[] testLabels = data.test().labelIndices();
        SolverResult worst = queries.worstSolverResult();
        out.printf("model: %s%n", trained.description());
        out.printf("‖∇R(θ̂)‖ = %.3g (influence assumes ≈ 0); damping λ = %s; curvature %s (%s)%n", gradientNorm,
                model.damping, curvature.name(parameters), est.solver());
        out.printf(Locale.ROOT, "%d test points, %d training examples: %.2f s (test gradients and solves %.2f s, "
                + "scoring %.2f s); least accurate solve: %s%n%n", ranked.size(), n, seconds,
                queries.solveTime().toNanos() / 1e9, queries.scoringTime().toNanos() / 1e9, worst);
        int shown = Math.min(k, SUMMARY_INDICES);
        String more = k > shown ? ", …" : "";
        MarkdownTable t = MarkdownTable.withHeader("test index", "selection", "label", "loss",
                "most helpful" + (k > shown ? " (first " + shown + ")" : ""),
                "most harmful" + (k > shown ? " (first " + shown + ")" : ""));
        CsvTable csv = CsvTable.withHeader("test_index", "kind", "rank", "train_index", "label", "influence",
                "predicted_loss_change_on_removal");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", trained.description());
        json.put("test_points", ranked.size());
        json.put("damping", model.damping);
        json.put("curvature", curvature.name(parameters));
        json.put("solver", est.solver().toString());
        json.put("least_accurate_solve", worst.toString());
        json.put("objective_gradient_norm", gradientNorm);
        json.put("seed", common.seed);
        json.put("solve_seconds", queries.solveTime().toNanos() / 1e9);
        json.put("scoring_seconds", queries.scoringTime().toNanos() / 1e9);
        if (scoresOut != null) {
            json.put("scores_out", scoresOut.toString());
        }
        List<Object> entries = new ArrayList<>();
        for (Ranked r : ranked) {
            TestPoints.Choice c = r.choice();
            String testLabel = classes.get(testLabels[c.index()]);
            t.row(c.index(), c.kind().label(), testLabel, c.loss(), join(r.helpful(), shown) + more,
                    join(r.harmful(), shown) + more);
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("test_index", c.index());
            q.put("test_selection", c.kind().label());
            q.put("test_label", testLabel);
            q.put("test_loss", c.loss());
            q.put("solver", r.solve().toString());
            for (String kind : List.of("helpful", "harmful")) {
                int[] idx = r.indices(kind);
                double[] v = r.scores(kind);
                List<Object> list = new ArrayList<>();
                for (int j = 0; j < idx.length; j++) {
                    int i = idx[j];
                    String label = classes.get(labels[i]);
                    double predicted = -v[j] / n;
                    csv.row(c.index(), kind, j + 1, i, label, v[j], predicted);
                    list.add(entry(j + 1, i, label, v[j], predicted));
                }
                q.put(kind, list);
            }
            entries.add(q);
        }
        json.put("queries", entries);
        out.println(t);
        List<Path> written = new ArrayList<>();
        written.add(csv.write(dir.resolve("explain.csv")));
        written.add(Files.writeString(dir.resolve("explain.json"), Json.write(json)));
        return written;
    }

    private static Map<String, Object> entry(int rank, int index, String label, double influence, double predicted) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("rank", rank);
        e.put("train_index", index);
        e.put("label", label);
        e.put("influence", influence);
        e.put("predicted_loss_change_on_removal", predicted);
        return e;
    }

    private static String join(int[] a, int count) {
        return Arrays.stream(a, 0, Math.min(count, a.length)).mapToObj(String::valueOf)
                .collect(Collectors.joining(", "));
    }
}
