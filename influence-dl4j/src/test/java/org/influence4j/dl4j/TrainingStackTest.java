package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.model.DataSets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The training stack against independent oracles: the plain-Java objective against {@code net.score()}, DL4J's batch
 * gradient and the adapter's {@code objective}/{@code objectiveGradient} (to 1e-12); plain-Java Adam against
 * {@code net.fit} (to 1e-9); plain-Java mini-batch SGD and Nesterov against {@code fit} per mini-batch (to 1e-10);
 * L-BFGS against the adapter's gradient norm.
 */
class TrainingStackTest {

    private static final DataSet IRIS = TestNets.iris();

    private static MultiLayerNetwork mlp(int depth, int width, Activation act, TestNets.Reg reg, double c, long seed) {
        int[] hidden = new int[depth];
        java.util.Arrays.fill(hidden, width);
        return TestNets.mlp(seed, DataType.DOUBLE, 4, hidden, 3, act, Activation.SOFTMAX, LossFunction.MCXENT, reg, c);
    }

    @ParameterizedTest(name = "{0} depth {1} width {2} {3} {4}")
    @CsvSource({"TANH, 1, 5, L2, 0.005", "TANH, 3, 7, NONE, 0", "RELU, 2, 6, L2, 0.01", "TANH, 0, 5, L2, 0.005",
        "RELU, 8, 5, L2, 0.005", "SIGMOID, 2, 4, WEIGHT_DECAY, 0.01"})
    void plainJavaObjective_matchesDl4jScore_dl4jGradient_andTheAdapter(Activation act, int depth, int width,
                                                                      TestNets.Reg reg, double c) {
        MultiLayerNetwork net = mlp(depth, width, act, reg, c, 7);
        for (int i = 0; i < 50; i++) { // away from the initialisation: every layer has a non-trivial gradient
            net.fit(IRIS);
        }
        double[] before = TestNets.snapshot(net);
        double[] theta = net.params().toDoubleVector();

        TrainingObjective fast = TrainingObjective.of(net, IRIS);
        double[] gFast = new double[fast.dimension()];
        double rFast = fast.evaluate(theta, gFast);
        double[] gDl4j = new double[fast.dimension()];
        double rDl4j = new Dl4jBatchObjective(net.clone(), IRIS).evaluate(theta, gDl4j);
        Dl4jInfluenceModel adapter = Dl4jInfluenceModel.of(net);

        assertThat(fast.plainJava()).isTrue();
        assertThat(rFast).isCloseTo(net.score(IRIS), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(rFast).isCloseTo(rDl4j, org.assertj.core.data.Offset.offset(1e-12 * Math.max(1, rDl4j)));
        assertThat(rFast).isCloseTo(adapter.objective(IRIS), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(maxAbsDiff(gFast, gDl4j)).isLessThan(1e-12 * Math.max(1, maxAbs(gDl4j)));
        assertThat(maxAbsDiff(gFast, adapter.objectiveGradient(IRIS).toDoubleVector()))
                .isLessThan(1e-12 * Math.max(1, maxAbs(gDl4j)));
        assertThat(TestNets.snapshot(net)).isEqualTo(before); // evaluating never writes the user's network
    }

    @Test
    void objective_fallsBackToDl4j_forLayersTheLoopsDoNotReproduce_andStillMatchesTheAdapter() {
        MultiLayerNetwork mse = TestNets.mlp(3, DataType.DOUBLE, 4, new int[] {5}, 3, Activation.TANH,
                Activation.IDENTITY, LossFunction.MSE, TestNets.Reg.L2, 1e-2);
        double[] g = new double[(int) mse.numParams()];

        TrainingObjective o = TrainingObjective.of(mse, IRIS);
        double r = o.evaluate(mse.params().toDoubleVector(), g);

        assertThat(o.plainJava()).isFalse();
        assertThat(r).isCloseTo(Dl4jInfluenceModel.of(mse).objective(IRIS), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Nd4j.createFromArray(g).distance2(Dl4jInfluenceModel.of(mse).objectiveGradient(IRIS)))
                .isLessThan(1e-12);
        assertThatThrownBy(() -> o.evaluate(new double[3], new double[4])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("theta (3)").hasMessageContaining("grad (4)")
                .hasMessageContaining("length " + mse.numParams());
    }

    @Test
    void plainJavaObjective_reproducesDl4jsSoftmaxClipping_atASaturatedOptimum() {
        // no regulariser on separable Iris: L-BFGS drives p → 1, where DL4J clips p at 1 − 1e-10 in the score
        MultiLayerNetwork net = mlp(1, 5, Activation.TANH, TestNets.Reg.NONE, 0, 1);
        Dl4jTraining.trainInPlace(net, IRIS, TrainingProtocol.lbfgs());
        double[] g = new double[(int) net.numParams()];

        double r = TrainingObjective.of(net, IRIS).evaluate(net.params().toDoubleVector(), g);

        assertThat(r).isCloseTo(net.score(IRIS), org.assertj.core.data.Offset.offset(1e-13));
    }

    @Test
    void plainJavaObjective_rejectsVectorsOfTheWrongLength() {
        TrainingObjective o = TrainingObjective.of(mlp(1, 5, Activation.TANH, TestNets.Reg.L2, 1e-3, 1), IRIS);

        assertThatThrownBy(() -> o.evaluate(new double[42], new double[43]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta (42)")
                .hasMessageContaining("grad (43)").hasMessageContaining("length 43");
    }

    @ParameterizedTest(name = "depth {0} {1} {2}")
    @CsvSource({"1, L2, 0.005, ADAM", "4, NONE, 0, UPDATER", "8, L2, 0.005, ADAM"})
    void fixedBudgetAdam_equalsDl4jFit_includingTheWarmStartedState(int depth, TestNets.Reg reg, double c,
                                                                     TrainingProtocol.Kind kind) {
        MultiLayerNetwork viaFit = mlp(depth, 5, Activation.TANH, reg, c, 3); // Adam(0.01)
        MultiLayerNetwork viaAdam = viaFit.clone();
        TrainingProtocol protocol = new TrainingProtocol(kind, 1e-8, 200, 50, 0.01);
        for (int i = 0; i < 200; i++) {
            viaFit.fit(IRIS);
        }

        TrainingProtocol.Outcome o = Dl4jTraining.trainInPlace(viaAdam, IRIS, protocol);

        assertThat(o.iterations()).isEqualTo(200);
        assertThat(o.converged()).isTrue();
        assertThat(o.missedTolerance()).isFalse(); // a fixed budget has no tolerance
        assertThat(o.objective()).isCloseTo(viaFit.score(IRIS), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(maxAbsDiff(viaAdam.params().toDoubleVector(), viaFit.params().toDoubleVector())).isLessThan(1e-9);
        assertThat(viaAdam.getIterationCount()).isEqualTo(viaFit.getIterationCount());
        assertThat(maxAbsDiff(viaAdam.getUpdater().getStateViewArray().toDoubleVector(),
                viaFit.getUpdater().getStateViewArray().toDoubleVector())).isLessThan(1e-9);
        // warm start on a reduced set: fit continuing from our state == our steps continuing from fit's state
        DataSet rest = DataSets.without(IRIS, new int[] {3});
        MultiLayerNetwork a = viaAdam.clone();
        MultiLayerNetwork b = viaFit.clone();
        for (int i = 0; i < 50; i++) {
            a.fit(rest);
        }
        Dl4jTraining.run(b, rest, protocol, 50);
        assertThat(maxAbsDiff(a.params().toDoubleVector(), b.params().toDoubleVector())).isLessThan(1e-9);
    }

    /** A 4 → hidden → 3 softmax network with {@code l2(1e-2)} and the given updater (0 hidden layers: regression). */
    private static MultiLayerNetwork withUpdater(int depth, Activation act, org.nd4j.linalg.learning.config.IUpdater u) {
        return withUpdater(depth, 6, act, u);
    }

    private static MultiLayerNetwork withUpdater(int depth, int width, Activation act,
                                                 org.nd4j.linalg.learning.config.IUpdater u) {
        var list = new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.DOUBLE).updater(u).l2(1e-2)
                .weightInit(org.deeplearning4j.nn.weights.WeightInit.XAVIER).list();
        int in = 4;
        for (int l = 0; l < depth; l++) {
            list.layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(in).nOut(width).activation(act)
                    .build());
            in = width;
        }
        list.layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(in).nOut(3).activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    @Test
    void plainJavaMiniBatchesInIndexOrder_equalDl4jFitPerBatch_andDifferFromTheShuffledOrder() {
        var updater = new org.nd4j.linalg.learning.config.Nesterovs(0.05, 0.9);
        MultiLayerNetwork viaFit = withUpdater(2, Activation.TANH, updater);
        MultiLayerNetwork plain = viaFit.clone();
        MultiLayerNetwork shuffled = viaFit.clone();

        int fitSteps = Dl4jTraining.miniBatchSteps(viaFit, IRIS, 16, 3, 9, false);
        int plainSteps = MiniBatchSgd.run(plain, IRIS, 16, 3, 9, false);
        MiniBatchSgd.run(shuffled, IRIS, 16, 3, 9, true);

        assertThat(plainSteps).isEqualTo(fitSteps).isEqualTo(3 * 10);
        assertThat(maxAbsDiff(plain.params().toDoubleVector(), viaFit.params().toDoubleVector())).isLessThan(1e-10);
        assertThat(maxAbsDiff(plain.params().toDoubleVector(), shuffled.params().toDoubleVector()))
                .isGreaterThan(1e-6);
    }

    @ParameterizedTest(name = "depth {0} {1} momentum {2}")
    @CsvSource({"0, TANH, 0", "0, TANH, 0.9", "2, TANH, 0.9", "3, RELU, 0.5", "1, SIGMOID, 0"})
    void plainJavaMiniBatches_equalDl4jFitPerBatch_includingMomentumStateAndCounts(int depth, Activation act,
                                                                                   double mu) {
        var updater = mu == 0 ? new org.nd4j.linalg.learning.config.Sgd(0.05)
                : new org.nd4j.linalg.learning.config.Nesterovs(0.05, mu);
        MultiLayerNetwork viaFit = withUpdater(depth, act, updater);
        MultiLayerNetwork plain = viaFit.clone();

        int fitSteps = Dl4jTraining.miniBatchSteps(viaFit, IRIS, 16, 4, 9, true); // 150 rows: 10 batches, the last of 6
        int plainSteps = MiniBatchSgd.run(plain, IRIS, 16, 4, 9, true);

        assertThat(plainSteps).isEqualTo(fitSteps).isEqualTo(4 * 10);
        assertThat(maxAbsDiff(plain.params().toDoubleVector(), viaFit.params().toDoubleVector())).isLessThan(1e-10);
        if (mu != 0) { // Sgd has no state
            assertThat(maxAbsDiff(plain.getUpdater().getStateViewArray().toDoubleVector(),
                    viaFit.getUpdater().getStateViewArray().toDoubleVector())).isLessThan(1e-10);
        }
        assertThat(plain.getIterationCount()).isEqualTo(viaFit.getIterationCount()).isEqualTo(40);
        assertThat(plain.getEpochCount()).isEqualTo(viaFit.getEpochCount()).isEqualTo(4);
        // the state carries over: fit continuing from the plain path == the plain path continuing from fit
        MultiLayerNetwork a = plain.clone();
        MultiLayerNetwork b = viaFit.clone();
        Dl4jTraining.miniBatchSteps(a, IRIS, 16, 2, 10, true);
        MiniBatchSgd.run(b, IRIS, 16, 2, 10, true);
        assertThat(maxAbsDiff(a.params().toDoubleVector(), b.params().toDoubleVector())).isLessThan(1e-10);
    }

    @Test
    void plainJavaMiniBatches_declineWhatTheyDoNotReproduce_andDl4jFitRunsInstead() {
        MultiLayerNetwork adam = withUpdater(1, Activation.TANH, new org.nd4j.linalg.learning.config.Adam(0.01));
        MultiLayerNetwork big = withUpdater(2, 120, Activation.TANH, new org.nd4j.linalg.learning.config.Sgd(0.01));
        double[] before = TestNets.snapshot(adam);

        assertThat(MiniBatchSgd.run(adam, IRIS, 16, 1, 0, true)).isEqualTo(-1);
        assertThat(big.numParams() * 150).isGreaterThan(TrainingObjective.PLAIN_JAVA_LIMIT);
        assertThat(MiniBatchSgd.run(big, IRIS, 150, 1, 0, true)).isEqualTo(-1); // batch × parameters above the limit
        assertThat(MiniBatchSgd.run(big, IRIS, 100, 1, 0, true)).isEqualTo(2); // below it: 2 updates per epoch
        assertThat(TestNets.snapshot(adam)).isEqualTo(before);
        TrainingProtocol.Outcome o = Dl4jTraining.trainInPlace(adam, IRIS, TrainingProtocol.minibatch(2, 16), 3);
        assertThat(o.iterations()).isEqualTo(2 * 10);
        assertThat(adam.getIterationCount()).isEqualTo(20);
        assertThat(o.objective()).isCloseTo(adam.score(IRIS), org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void lbfgs_reachesAStationaryPointOfTheObjectiveTheAdapterDifferentiates() {
        MultiLayerNetwork net = mlp(2, 5, Activation.TANH, TestNets.Reg.L2, 5e-3, 1);

        TrainingProtocol.Outcome r = Dl4jTraining.trainInPlace(net, IRIS, TrainingProtocol.lbfgs());

        Dl4jInfluenceModel adapter = Dl4jInfluenceModel.of(net); // independent: the adapter's own ∇R and R
        assertThat(r.converged()).isTrue();
        assertThat(r.kind()).isEqualTo(TrainingProtocol.Kind.LBFGS);
        assertThat(adapter.objectiveGradient(IRIS).norm2Number().doubleValue()).isLessThan(1e-7);
        assertThat(r.objective()).isCloseTo(adapter.objective(IRIS), org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void protocolsThatDoNotFitTheNetwork_areRejected_withTheRemedy() {
        MultiLayerNetwork sgd = new MultiLayerNetwork(TestNets.sgd(1).list()
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX)
                        .build()).build());
        sgd.init();
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).graphBuilder().addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "in").setOutputs("out").build());
        graph.init();

        assertThatThrownBy(() -> Dl4jTraining.trainInPlace(sgd, IRIS, TrainingProtocol.adam()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Adam updater")
                .hasMessageContaining("ownUpdater");
        assertThatThrownBy(() -> Dl4jTraining.trainInPlace(graph, IRIS, TrainingProtocol.lbfgs()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ComputationGraph")
                .hasMessageContaining("ownUpdater");
        INDArray before = graph.params().dup();
        TrainingProtocol.Outcome o = Dl4jTraining.trainInPlace(graph, IRIS, TrainingProtocol.ownUpdater(3));
        assertThat(o.iterations()).isEqualTo(3);
        assertThat(graph.params()).isNotEqualTo(before);
        assertThat(o.objective()).isCloseTo(graph.score(IRIS), org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void trainingProtocol_validatesItsComponents_andDocumentsItsDefaults() {
        assertThat(TrainingProtocol.defaults()).isEqualTo(TrainingProtocol.ownUpdater(100));
        assertThat(TrainingProtocol.defaults().kind().hasTolerance()).isFalse();
        assertThat(TrainingProtocol.lbfgs().withTolerance(1e-6).tolerance()).isEqualTo(1e-6);
        assertThat(TrainingProtocol.adam().withLearningRate(0.1).updater())
                .isEqualTo(new org.nd4j.linalg.learning.config.Adam(0.1));
        assertThatThrownBy(() -> TrainingProtocol.lbfgs().withTolerance(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance (-1.0) must be > 0");
        assertThatThrownBy(() -> TrainingProtocol.lbfgs().withIterations(0, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trainIterations (0)");
        assertThatThrownBy(() -> TrainingProtocol.adam().withLearningRate(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("learningRate (NaN)");
        assertThatThrownBy(() -> new TrainingProtocol(null, 1, 1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind");
    }

    static double maxAbsDiff(double[] x, double[] y) {
        assertThat(x).hasSameSizeAs(y);
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }

    private static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
