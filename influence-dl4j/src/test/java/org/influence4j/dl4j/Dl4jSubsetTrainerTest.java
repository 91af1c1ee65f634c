package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.model.DataSets;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.validation.Measurement;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link Dl4jSubsetTrainer} against independent oracles: Newton's unique optimum of softmax regression
 * ({@link SoftmaxRegression}) for full-batch L-BFGS from scratch and from a warm start; a hand-written SGD/Nesterov loop
 * over the documented mini-batch order for the mini-batch protocol; the closed-form margin of the network's own
 * probabilities; the equivalent MultiLayerNetwork for a ComputationGraph. Plus seeds, threads, diagnostics and misuse.
 */
class Dl4jSubsetTrainerTest {

    private static final DataSet IRIS = TestNets.iris();
    private static final double L2 = 0.01;

    /** A softmax regression 4 → 3 with {@code l2(L2)} (DL4J scores ½·l2·‖W‖², SoftmaxRegression the same). */
    private static MultiLayerNetwork softmaxRegression(long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(TestNets.sgd(seed).l2(L2).list()
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX)
                        .build()).build());
        net.init();
        return net;
    }

    /** Every second example from {@code offset} (sorted, distinct). */
    private static int[] every(int step, int offset, int n) {
        List<Integer> idx = new ArrayList<>();
        for (int i = offset; i < n; i += step) {
            idx.add(i);
        }
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    private static DataSet test() {
        return DataSets.subset(IRIS, new int[] {1, 20, 55, 70, 101, 133, 149});
    }

    /** {@code log p_y − log Σ_{k≠y} p_k} from probabilities and one-hot labels. */
    private static double[] closedFormMargins(double[][] p, double[][] y) {
        double[] m = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            int c = 0;
            double rest = 0;
            for (int k = 0; k < p[i].length; k++) {
                if (y[i][k] == 1) {
                    c = k;
                }
            }
            for (int k = 0; k < p[i].length; k++) {
                if (k != c) {
                    rest += p[i][k];
                }
            }
            m[i] = Math.log(p[i][c]) - Math.log(rest);
        }
        return m;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        return TrainingStackTest.maxAbsDiff(a, b);
    }

    private static long[] bits(double[] v) {
        return Arrays.stream(v).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    // ------------------------------------------------------------------------------------------------ convex oracle

    @Test
    void fullBatchLbfgs_fromScratchAndWarmStarted_reachesNewtonsUniqueOptimum_forLossAndMargin() {
        MultiLayerNetwork net = softmaxRegression(3);
        int[] subset = every(2, 1, IRIS.numExamples());
        DataSet test = test();
        TrainingProtocol lbfgs = TrainingProtocol.lbfgs().withTolerance(1e-9); // round-off floor ≈ 2e-10
        // the oracle: Newton on the same rows, the same objective (mean cross-entropy + ½·l2·‖W‖²)
        SoftmaxRegression newton = SoftmaxRegression.fit(DataSets.subset(IRIS, subset), L2).model();
        double[] newtonLoss = newton.losses(test).toDoubleVector();
        double[] newtonMargin = closedFormMargins(newton.probabilities(test.getFeatures()).toDoubleMatrix(),
                test.getLabels().toDoubleMatrix());

        Dl4jSubsetTrainer scratch = Dl4jSubsetTrainer.builder(net, IRIS).protocol(lbfgs).build();
        Dl4jSubsetTrainer warm = Dl4jSubsetTrainer.builder(net, IRIS).protocol(lbfgs)
                .start(Dl4jSubsetTrainer.Start.WARM_START).build();

        assertThat(maxAbsDiff(scratch.measure(subset, 0, test, Measurement.LOSS), newtonLoss))
                .isLessThan(Tolerances.CONVEX_OPTIMUM);
        assertThat(maxAbsDiff(scratch.measure(subset, 7, test, Measurement.LOSS), newtonLoss))
                .isLessThan(Tolerances.CONVEX_OPTIMUM); // another initialisation, the same optimum
        assertThat(maxAbsDiff(scratch.measure(subset, 0, test, Measurement.MARGIN), newtonMargin))
                .isLessThan(Tolerances.CONVEX_OPTIMUM);
        assertThat(maxAbsDiff(warm.measure(subset, 0, test, Measurement.LOSS), newtonLoss))
                .isLessThan(Tolerances.CONVEX_OPTIMUM);
        assertThat(maxAbsDiff(warm.measure(subset, 0, test, Measurement.MARGIN), newtonMargin))
                .isLessThan(Tolerances.CONVEX_OPTIMUM);
        assertThat(scratch.unconvergedTrainings()).isZero();
        assertThat(warm.unconvergedTrainings()).isZero();
        assertThat(scratch.trainings()).hasSize(3).allSatisfy(t -> {
            assertThat(t.outcome().kind()).isEqualTo(TrainingProtocol.Kind.LBFGS);
            assertThat(t.outcome().gradientNorm()).isLessThanOrEqualTo(1e-9);
            assertThat(t.subset()).containsExactly(subset);
            assertThat(t.seconds()).isPositive();
        });
        assertThat(scratch.seedDependent()).isTrue();
        assertThat(warm.seedDependent()).isFalse(); // full batch from θ̂: deterministic
    }

    // ------------------------------------------------------------------------------------------------ mini-batch oracle

    /**
     * DL4J's step for a softmax regression with {@code l2}, by hand: per mini-batch of {@code B} rows
     * {@code g = (1/B)Σ x̃ᵢ(pᵢ − yᵢ)ᵀ + l2·W} (biases unregularised), then Nesterov's momentum as DL4J's
     * {@code Nesterovs} applies it ({@code v ← μv − lr·g}, {@code θ ← θ + (1+μ)v − μ·v_prev}; {@code μ = 0} is SGD),
     * the batches cut from the order documented in {@link TrainingProtocol.Kind#MINIBATCH}.
     *
     * @return the trained parameters in DL4J's layout (W column-major [d, k], then b)
     */
    private static double[] sgdByHand(double[] theta0, DataSet data, int epochs, int batch, double lr, double mu,
                                      long seed, int[] steps) {
        return sgdByHand(theta0, data, epochs, batch, lr, mu, seed, steps, true);
    }

    private static double[] sgdByHand(double[] theta0, DataSet data, int epochs, int batch, double lr, double mu,
                                      long seed, int[] steps, boolean shuffle) {
        double[][] x = data.getFeatures().toDoubleMatrix();
        double[][] y = data.getLabels().toDoubleMatrix();
        int n = x.length;
        int d = x[0].length;
        int k = y[0].length;
        double[] theta = theta0.clone();
        double[] v = new double[theta.length];
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int e = 0; e < epochs; e++) {
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = n - 1; shuffle && i > 0; i--) { // Fisher–Yates, as documented
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int from = 0; from < n; from += batch) {
                int to = Math.min(n, from + batch);
                double[] g = new double[theta.length];
                for (int r = from; r < to; r++) {
                    double[] xi = x[order[r]];
                    double[] z = new double[k];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < k; c++) {
                        z[c] = theta[d * k + c];
                        for (int a = 0; a < d; a++) {
                            z[c] += xi[a] * theta[c * d + a];
                        }
                        max = Math.max(max, z[c]);
                    }
                    double sum = 0;
                    for (int c = 0; c < k; c++) {
                        z[c] = Math.exp(z[c] - max);
                        sum += z[c];
                    }
                    for (int c = 0; c < k; c++) {
                        double delta = (z[c] / sum - y[order[r]][c]) / (to - from);
                        for (int a = 0; a < d; a++) {
                            g[c * d + a] += xi[a] * delta;
                        }
                        g[d * k + c] += delta;
                    }
                }
                for (int q = 0; q < d * k; q++) {
                    g[q] += L2 * theta[q];
                }
                for (int q = 0; q < theta.length; q++) {
                    double previous = v[q];
                    v[q] = mu * v[q] - lr * g[q];
                    theta[q] += (1 + mu) * v[q] - mu * previous;
                }
                steps[0]++;
            }
        }
        return theta;
    }

    private static double[] lossesAt(MultiLayerNetwork template, double[] theta, DataSet test) {
        MultiLayerNetwork net = template.clone();
        net.setParams(org.nd4j.linalg.factory.Nd4j.createFromArray(theta).reshape(1, theta.length));
        return net.scoreExamples(test, false).toDoubleVector();
    }

    @Test
    void miniBatchProtocol_equalsAHandWrittenSgdLoop_overTheDocumentedOrder_withThePartialBatch() {
        MultiLayerNetwork net = softmaxRegression(11);
        int[] subset = every(3, 0, 120); // 40 rows: batches of 7 → 6 per epoch, the last of 5
        DataSet rows = DataSets.subset(IRIS, subset);
        DataSet test = test();
        for (double mu : new double[] {0, 0.9}) {
            var updater = mu == 0 ? new Sgd(0.05) : new Nesterovs(0.05, mu);
            Dl4jSubsetTrainer warm = Dl4jSubsetTrainer.builder(net, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START)
                    .protocol(TrainingProtocol.minibatch(3, 7)).updater(updater).build();
            int[] steps = {0};
            double[] byHand = sgdByHand(net.params().toDoubleVector(), rows, 3, 7, 0.05, mu, 42, steps);

            double[] losses = warm.measure(subset, 42, test, Measurement.LOSS);

            assertThat(maxAbsDiff(losses, lossesAt(net, byHand, test))).as("momentum %s", mu)
                    .isLessThan(Tolerances.MINIBATCH_VS_PLAIN_JAVA);
            assertThat(steps[0]).isEqualTo(3 * 6);
            assertThat(warm.trainings().get(0).outcome().iterations()).isEqualTo(3 * 6); // epochs · ⌈n/b⌉
            assertThat(warm.seedDependent()).isTrue(); // the order is drawn
            // another seed draws another order, hence other parameters
            assertThat(maxAbsDiff(warm.measure(subset, 43, test, Measurement.LOSS), losses)).isGreaterThan(1e-8);
        }
    }

    @Test
    void miniBatchesInIndexOrder_equalTheHandWrittenLoopOverTheKeptRowsInOrder_whateverTheSeed() {
        MultiLayerNetwork net = softmaxRegression(11);
        int[] subset = every(3, 0, 120); // 40 rows in index order: batches of 7, the last of 5
        DataSet rows = DataSets.subset(IRIS, subset);
        DataSet test = test();
        TrainingProtocol inOrder = TrainingProtocol.minibatch(3, 7).withShuffle(false);
        for (double mu : new double[] {0, 0.9}) {
            var updater = mu == 0 ? new Sgd(0.05) : new Nesterovs(0.05, mu);
            Dl4jSubsetTrainer warm = Dl4jSubsetTrainer.builder(net, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START)
                    .protocol(inOrder).updater(updater).build();
            int[] steps = {0};
            double[] byHand = sgdByHand(net.params().toDoubleVector(), rows, 3, 7, 0.05, mu, 42, steps, false);

            double[] losses = warm.measure(subset, 42, test, Measurement.LOSS);

            assertThat(maxAbsDiff(losses, lossesAt(net, byHand, test))).as("momentum %s", mu)
                    .isLessThan(Tolerances.MINIBATCH_VS_PLAIN_JAVA);
            assertThat(steps[0]).isEqualTo(3 * 6);
            // no order is drawn: a warm start in index order is deterministic, and another seed changes nothing
            assertThat(warm.seedDependent()).isFalse();
            assertThat(warm.measure(subset, 43, test, Measurement.LOSS)).containsExactly(losses);
            // the same rows shuffled give another model
            Dl4jSubsetTrainer shuffled = Dl4jSubsetTrainer.builder(net, IRIS)
                    .start(Dl4jSubsetTrainer.Start.WARM_START).protocol(TrainingProtocol.minibatch(3, 7))
                    .updater(updater).build();
            assertThat(maxAbsDiff(shuffled.measure(subset, 42, test, Measurement.LOSS), losses)).isGreaterThan(1e-8);
        }
        assertThat(inOrder.describe()).contains("examples in index order every epoch");
        assertThat(Dl4jSubsetTrainer.builder(net, IRIS).protocol(inOrder).build().describe())
                .contains("examples in index order every epoch");
        assertThat(inOrder.withIterations(5, 5).withBatchSize(3).withLearningRate(0.1).shuffled()).isFalse();
        assertThatThrownBy(() -> TrainingProtocol.lbfgs().withShuffle(false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shuffled (false)").hasMessageContaining("LBFGS")
                .hasMessageContaining("withShuffle(false)");
    }

    @Test
    void fromScratch_initialisesTheConfigurationWithTheDocumentedSeed_thenTrainsLikeTheHandWrittenLoop() {
        MultiLayerNetwork net = softmaxRegression(5);
        int[] subset = every(2, 0, 60);
        DataSet test = test();
        long seed = 0; // ND4J treats seed 0 as unseeded: the trainer must not pass it on
        long derived = new SplittableRandom(seed).split().nextLong();
        assertThat(Dl4jSubsetTrainer.initialisationSeed(seed)).isEqualTo(derived).isNotZero();
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        conf.getConfs().forEach(c -> c.setSeed(derived));
        MultiLayerNetwork init = new MultiLayerNetwork(conf);
        init.init();
        int[] steps = {0};
        double[] byHand = sgdByHand(init.params().toDoubleVector(), DataSets.subset(IRIS, subset), 2, 8, 0.05, 0.9,
                seed, steps);
        Dl4jSubsetTrainer scratch = Dl4jSubsetTrainer.builder(net, IRIS).protocol(TrainingProtocol.minibatch(2, 8))
                .updater(new Nesterovs(0.05, 0.9)).build();
        Dl4jSubsetTrainer untrained = Dl4jSubsetTrainer.builder(net, IRIS).protocol(TrainingProtocol.minibatch(1, 8))
                .updater(new Sgd(0.0)).build(); // learning rate 0: the measurement sees the initialisation

        assertThat(maxAbsDiff(untrained.measure(subset, seed, test, Measurement.LOSS),
                init.scoreExamples(test, false).toDoubleVector())).isZero();
        assertThat(maxAbsDiff(scratch.measure(subset, seed, test, Measurement.LOSS), lossesAt(net, byHand, test)))
                .isLessThan(Tolerances.MINIBATCH_VS_PLAIN_JAVA);
        assertThat(steps[0]).isEqualTo(2 * 4);
    }

    // ------------------------------------------------------------------------------------------------ margin

    @Test
    void margin_equalsTheClosedFormOfTheNetworksProbabilities_andTheLossIdentity() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.DOUBLE, 100);
        DataSet test = test();
        // warm start with learning rate 0: the network measured is the user's θ̂
        Dl4jSubsetTrainer still = Dl4jSubsetTrainer.builder(net, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START)
                .protocol(TrainingProtocol.ownUpdater(1)).updater(new Sgd(0.0)).build();
        int[] all = every(1, 0, IRIS.numExamples());

        double[] margin = still.measure(all, 0, test, Measurement.MARGIN);
        double[] loss = still.measure(all, 0, test, Measurement.LOSS);

        double[] expected = closedFormMargins(net.output(test.getFeatures()).toDoubleMatrix(),
                test.getLabels().toDoubleMatrix());
        assertThat(maxAbsDiff(margin, expected)).isLessThan(1e-12);
        assertThat(loss).containsExactly(net.scoreExamples(test, false).toDoubleVector());
        for (int i = 0; i < loss.length; i++) { // margin = −loss − log(1 − e^{−loss})
            assertThat(margin[i]).isCloseTo(-loss[i] - Math.log(-Math.expm1(-loss[i])), within(1e-9));
        }
    }

    @Test
    void margin_isFiniteAndAccurate_whereTheProbabilityOfTheTrueClassRoundsToOne() {
        // a saturated softmax regression: p_y = 1 − 1e-20 in exact arithmetic, 1.0 in double
        MultiLayerNetwork net = softmaxRegression(1);
        double[] theta = new double[15];
        theta[0] = 46.0; // W[0, 0]: z_0 = 46·x_0
        net.setParams(org.nd4j.linalg.factory.Nd4j.createFromArray(theta).reshape(1, 15));
        DataSet point = new DataSet(org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{1, 0, 0, 0}}),
                org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{1, 0, 0}}));
        Dl4jSubsetTrainer still = Dl4jSubsetTrainer.builder(net, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START)
                .protocol(TrainingProtocol.ownUpdater(1)).updater(new Sgd(0.0)).build();

        double margin = still.measure(new int[] {0}, 0, point, Measurement.MARGIN)[0];

        assertThat(margin).isCloseTo(46.0 - Math.log(2.0), within(1e-12)); // z_0 − log(e⁰ + e⁰)
    }

    // ------------------------------------------------------------------------------------------------ seeds, threads

    private static MultiLayerNetwork mlp() {
        return TestNets.mlp(9, DataType.DOUBLE, 4, new int[] {8, 6}, 3, Activation.RELU, Activation.SOFTMAX,
                LossFunction.MCXENT, TestNets.Reg.L2, 1e-3);
    }

    @Test
    void fromScratchMlp_sameSeedGivesTheSameBits_otherSeedsOtherInitialisationsAndResults() {
        MultiLayerNetwork net = mlp();
        int[] subset = every(2, 0, IRIS.numExamples());
        DataSet test = test();
        Dl4jSubsetTrainer trainer = Dl4jSubsetTrainer.builder(net, IRIS).protocol(TrainingProtocol.minibatch(3, 16))
                .build();
        Dl4jSubsetTrainer untrained = Dl4jSubsetTrainer.builder(net, IRIS).protocol(TrainingProtocol.minibatch(1, 16))
                .updater(new Sgd(0.0)).build();

        double[] a = trainer.measure(subset, 1, test, Measurement.MARGIN);
        double[] b = trainer.measure(subset, 1, test, Measurement.MARGIN);
        double[] c = trainer.measure(subset, 2, test, Measurement.MARGIN);
        double[] initial1 = untrained.measure(subset, 1, test, Measurement.LOSS);
        double[] initial2 = untrained.measure(subset, 2, test, Measurement.LOSS);

        assertThat(bits(b)).containsExactly(bits(a));
        assertThat(maxAbsDiff(a, c)).isGreaterThan(1e-6);
        assertThat(maxAbsDiff(initial1, initial2)).isGreaterThan(1e-6);
        assertThat(bits(untrained.measure(subset, 1, test, Measurement.LOSS))).containsExactly(bits(initial1));
        assertThat(trainer.seedDependent()).isTrue();
        assertThat(trainer.trainings()).hasSize(3)
                .allSatisfy(t -> assertThat(t.outcome().iterations()).isEqualTo(3 * 5)); // ⌈75/16⌉ = 5
    }

    @Test
    void measure_isThreadSafe_twoThreadsGiveTheSequentialBits() throws Exception {
        MultiLayerNetwork net = mlp();
        DataSet test = test();
        for (Dl4jSubsetTrainer.Start start : Dl4jSubsetTrainer.Start.values()) {
            Dl4jSubsetTrainer trainer = Dl4jSubsetTrainer.builder(net, IRIS).start(start)
                    .protocol(TrainingProtocol.minibatch(2, 16)).build();
            List<int[]> subsets = new ArrayList<>();
            for (int s = 0; s < 6; s++) {
                subsets.add(every(2 + s % 3, s % 2, IRIS.numExamples()));
            }
            List<long[]> sequential = new ArrayList<>();
            for (int s = 0; s < subsets.size(); s++) {
                sequential.add(bits(trainer.measure(subsets.get(s), s, test, Measurement.LOSS)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<double[]>> futures = new ArrayList<>();
                for (int s = 0; s < subsets.size(); s++) {
                    int k = s;
                    futures.add(pool.submit(() -> trainer.measure(subsets.get(k), k, test, Measurement.LOSS)));
                }
                for (int s = 0; s < subsets.size(); s++) {
                    assertThat(bits(futures.get(s).get())).as("%s subset %s", start, s)
                            .containsExactly(sequential.get(s));
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(trainer.trainings()).hasSize(2 * subsets.size());
        }
    }

    @Test
    void interruptedTraining_endsWithinOneSecond_onBothMiniBatchPaths() throws Exception {
        MultiLayerNetwork adamMlp = mlp();                    // Adam: DL4J's fit per mini-batch
        MultiLayerNetwork sgdRegression = softmaxRegression(2); // Sgd: the plain-Java steps
        for (MultiLayerNetwork net : List.of(adamMlp, sgdRegression)) {
            double[] before = TestNets.snapshot(net);
            Dl4jSubsetTrainer trainer = Dl4jSubsetTrainer.builder(net, IRIS)
                    .protocol(TrainingProtocol.minibatch(1_000_000, 8)).build(); // hours of work
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Thread worker = new Thread(() -> {
                try {
                    trainer.measure(every(2, 0, 150), 1, test(), Measurement.LOSS);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            worker.start();
            Thread.sleep(500);
            assertThat(worker.isAlive()).isTrue();
            long t0 = System.nanoTime();
            worker.interrupt();
            worker.join(10_000);
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(1.0);
            assertThat(thrown.get()).isInstanceOf(java.util.concurrent.CancellationException.class)
                    .hasMessageContaining("interrupted after");
            assertThat(trainer.trainings()).isEmpty();
            assertThat(TestNets.snapshot(net)).containsExactly(before);
        }
    }

    // ------------------------------------------------------------------------------------------------ graphs

    @Test
    void computationGraph_trainsAndMeasuresLikeTheEquivalentMultiLayerNetwork() {
        MultiLayerNetwork mln = TestNets.mlp(5, DataType.DOUBLE, 4, new int[] {5}, 3, Activation.TANH,
                Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2, 1e-3);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .l2(1e-3).updater(new org.nd4j.linalg.learning.config.Adam(0.01)).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("out").build();
        ComputationGraph cg = new ComputationGraph(conf);
        cg.init(mln.params().dup(), true);
        double[] before = TestNets.snapshot(cg);
        int[] subset = every(2, 1, IRIS.numExamples());
        DataSet test = test();
        TrainingProtocol protocol = TrainingProtocol.minibatch(2, 10);
        Dl4jSubsetTrainer g = Dl4jSubsetTrainer.builder(cg, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START)
                .protocol(protocol).build();
        Dl4jSubsetTrainer m = Dl4jSubsetTrainer.builder(mln, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START)
                .protocol(protocol).build();

        for (Measurement measurement : Measurement.values()) {
            assertThat(maxAbsDiff(g.measure(subset, 3, test, measurement), m.measure(subset, 3, test, measurement)))
                    .as("%s", measurement).isLessThan(Tolerances.SAME_NETWORK);
        }
        Dl4jSubsetTrainer scratch = Dl4jSubsetTrainer.builder(cg, IRIS).protocol(protocol).build();
        assertThat(bits(scratch.measure(subset, 3, test, Measurement.MARGIN)))
                .containsExactly(bits(scratch.measure(subset, 3, test, Measurement.MARGIN)));
        assertThat(g.describe()).startsWith("DL4J ComputationGraph 4-5-3 (43 parameters)");
        assertThat(TestNets.snapshot(cg)).isEqualTo(before);
        assertThatThrownBy(() -> Dl4jSubsetTrainer.builder(cg, IRIS).protocol(TrainingProtocol.lbfgs()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("protocol LBFGS")
                .hasMessageContaining("ComputationGraph").hasMessageContaining("minibatch");
    }

    // ------------------------------------------------------------------------------------------------ the user's objects

    @Test
    void measuring_neverModifiesTheNetworkTheDataOrTheArguments() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.FLOAT, 30); // FLOAT: the private copy is DOUBLE
        double[] params = TestNets.snapshot(net);
        double[] state = net.getUpdater().getStateViewArray().dup().castTo(DataType.DOUBLE).toDoubleVector();
        String json = net.getLayerWiseConfigurations().toJson();
        int iterations = net.getIterationCount();
        DataSet train = TestNets.iris();
        double[] x = train.getFeatures().dup().data().asDouble();
        double[] y = train.getLabels().dup().data().asDouble();
        DataSet test = test();
        double[] tx = test.getFeatures().dup().data().asDouble();
        int[] subset = every(2, 0, 150);
        int[] subsetCopy = subset.clone();
        List<Dl4jSubsetTrainer.Training> heard = new java.util.concurrent.CopyOnWriteArrayList<>();

        for (Dl4jSubsetTrainer.Start start : Dl4jSubsetTrainer.Start.values()) {
            Dl4jSubsetTrainer trainer = Dl4jSubsetTrainer.builder(net, train).start(start)
                    .protocol(TrainingProtocol.minibatch(1, 25)).listener(heard::add).build();
            trainer.measure(subset, 4, test, Measurement.MARGIN);
            assertThat(trainer.trainings()).hasSize(1);
        }

        assertThat(heard).hasSize(2);
        assertThat(TestNets.snapshot(net)).isEqualTo(params);
        assertThat(net.getUpdater().getStateViewArray().castTo(DataType.DOUBLE).toDoubleVector()).isEqualTo(state);
        assertThat(net.getLayerWiseConfigurations().toJson()).isEqualTo(json);
        assertThat(net.getIterationCount()).isEqualTo(iterations);
        assertThat(train.getFeatures().data().asDouble()).isEqualTo(x);
        assertThat(train.getLabels().data().asDouble()).isEqualTo(y);
        assertThat(test.getFeatures().data().asDouble()).isEqualTo(tx);
        assertThat(subset).isEqualTo(subsetCopy);
    }

    @Test
    void describe_fingerprintsTheDataAndTheWarmStart_soThatACheckpointIsNotReusedForOtherWork() {
        MultiLayerNetwork net = mlp();
        DataSet otherLabels = IRIS.copy();
        INDArray label = otherLabels.getLabels().getRow(0);
        label.assign(label.eq(0).castTo(label.dataType()).div(label.length() - 1)); // one label moved elsewhere
        MultiLayerNetwork moved = net.clone();
        moved.params().addi(1e-3);

        String scratch = Dl4jSubsetTrainer.builder(net, IRIS).build().describe();
        String warm = Dl4jSubsetTrainer.builder(net, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START).build()
                .describe();

        assertThat(Dl4jSubsetTrainer.builder(net.clone(), IRIS.copy()).build().describe()).isEqualTo(scratch);
        assertThat(otherLabels.getLabels()).isNotEqualTo(IRIS.getLabels());
        assertThat(Dl4jSubsetTrainer.builder(net, otherLabels).build().describe()).isNotEqualTo(scratch);
        // from scratch the trained parameters do not matter; warm-started they are the start
        assertThat(Dl4jSubsetTrainer.builder(moved, IRIS).build().describe()).isEqualTo(scratch);
        assertThat(Dl4jSubsetTrainer.builder(moved, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START).build()
                .describe()).isNotEqualTo(warm);
        assertThat(scratch).containsPattern("fingerprint [0-9a-f]{16}$");
    }

    @Test
    void describe_namesNetworkStartProtocolAndUpdater_andDefaultsAreDocumented() {
        MultiLayerNetwork net = mlp();
        Dl4jSubsetTrainer defaults = Dl4jSubsetTrainer.builder(net, IRIS).build();
        Dl4jSubsetTrainer warm = Dl4jSubsetTrainer.builder(net, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START)
                .protocol(TrainingProtocol.lbfgs()).build();

        assertThat(defaults.start()).isEqualTo(Dl4jSubsetTrainer.Start.FROM_SCRATCH);
        assertThat(defaults.protocol()).isEqualTo(TrainingProtocol.minibatch(20, 32));
        assertThat(defaults.describe()).contains("MultiLayerNetwork 4-8-6-3 (", "from scratch", "mini-batches of 32",
                "20 epochs", "updater (the network's own) Adam").doesNotContain("\n");
        assertThat(warm.describe()).contains("warm-started", "L-BFGS", "at most 2000 iterations", "no updater");
        assertThat(warm.seedDependent()).isFalse();
        assertThat(Dl4jSubsetTrainer.builder(net, IRIS).start(Dl4jSubsetTrainer.Start.WARM_START)
                .protocol(TrainingProtocol.ownUpdater(5)).build().seedDependent()).isFalse();
        assertThat(warm.toString()).contains("n=150");
    }

    @Test
    void minibatchProtocol_keepsItsBatchSizeThroughTheWithers_andDescribesItself() {
        TrainingProtocol p = TrainingProtocol.minibatch(50, 64);

        assertThat(p.withIterations(10, 5).withLearningRate(0.1).withTolerance(1e-6).batchSize()).isEqualTo(64);
        assertThat(p.withBatchSize(32)).isEqualTo(new TrainingProtocol(TrainingProtocol.Kind.MINIBATCH, 1e-8, 50, 50,
                0.01, 32));
        assertThat(p.kind().hasTolerance()).isFalse();
        assertThat(p.kind().needsMultiLayerNetwork()).isFalse();
        assertThat(p.kind().seedDependent()).isTrue();
        assertThat(TrainingProtocol.lbfgs().batchSize()).isZero();
        assertThat(p.updater()).isEqualTo(new Sgd(0.01));
        assertThat(p.describe()).contains("mini-batches of 64", "50 epochs", "last partial batch kept");
    }

    @Test
    void minibatchProtocol_inTheRetrainer_isDeterministicPerSeed() {
        MultiLayerNetwork net = mlp();
        DataSet test = test();
        Dl4jRetrainer a = Dl4jRetrainer.builder(net, IRIS).protocol(TrainingProtocol.minibatch(2, 20)).seed(5).build();
        Dl4jRetrainer b = Dl4jRetrainer.builder(net, IRIS).protocol(TrainingProtocol.minibatch(2, 20)).seed(6).build();

        double la = a.testLossWithout(new int[] {3}, test);

        assertThat(Dl4jRetrainer.builder(net, IRIS).protocol(TrainingProtocol.minibatch(2, 20)).seed(5).build()
                .testLossWithout(new int[] {3}, test)).isEqualTo(la);
        assertThat(b.testLossWithout(new int[] {3}, test)).isNotEqualTo(la);
        assertThat(a.retrainings().get(0).outcome().iterations()).isEqualTo(2 * 8); // ⌈149/20⌉ = 8
    }
}
