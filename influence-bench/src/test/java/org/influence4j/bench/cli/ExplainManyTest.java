package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceMatrix;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.study.Networks;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.Dl4jTraining;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.model.DataSets;
import org.influence4j.solver.EigenvaluePolicy;
import org.influence4j.solver.IHVPSolver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@code explain} with many test points: the per-query top-k equals single-query runs, {@code --scores-out} holds what
 * {@link InfluenceEstimator#influenceOnEach} returns through the API, every {@code --curvature} runs, existing files are
 * refused and left byte-identical, Ctrl-C cancels, and bad values stop with exit code 2 naming the option.
 */
class ExplainManyTest {

    private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);
    /** Scores of the same computation on the same thread count; only the printed decimal form may round. */
    private static final double SAME = 1e-12;

    @TempDir
    static Path shared;

    /** An Iris MLP (4-5-3, tanh, wd 5e-3) trained to a tight optimum, saved once for every test. */
    static Path model;
    static MultiLayerNetwork net;

    @TempDir
    Path dir;

    @BeforeAll
    static void trainOnce() throws IOException {
        TrainTestData data = Datasets.bundled(Datasets.IRIS, Datasets.DEFAULT_SEED);
        net = Networks.mlp(4, 3, 1, 5, Networks.HiddenActivation.TANH, 5e-3, 3);
        Dl4jTraining.trainInPlace(net, data.train().data(), TrainingProtocol.lbfgs());
        model = shared.resolve("iris.zip");
        ModelSerializer.writeModel(net, model.toFile(), false);
    }

    private static CliRun explain(Path out, String... args) {
        List<String> all = new ArrayList<>(List.of("explain", "--model", model.toString(), "--out", out.toString(),
                "--quiet"));
        all.addAll(List.of(args));
        return CliRun.of(all.toArray(String[]::new));
    }

    private static void assertBadArgument(CliRun r, String... expected) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        for (String e : expected) {
            assertThat(r.err()).contains(e);
        }
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).as("nothing printed but the error").isEmpty();
    }

    /** explain.csv rows as field arrays (Iris labels hold no commas). */
    private static List<String[]> csvRows(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().skip(1).map(l -> l.split(",")).toList();
    }

    @Test
    void manyTestPoints_topKOfEachQueryEqualsASingleQueryRun() throws Exception {
        Path many = dir.resolve("many");

        int from = rangeAvoidingKeywords(4);
        CliRun r = explain(many, "--test-point", from + "-" + (from + 3) + ",highest-loss,median-loss", "-k", "4");

        assertThat(r.code()).as(r.err()).isZero();
        List<String> header = List.of(Files.readAllLines(many.resolve("explain.csv")).get(0).split(","));
        assertThat(header).containsExactly("test_index", "kind", "rank", "train_index", "label", "influence",
                "predicted_loss_change_on_removal");
        List<String[]> rows = csvRows(many.resolve("explain.csv"));
        int[] queries = rows.stream().mapToInt(f -> Integer.parseInt(f[0])).distinct().toArray();
        assertThat(queries).hasSize(6).startsWith(from, from + 1, from + 2, from + 3);
        assertThat(rows).hasSize(6 * 2 * 4);
        assertThat(r.out()).contains("6 test points, 100 training examples").contains("| test index |")
                .contains("highest-loss").contains("median-loss");
        String json = Files.readString(many.resolve("explain.json"));
        assertThat(json).contains("\"test_points\": 6").contains("\"queries\": [").contains("\"curvature\": \"exact\"");
        assertThat(json.split("\"test_index\"", -1)).hasSize(6 + 1);

        for (int q : queries) {
            Path one = dir.resolve("one-" + q);
            CliRun single = explain(one, "--test-point", String.valueOf(q), "-k", "4");
            assertThat(single.code()).as(single.err()).isZero();
            List<String[]> expected = csvRows(one.resolve("explain.csv"));
            List<String[]> actual = rows.stream().filter(f -> Integer.parseInt(f[0]) == q)
                    .map(f -> Arrays.copyOfRange(f, 1, f.length)).toList();
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                String[] e = expected.get(i);
                String[] a = actual.get(i);
                // kind, rank, train index and label exactly; the scores to rounding (another batching of the dots)
                assertThat(Arrays.copyOf(a, 4)).as("query %d row %d", q, i).containsExactly(Arrays.copyOf(e, 4));
                double ev = Double.parseDouble(e[4]);
                assertThat(Double.parseDouble(a[4])).isCloseTo(ev, within(1e-9 * Math.abs(ev) + 1e-15));
                double ep = Double.parseDouble(e[5]);
                assertThat(Double.parseDouble(a[5])).isCloseTo(ep, within(1e-9 * Math.abs(ep) + 1e-17));
            }
        }
    }

    private static double[] testLosses() {
        DataSet test = Datasets.bundled(Datasets.IRIS, Datasets.DEFAULT_SEED).test().data();
        return Dl4jInfluenceModel.of(net).losses(test).toDoubleVector();
    }

    /** The first {@code from} whose range of {@code length} holds neither the highest- nor the median-loss index. */
    private static int rangeAvoidingKeywords(int length) {
        double[] losses = testLosses();
        int hi = org.influence4j.bench.study.TestPoints.highestLoss(losses);
        int med = org.influence4j.bench.study.TestPoints.medianLoss(losses);
        int from = 0;
        while (hi >= from && hi < from + length || med >= from && med < from + length) {
            from++;
        }
        return from;
    }

    @Test
    void highestLoss_picksTheNHighestLossTestExamples_inOrder() throws Exception {
        Path out = dir.resolve("highest");

        CliRun r = explain(out, "--highest-loss", "3", "-k", "2");

        assertThat(r.code()).as(r.err()).isZero();
        double[] losses = testLosses();
        Integer[] order = new Integer[losses.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> losses[a] != losses[b] ? Double.compare(losses[b], losses[a])
                : Integer.compare(a, b));
        int[] listed = csvRows(out.resolve("explain.csv")).stream().mapToInt(f -> Integer.parseInt(f[0])).distinct()
                .toArray();
        assertThat(listed).containsExactly(order[0], order[1], order[2]);
        String json = Files.readString(out.resolve("explain.json"));
        assertThat(json).contains("\"test_selection\": \"highest-loss\"").contains("\"test_selection\": \"high-loss\"");
    }

    /** The API's result for what the CLI computed: exact solver (auto for 43 parameters), λ = 0.01. */
    private static InfluenceMatrix library(int[] testIndices) {
        TrainTestData data = Datasets.bundled(Datasets.IRIS, Datasets.DEFAULT_SEED);
        return InfluenceEstimator.forModel(Dl4jInfluenceModel.of(net)).withTrainingData(data.train().data())
                .withDamping(0.01).withSolver(IHVPSolver.exact().withPolicy(EigenvaluePolicy.TRUNCATE))
                .influenceOnEach(DataSets.subset(data.test().data(), testIndices));
    }

    @Test
    void scoresOut_csvAndBinary_holdTheMatrixOfInfluenceOnEach() throws Exception {
        Path out = dir.resolve("scores");
        Path csv = out.resolve("scores.csv");
        Path bin = dir.resolve("elsewhere/sub/scores.bin"); // directories created for it

        CliRun rc = explain(out, "--test-point", "5,2,40-42", "-k", "3", "--scores-out", csv.toString());
        CliRun rb = explain(dir.resolve("scores-bin"), "--test-point", "5,2,40-42", "-k", "3", "--scores-out",
                bin.toString());

        assertThat(rc.code()).as(rc.err()).isZero();
        assertThat(rb.code()).as(rb.err()).isZero();
        assertThat(rc.out()).contains("wrote " + csv);
        int[] tests = {5, 2, 40, 41, 42};
        InfluenceMatrix m = library(tests);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo("train_index,5,2,40,41,42");
        assertThat(lines).hasSize(1 + 100);
        for (int i = 0; i < 100; i++) {
            String[] f = lines.get(1 + i).split(",");
            assertThat(Integer.parseInt(f[0])).isEqualTo(i);
            for (int q = 0; q < tests.length; q++) {
                double e = m.value(q, i);
                assertThat(Double.parseDouble(f[1 + q])).as("train %d, test %d", i, tests[q])
                        .isCloseTo(e, within(SAME * Math.abs(e) + 1e-18));
            }
        }
        try (DataInputStream in = new DataInputStream(Files.newInputStream(bin))) {
            byte[] magic = new byte[8];
            in.readFully(magic);
            assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("I4JINFL1");
            assertThat(in.readInt()).isEqualTo(tests.length);
            assertThat(in.readInt()).isEqualTo(100);
            for (int i = 0; i < 100; i++) {
                for (int q = 0; q < tests.length; q++) {
                    double e = m.value(q, i);
                    assertThat(in.readDouble()).isCloseTo(e, within(SAME * Math.abs(e) + 1e-18));
                }
            }
            assertThat(in.read()).as("end of file").isEqualTo(-1);
        }
        // the top-k in explain.csv is the matrix's
        List<String[]> rows = csvRows(out.resolve("explain.csv"));
        for (int q = 0; q < tests.length; q++) {
            int test = tests[q];
            int[] helpful = rows.stream().filter(f -> f[0].equals(String.valueOf(test)) && f[1].equals("helpful"))
                    .mapToInt(f -> Integer.parseInt(f[3])).toArray();
            assertThat(helpful).containsExactly(m.scores(q).mostHelpful(3));
        }
    }

    @Test
    void oneTestPointWithScoresOut_keepsTheSingleQueryReport() throws Exception {
        Path out = dir.resolve("one");
        Path csv = dir.resolve("one.csv");

        CliRun r = explain(out, "--test-point", "7", "-k", "4", "--scores-out", csv.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("test example 7").contains("most helpful").contains("wrote " + csv);
        assertThat(Files.readAllLines(out.resolve("explain.csv")).get(0))
                .isEqualTo("kind,rank,train_index,label,influence,predicted_loss_change_on_removal");
        assertThat(Files.readAllLines(csv)).hasSize(1 + 100).first().isEqualTo("train_index,7");
        InfluenceMatrix m = library(new int[] {7});
        String[] first = Files.readAllLines(csv).get(1).split(",");
        assertThat(Double.parseDouble(first[1])).isCloseTo(m.value(0, 0), within(SAME * Math.abs(m.value(0, 0))));
    }

    @Test
    void everyCurvature_runsOnASmallNetwork() throws Exception {
        // λ = 0.5 keeps LiSSA short; the point is that each value reaches its solver and writes its report
        for (String c : List.of("auto", "exact", "cg", "lissa", "kfac", "ekfac", "identity")) {
            Path out = dir.resolve("c-" + c);
            CliRun r = explain(out, "--curvature", c, "--damping", "0.5", "--test-point", "3,17", "-k", "2");
            assertThat(r.code()).as(c + ": " + r.err()).isZero();
            String expected = c.equals("auto") ? "exact" : c;
            assertThat(r.out()).contains("curvature " + expected + " (");
            assertThat(Files.readString(out.resolve("explain.json"))).contains("\"curvature\": \"" + expected + "\"");
            assertThat(csvRows(out.resolve("explain.csv"))).hasSize(2 * 2 * 2);
        }
        // the old name still works, for one test point as before
        CliRun alias = explain(dir.resolve("alias"), "--solver", "cg", "--test-point", "3", "-k", "2");
        assertThat(alias.code()).as(alias.err()).isZero();
        assertThat(alias.out()).contains("solver: SolverResult[cg");
        // identity: the scores are plain gradient dot products −∇ℓ(z_test)ᵀ∇ℓ(zᵢ)
        Path id = dir.resolve("identity.csv");
        assertThat(explain(dir.resolve("id"), "--curvature", "identity", "--test-point", "3,17", "--scores-out",
                id.toString()).code()).isZero();
        TrainTestData data = Datasets.bundled(Datasets.IRIS, Datasets.DEFAULT_SEED);
        Dl4jInfluenceModel im = Dl4jInfluenceModel.of(net);
        double[] g3 = im.perExampleGradients(DataSets.subset(data.test().data(), new int[] {3})).toDoubleVector();
        double[] g0 = im.perExampleGradients(DataSets.subset(data.train().data(), new int[] {0})).toDoubleVector();
        double dot = 0;
        for (int j = 0; j < g3.length; j++) {
            dot -= g3[j] * g0[j];
        }
        assertThat(Double.parseDouble(Files.readAllLines(id).get(1).split(",")[1]))
                .isCloseTo(dot, within(1e-10 * Math.abs(dot)));
    }

    @Test
    void kfacAndEkfac_runOnADl4jNetwork_withEachKindOfLabelsAndHeuristicDamping() throws Exception {
        List<List<String>> runs = List.of(List.of("kfac"), List.of("ekfac"), List.of("ekfac", "--fisher", "expected"),
                List.of("kfac", "--fisher", "empirical", "--heuristic-damping", "0.1"));
        for (List<String> run : runs) {
            Path out = dir.resolve(String.join("-", run));
            List<String> args = new ArrayList<>(List.of("--curvature"));
            args.addAll(run);
            args.addAll(List.of("--test-point", "0-4", "-k", "3"));
            CliRun r = explain(out, args.toArray(String[]::new));
            assertThat(r.code()).as(run + ": " + r.err()).isZero();
            assertThat(r.out()).contains("curvature " + run.get(0) + " (" + run.get(0) + "[sampling="
                    + (run.contains("expected") ? "EXPECTED" : run.contains("empirical") ? "EMPIRICAL" : "SAMPLED")
                    + ", seed=42" + (run.contains("0.1") ? ", heuristicDamping=0.1" : "") + "]");
            assertThat(Files.readString(out.resolve("explain.json"))).contains("\"curvature\": \"" + run.get(0) + "\"");
            assertThat(csvRows(out.resolve("explain.csv"))).hasSize(5 * 2 * 3);
        }
    }

    @Test
    void ekfac_scoresOutEqualsTheApi_andTheFactorFileIsWrittenOnceThenReused() throws Exception {
        Path factors = dir.resolve("factors/iris.kfac"); // its directory is created
        Path first = dir.resolve("first.bin");
        Path second = dir.resolve("second.bin");
        int[] tests = {0, 1, 2, 3, 4, 30};

        CliRun r1 = explain(dir.resolve("fit"), "--curvature", "ekfac", "--factors", factors.toString(), "--test-point",
                "0-4,30", "--scores-out", first.toString());
        assertThat(r1.code()).as(r1.err()).isZero();
        assertThat(factors).isRegularFile();
        byte[] fitted = Files.readAllBytes(factors);
        Files.setLastModifiedTime(factors, OLD);
        CliRun r2 = explain(dir.resolve("reuse"), "--curvature", "ekfac", "--factors", factors.toString(),
                "--test-point", "0-4,30", "--scores-out", second.toString());
        assertThat(r2.code()).as(r2.err()).isZero();

        assertThat(Files.readAllBytes(factors)).as("reused, not rewritten").isEqualTo(fitted);
        assertThat(Files.getLastModifiedTime(factors)).isEqualTo(OLD);
        TrainTestData data = Datasets.bundled(Datasets.IRIS, Datasets.DEFAULT_SEED);
        InfluenceMatrix m = InfluenceEstimator.forModel(Dl4jInfluenceModel.of(net))
                .withTrainingData(data.train().data()).withDamping(0.01)
                .withSolver(IHVPSolver.ekfac().withSampling(org.influence4j.solver.FisherSampling.SAMPLED)
                        .withSeed(Datasets.DEFAULT_SEED))
                .influenceOnEach(DataSets.subset(data.test().data(), tests));
        for (Path bin : List.of(first, second)) {
            try (DataInputStream in = new DataInputStream(Files.newInputStream(bin))) {
                in.skipNBytes(16);
                for (int i = 0; i < 100; i++) {
                    for (int q = 0; q < tests.length; q++) {
                        double e = m.value(q, i);
                        assertThat(in.readDouble()).as("%s: train %d, test %d", bin.getFileName(), i, tests[q])
                                .isCloseTo(e, within(SAME * Math.abs(e) + 1e-18));
                    }
                }
            }
        }
    }

    @Test
    void mismatchedFactorFile_isRefusedWithExitCode2_andLeftAsItWas() throws Exception {
        Path factors = dir.resolve("ekfac.kfac");
        assertThat(explain(dir.resolve("fit"), "--curvature", "ekfac", "--factors", factors.toString(),
                "--test-point", "3,4").code()).isZero();
        byte[] bytes = Files.readAllBytes(factors);
        Files.setLastModifiedTime(factors, OLD);

        Path out = dir.resolve("mismatch");
        assertBadArgument(explain(out, "--curvature", "kfac", "--factors", factors.toString(), "--test-point", "3,4"),
                "--curvature kfac --factors " + factors + ": the factors in " + factors + " do not match",
                "ekfac factors, not kfac", "delete the file to fit them again");
        assertBadArgument(explain(out, "--curvature", "ekfac", "--fisher", "expected", "--factors", factors.toString(),
                "--test-point", "3"), "--curvature ekfac --fisher expected --factors " + factors + ": the factors in "
                + factors + " do not match");
        Path junk = Files.writeString(dir.resolve("junk.kfac"), "not factors");
        assertBadArgument(explain(out, "--curvature", "kfac", "--factors", junk.toString()),
                "--curvature kfac --factors " + junk + ": " + junk + " is not a Kronecker factor file");

        assertThat(Files.readAllBytes(factors)).isEqualTo(bytes);
        assertThat(Files.getLastModifiedTime(factors)).isEqualTo(OLD);
        assertThat(Files.readString(junk)).isEqualTo("not factors");
        assertThat(out).doesNotExist();
    }

    @Test
    void kfac_onANetworkWhoseLayersHaveNoStatistics_isRefusedWithExitCode2() throws Exception {
        // layer normalisation has no R-operator in the adapter, so the network offers no layer statistics
        MultiLayerNetwork layerNorm = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration
                .Builder().seed(1).dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE).list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(4).nOut(5).hasLayerNorm(true)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build());
        layerNorm.init();
        Path saved = dir.resolve("layernorm.zip");
        ModelSerializer.writeModel(layerNorm, saved.toFile(), false);
        Path out = dir.resolve("ln");

        Path factors = dir.resolve("new/dir/ln.kfac");
        CliRun r = CliRun.of("explain", "--model", saved.toString(), "--curvature", "ekfac", "--factors",
                factors.toString(), "--test-point", "0-2", "--out", out.toString(), "--quiet");

        assertBadArgument(r, "--curvature ekfac --factors " + factors + ": the ekfac solver needs per-layer statistics",
                "layer normalisation");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("new")).as("directories made for --factors are removed again").doesNotExist();
        // CG needs no statistics: the same network runs
        assertThat(CliRun.of("explain", "--model", saved.toString(), "--curvature", "cg", "--test-point", "0-2",
                "--out", out.toString(), "--quiet").code()).isZero();
    }

    @Test
    void validate_takesTheSameCurvatureOptions() throws Exception {
        Path out = dir.resolve("validate");

        CliRun r = CliRun.of("validate", "--model", model.toString(), "--curvature", "ekfac", "--test-point", "3", "-k",
                "2", "--random", "0", "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        int col = List.of(summary.get(0).split(",")).indexOf("solver");
        assertThat(summary.get(1).split(",")[col]).isEqualTo("ekfac");
    }

    @Test
    void existingScoresOut_isRefusedBeforeAnyWork_andLeftByteIdentical() throws Exception {
        Path out = dir.resolve("refused");
        Path scores = dir.resolve("old.bin");
        byte[] bytes = "earlier scores\n".getBytes(StandardCharsets.UTF_8);
        Files.write(scores, bytes);
        Files.setLastModifiedTime(scores, OLD);

        CliRun r = explain(out, "--test-point", "0-4", "--scores-out", scores.toString());

        assertBadArgument(r, "--scores-out " + scores + " already exists; nothing was written: pass --overwrite to "
                + "replace it, or choose another file");
        assertThat(Files.readAllBytes(scores)).isEqualTo(bytes);
        assertThat(Files.getLastModifiedTime(scores)).isEqualTo(OLD);
        assertThat(out).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("old.bin");
        }

        // with --overwrite it is replaced
        CliRun again = explain(out, "--test-point", "0-4", "--scores-out", scores.toString(), "--overwrite");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(Files.size(scores)).isEqualTo(16 + 8L * 5 * 100);
    }

    /** Runs {@code explain} on its own thread (not a pool's: the run leaves it interrupted), for the Ctrl-C tests. */
    private static final class Background {
        private final Thread thread;
        private volatile CliRun result;

        Background(Path out, String... args) {
            thread = new Thread(() -> result = explain(out, args), "explain-under-test");
            thread.start();
        }

        CliRun await(int seconds) throws InterruptedException {
            thread.join(TimeUnit.SECONDS.toMillis(seconds));
            assertThat(thread.isAlive()).as("explain still running").isFalse();
            return result;
        }
    }

    private static CtrlC awaitHook() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (CtrlC.active() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(CtrlC.active()).as("the command installed its Ctrl-C hook").isNotNull();
        return CtrlC.active();
    }

    @Test
    void ctrlC_cancelsARunningComputation_exit130_andWritesNothing() throws Exception {
        Path out = dir.resolve("cancelled");
        Path scores = dir.resolve("kept.csv");
        byte[] bytes = "earlier scores\n".getBytes(StandardCharsets.UTF_8);
        Files.write(scores, bytes);
        Files.setLastModifiedTime(scores, OLD);

        // LiSSA to depth 2,000 takes seconds per test point here: 20 test points run far longer than the test waits
        Background run = new Background(out, "--curvature", "lissa", "--highest-loss", "20", "--scores-out",
                scores.toString(), "--overwrite");
        CtrlC c = awaitHook();
        Thread.sleep(3000); // model loaded, the solves under way
        long fired = System.nanoTime();
        c.fire(); // what the shutdown hook does on SIGINT, before it waits for the command to finish
        CliRun r = run.await(30);
        double seconds = (System.nanoTime() - fired) / 1e9;

        assertThat(r.code()).as(r.err()).isEqualTo(Main.CANCELLED);
        assertThat(r.err()).startsWith("influence4j: cancelled (");
        assertThat(seconds).as("stopped within an HVP, not after the remaining solves").isLessThan(5);
        assertThat(out).doesNotExist();
        assertThat(Files.readAllBytes(scores)).isEqualTo(bytes);
        assertThat(Files.getLastModifiedTime(scores)).isEqualTo(OLD);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no partial file").containsExactly("kept.csv");
        }
        assertThat(CtrlC.active()).isNull();
    }

    @Test
    void scoresOutInANewDirectory_isRemovedAgainWhenTheRunIsCancelled() throws Exception {
        Path out = dir.resolve("cancelled2");
        Path scores = dir.resolve("new/dir/s.bin");

        Background run = new Background(out, "--curvature", "lissa", "--highest-loss", "20", "--scores-out",
                scores.toString());
        CtrlC c = awaitHook();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.isDirectory(scores.getParent()) && System.nanoTime() < deadline) {
            Thread.sleep(5); // created just before the solves start
        }
        assertThat(scores.getParent()).isDirectory();
        c.fire();
        CliRun r = run.await(30);

        assertThat(r.code()).as(r.err()).isEqualTo(Main.CANCELLED);
        assertThat(dir.resolve("new")).doesNotExist();
        assertThat(out).doesNotExist();
    }

    @Test
    void badValues_stopWithExitCode2_namingTheOptionValueAndRemedy() throws Exception {
        Path out = dir.resolve("bad");
        assertBadArgument(explain(out, "--curvature", "magic"), "unknown --curvature 'magic'; use auto, exact, cg, "
                + "lissa, kfac, ekfac or identity");
        assertBadArgument(explain(out, "--solver", "newton"), "unknown --solver 'newton'");
        assertBadArgument(explain(out, "--curvature", "cg", "--solver", "exact"), "give --curvature or its alias "
                + "--solver, not both");
        assertBadArgument(explain(out, "--curvature", "ekfac", "--fisher", "true"), "unknown --fisher 'true'; use "
                + "sampled, expected or empirical");
        assertBadArgument(explain(out, "--curvature", "cg", "--fisher", "sampled"), "--fisher is only used by "
                + "--curvature kfac or ekfac, but --curvature is cg");
        assertBadArgument(explain(out, "--factors", dir.resolve("f.kfac").toString()), "--factors is only used by "
                + "--curvature kfac or ekfac, but --curvature is auto");
        assertBadArgument(explain(out, "--curvature", "kfac", "--heuristic-damping", "-0.1"),
                "--heuristic-damping (-0.1) must be >= 0 and finite");
        assertBadArgument(explain(out, "--curvature", "kfac", "--heuristic-damping", "NaN"),
                "--heuristic-damping (NaN) must be >= 0 and finite");
        Path aFile = Files.writeString(dir.resolve("a-file"), "x");
        assertBadArgument(explain(out, "--curvature", "ekfac", "--factors", aFile.resolve("f.kfac").toString()),
                "--factors " + aFile.resolve("f.kfac") + ": " + aFile + " is a file, so the directory cannot be "
                        + "created; choose another path");
        assertBadArgument(explain(out, "--scores-out", aFile.resolve("s.csv").toString()), "--scores-out "
                + aFile.resolve("s.csv") + ": " + aFile + " is a file");
        assertBadArgument(explain(out, "--curvature", "ekfac", "--factors", dir.toString()), "--factors " + dir
                + " is a directory; name a file in it");
        assertBadArgument(explain(out, "--scores-out", dir.resolve("s.txt").toString()), "--scores-out "
                + dir.resolve("s.txt") + ": unknown format '.txt'; name a .csv file");
        assertBadArgument(explain(out, "--scores-out", dir.resolve("scores").toString()), "unknown format (no "
                + "extension)");
        assertBadArgument(explain(out, "--scores-out", out.resolve("explain.csv").toString()), "is the command's own "
                + "explain.csv");
        assertBadArgument(explain(out, "--test-point", "3,,4"), "--test-point has an empty entry in '3,,4'");
        assertBadArgument(explain(out, "--test-point", ""), "--test-point", "empty");
        assertBadArgument(explain(out, "--test-point", "3,5,3"), "--test-point names test example 3 twice ('3' is "
                + "listed twice); list each test example once");
        assertBadArgument(explain(out, "--test-point", "0-9,5"), "names test example 5 twice (as '0-9' and '5')");
        assertBadArgument(explain(out, "--test-point", "9-3"), "--test-point range 9-3 is descending; write 3-9");
        assertBadArgument(explain(out, "--test-point", "-2"), "--test-point -2 is negative");
        assertBadArgument(explain(out, "--test-point", "first"), "--test-point 'first' is not highest-loss, "
                + "median-loss, a test index or a range FROM-TO");
        assertBadArgument(explain(out, "--test-point", "40-50"), "--test-point range 40-50 is out of range: the test "
                + "set has 50 examples (0..49)");
        assertBadArgument(explain(out, "--test-point", "50"), "--test-point 50 is out of range");
        assertBadArgument(explain(out, "--highest-loss", "0"), "--highest-loss (0) must be >= 1");
        assertBadArgument(explain(out, "--highest-loss", "51"), "--highest-loss (51) must be between 1 and the test "
                + "set size (50)");
        assertBadArgument(explain(out, "--highest-loss", "2", "--test-point", "3"), "give --test-point or "
                + "--highest-loss, not both");
        assertThat(out).doesNotExist();
    }
}
