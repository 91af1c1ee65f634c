package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.bench.data.Datasets;
import org.influence4j.model.DataSets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The plain-Java objective and Adam steps against DL4J itself: {@code net.score()}, DL4J's batch gradient (through
 * {@link Dl4jObjective}) and {@code net.fit}.
 */
class FastTrainerTest {

    private static final DataSet IRIS = Datasets.iris(42).train().data();

    @ParameterizedTest(name = "{0} depth {1} width {2} wd {3}")
    @CsvSource({"TANH, 1, 5, 0.005", "TANH, 3, 7, 0", "RELU, 2, 6, 0.01", "TANH, 0, 5, 0.005", "RELU, 8, 5, 0.005"})
    void denseMlpObjective_matchesDl4jScoreAndGradient(Networks.HiddenActivation act, int depth, int width,
                                                        double wd) {
        MultiLayerNetwork net = Networks.mlp(4, 3, depth, width, act, wd, 7);
        // move away from the initialisation so that every layer has a non-trivial gradient
        TrainingProtocol.adam().withIterations(50, 1).train(net, IRIS);
        double[] theta = net.params().toDoubleVector();
        double[] before = theta.clone();

        DenseMlpObjective fast = DenseMlpObjective.tryCreate(net, IRIS);
        double[] gFast = new double[fast.dimension()];
        double rFast = fast.evaluate(theta, gFast);
        double[] gDl4j = new double[fast.dimension()];
        double rDl4j = new Dl4jObjective(net.clone(), IRIS).evaluate(theta, gDl4j);

        assertThat(fast).isNotNull();
        assertThat(rFast).isCloseTo(rDl4j, org.assertj.core.data.Offset.offset(1e-12 * Math.max(1, rDl4j)));
        assertThat(rFast).isCloseTo(net.score(IRIS), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(maxAbsDiff(gFast, gDl4j)).isLessThan(1e-12 * Math.max(1, maxAbs(gDl4j)));
        assertThat(net.params().toDoubleVector()).isEqualTo(before); // evaluate never writes the network
    }

    @Test
    void denseMlpObjective_reproducesDl4jsSoftmaxClipping_atASaturatedOptimum() {
        // no weight decay on separable Iris: L-BFGS drives p → 1, where DL4J clips p at 1 − 1e-10 in the score
        MultiLayerNetwork net = Networks.mlp(4, 3, 1, 5, Networks.HiddenActivation.TANH, 0, 1);
        new Lbfgs(net, IRIS).minimize(1e-8, 3000);
        double[] g = new double[(int) net.numParams()];

        double r = DenseMlpObjective.tryCreate(net, IRIS).evaluateCurrent(g);

        assertThat(r).isCloseTo(net.score(IRIS), org.assertj.core.data.Offset.offset(1e-13));
    }

    @Test
    void denseMlpObjective_rejectsVectorsOfTheWrongLength() {
        MultiLayerNetwork net = Networks.mlp(4, 3, 1, 5, Networks.HiddenActivation.TANH, 0, 1);
        DenseMlpObjective o = DenseMlpObjective.tryCreate(net, IRIS);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> o.evaluate(new double[42], new double[43]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta (42)")
                .hasMessageContaining("grad (43)").hasMessageContaining("length 43");
    }

    @Test
    void objectiveOf_fallsBackToDl4j_forLayersTheLoopsDoNotReproduce() {
        MultiLayerNetwork cnn = Networks.smallCnn(28, 28, 10, 5e-3, 1, TrainingProtocol.lbfgs().updater());
        DataSet few = DataSets.subset(Datasets.smallMnist().train().data(), new int[] {0, 1});

        assertThat(DenseMlpObjective.tryCreate(cnn, few)).isNull();
        assertThat(Objective.of(cnn, few)).isInstanceOf(Dl4jObjective.class);
        assertThat(Objective.of(Networks.mlp(4, 3, 2, 5, Networks.HiddenActivation.TANH, 0, 1), IRIS))
                .isInstanceOf(DenseMlpObjective.class);
    }

    @ParameterizedTest(name = "depth {0} wd {1}")
    @CsvSource({"1, 0.005", "4, 0", "8, 0.005"})
    void fullBatchAdam_equalsDl4jFit_includingTheWarmStartedState(int depth, double wd) {
        MultiLayerNetwork viaFit = Networks.mlp(4, 3, depth, 5, Networks.HiddenActivation.TANH, wd, 3,
                new Adam(0.01));
        MultiLayerNetwork viaAdam = viaFit.clone();
        for (int i = 0; i < 200; i++) {
            viaFit.fit(IRIS);
        }
        boolean plainJava = FullBatchAdam.run(viaAdam, IRIS, 200);
        assertThat(plainJava).isTrue();
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
        assertThat(FullBatchAdam.run(b, rest, 50)).isTrue();
        assertThat(maxAbsDiff(a.params().toDoubleVector(), b.params().toDoubleVector())).isLessThan(1e-9);
    }

    private static double maxAbsDiff(double[] x, double[] y) {
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
