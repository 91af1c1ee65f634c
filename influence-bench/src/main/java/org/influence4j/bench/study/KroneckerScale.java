package org.influence4j.bench.study;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceQueries;
import org.influence4j.InfluenceSinks;
import org.influence4j.bench.data.CsvFormat;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.model.DataSets;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.InverseHvp;
import org.influence4j.solver.KroneckerSolver;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The many-queries scale run: EK-FAC influence of all 60,000 Fashion-MNIST training images on Q test images for the
 * enlarged LeNet ({@link Networks#lenetWide}, 63,466 parameters), through the public API only. Measures, in one run:
 * one batched gradient over the training data (the unit of cost), the factor fit (two passes), the Q solves, the one
 * scoring pass for all Q, the same for 3 queries (the marginal cost of a query is the difference per query), and one
 * query alone (which scores with a batched dot pass). Prints a summary and writes {@code scale.json} into the output directory.
 *
 * <pre>
 *   java -cp influence4j-cli.jar org.influence4j.bench.study.KroneckerScale \
 *       /usr/share/datasets/fashion-mnist OUT_DIR [queries=100] [epochs=2]
 * </pre>
 * The network is trained once with Adam on mini-batches of 64 ({@code epochs} passes, DL4J's {@code fit}) and saved
 * as {@code OUT_DIR/lenet-wide.zip}; a later run loads it and skips training. θ̂ is then a budgeted, not a converged,
 * optimum: the run measures time, not agreement with retraining.
 */
public final class KroneckerScale {

    private KroneckerScale() {
    }

    /**
     * Runs the measurement.
     *
     * @param args the Fashion-MNIST directory (IDX files), the output directory, optionally the query count and the
     *             training epochs
     * @throws IOException if the data cannot be read or the results written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: KroneckerScale FASHION_MNIST_DIR OUT_DIR [queries=100] [epochs=2]");
            System.exit(2);
        }
        Path dataDir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int queries = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Files.createDirectories(out);
        PrintStream log = System.out;
        TrainTestData data = Datasets.fromFiles(dataDir.resolve("train-images-idx3-ubyte.gz"),
                dataDir.resolve("t10k-images-idx3-ubyte.gz"), CsvFormat.defaults());
        DataSet train = data.train().data();
        DataSet test = data.test().data();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("train_examples", train.numExamples());
        r.put("queries", queries);
        r.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
        r.put("cores", Runtime.getRuntime().availableProcessors());

        Path modelFile = out.resolve("lenet-wide.zip");
        MultiLayerNetwork net;
        if (Files.exists(modelFile)) {
            net = ModelSerializer.restoreMultiLayerNetwork(modelFile.toFile(), false);
            log.println("loaded " + modelFile);
        } else {
            net = Networks.lenetWide(28, 28, 10, 1e-4, 42, new Adam(1e-3));
            long t0 = System.nanoTime();
            for (int e = 0; e < epochs; e++) {
                int[] order = shuffled(train.numExamples(), 100 + e);
                for (int from = 0; from < order.length; from += 64) {
                    net.fit(DataSets.subset(train, java.util.Arrays.copyOfRange(order, from,
                            Math.min(order.length, from + 64))));
                }
                // DL4J scores a data set in one forward pass: a 2,000-image sample keeps its activations small
                log.printf(Locale.ROOT, "epoch %d: loss on 2,000 training images %.4f (%.0f s)%n", e + 1,
                        net.score(DataSets.subset(train, java.util.stream.IntStream.range(0, 2000).toArray())),
                        (System.nanoTime() - t0) / 1e9);
            }
            r.put("training_seconds", (System.nanoTime() - t0) / 1e9);
            ModelSerializer.writeModel(net, modelFile.toFile(), false);
        }
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        r.put("parameters", model.numParameters());
        r.put("model", model.describe());
        log.println(model.describe());

        // the unit of cost: one batched gradient of the mean loss over the training data
        long t = System.nanoTime();
        model.meanLossGradient(train);
        double gradient = seconds(t);
        r.put("gradient_pass_seconds", gradient);
        log.printf(Locale.ROOT, "one batched gradient over %d images: %.1f s%n", train.numExamples(), gradient);

        KroneckerSolver ekfac = IHVPSolver.ekfac();
        InfluenceEstimator est = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(1e-3)
                .withSolver(ekfac).withProgressListener(new ConsoleProgress(log));
        t = System.nanoTime();
        InverseHvp inverse = est.inverse();
        double fit = seconds(t);
        r.put("fit_seconds", fit);
        r.put("fit_in_gradient_passes", fit / gradient);
        log.printf(Locale.ROOT, "%nEK-FAC fit (factors + eigenvalue correction): %.1f s = %.2f gradient passes (%s)%n",
                fit, fit / gradient, inverse);

        double[] losses = model.losses(test).toDoubleVector();
        List<TestPoints.Choice> picked = TestPoints.several(losses, queries, 7);
        int[] idx = picked.stream().mapToInt(TestPoints.Choice::index).toArray();
        DataSet q = DataSets.subset(test, idx);
        InfluenceSinks.TopK top = InfluenceSinks.topK(10);
        t = System.nanoTime();
        InfluenceQueries many = est.influenceOnEach(q, top);
        double all = seconds(t);
        r.put("queries_seconds", all);
        r.put("queries_solve_seconds", many.solveTime().toNanos() / 1e9);
        r.put("queries_scoring_seconds", many.scoringTime().toNanos() / 1e9);
        log.printf(Locale.ROOT, "%n%d queries: %.1f s (gradients + solves %.1f s, one scoring pass %.1f s)%n", queries,
                all, many.solveTime().toNanos() / 1e9, many.scoringTime().toNanos() / 1e9);

        // the marginal cost of a test point: 3 test points take the same path as 100 (one pass of per-example
        // gradients for all of them); a single one takes the cheaper dot-product pass, timed on its own
        InfluenceQueries three = est.influenceOnEach(DataSets.subset(test, java.util.Arrays.copyOf(idx, 3)),
                InfluenceSinks.topK(10));
        double threeScoring = three.scoringTime().toNanos() / 1e9;
        double marginal = (many.scoringTime().toNanos() / 1e9 - threeScoring) / Math.max(1, queries - 3)
                + (many.solveTime().toNanos() - three.solveTime().toNanos()) / 1e9 / Math.max(1, queries - 3);
        t = System.nanoTime();
        InfluenceQueries one = est.influenceOnEach(DataSets.subset(test, new int[] {idx[0]}),
                InfluenceSinks.topK(10));
        double single = seconds(t);
        r.put("three_queries_scoring_seconds", threeScoring);
        r.put("single_query_seconds", single);
        r.put("single_query_scoring_seconds", one.scoringTime().toNanos() / 1e9);
        r.put("marginal_query_seconds", marginal);
        r.put("marginal_query_in_gradient_passes", marginal / gradient);
        double total = fit + all;
        r.put("fit_plus_queries_seconds", total);
        log.printf(Locale.ROOT, "3 queries' scoring pass: %.1f s; marginal cost of a query: %.2f s = %.3f gradient "
                + "passes%none query alone (dot-product pass): %.1f s, of which scoring %.1f s%nfit + %d queries: %.1f s "
                + "(%.1f min)%n", threeScoring, marginal, marginal / gradient, single,
                one.scoringTime().toNanos() / 1e9, queries, total, total / 60);
        log.println("first query's most helpful: " + java.util.Arrays.toString(top.result().get(0).helpful()));
        Files.writeString(out.resolve("scale.json"), org.influence4j.bench.cli.Json.write(r));
        log.println("wrote " + out.resolve("scale.json"));
    }

    private static int[] shuffled(int n, long seed) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
        return a;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Progress lines at most every 10 s. */
    private static final class ConsoleProgress implements org.influence4j.ProgressListener {
        private final PrintStream out;
        private long last;

        ConsoleProgress(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void onProgress(String task, long done, long total) {
            long now = System.nanoTime();
            if (now - last > 10_000_000_000L || done == total && total > 0) {
                last = now;
                out.printf(Locale.ROOT, "  %s %d/%d%n", task, done, total);
            }
        }
    }
}
