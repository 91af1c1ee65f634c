package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.model.InfluenceModel;
import org.influence4j.model.NewtonOptions;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.testdata.Iris;
import org.influence4j.testdata.Snapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link ProximalBregmanRetrainer}'s contract around the mathematics: bad arguments (each rejected with the argument,
 * the value and the remedy), models without the capabilities, caching, parallel prefetch (bitwise equal to serial),
 * flagged unconverged solves, and nothing the caller passed modified.
 */
class ProximalBregmanMisuseTest {

    static DataSet train;
    static DataSet test;
    static SoftmaxRegression model;

    @BeforeAll
    static void fit() {
        DataSet[] parts = Iris.split(Iris.load(), 30, 7L);
        train = parts[0];
        test = parts[1];
        model = SoftmaxRegression.fit(train, 0.01, NewtonOptions.defaults().withTolerance(1e-12)).model();
    }

    static ProximalBregmanRetrainer.Builder builder() {
        return ProximalBregmanRetrainer.builder(model, train).damping(1e-3);
    }

    /** A model that implements only the required SPI: both capabilities keep their empty defaults. */
    record Plain(InfluenceModel m) implements InfluenceModel {
        @Override
        public long numParameters() {
            return m.numParameters();
        }

        @Override
        public INDArray parameters() {
            return m.parameters();
        }

        @Override
        public double objective(DataSet data) {
            return m.objective(data);
        }

        @Override
        public INDArray objectiveGradient(DataSet data) {
            return m.objectiveGradient(data);
        }

        @Override
        public INDArray losses(DataSet data) {
            return m.losses(data);
        }

        @Override
        public INDArray meanLossGradient(DataSet data) {
            return m.meanLossGradient(data);
        }

        @Override
        public INDArray perExampleGradientDots(DataSet data, INDArray v) {
            return m.perExampleGradientDots(data, v);
        }

        @Override
        public HessianVectorProduct hessian(DataSet data) {
            return m.hessian(data);
        }

        @Override
        public String describe() {
            return "Plain[" + m.describe() + "]";
        }
    }

    /** {@link Plain} with Bregman targets but still no {@code withParameters}. */
    static final class TargetsOnly implements InfluenceModel {
        private final Plain plain = new Plain(model);

        @Override
        public long numParameters() {
            return plain.numParameters();
        }

        @Override
        public INDArray parameters() {
            return plain.parameters();
        }

        @Override
        public double objective(DataSet data) {
            return plain.objective(data);
        }

        @Override
        public INDArray objectiveGradient(DataSet data) {
            return plain.objectiveGradient(data);
        }

        @Override
        public INDArray losses(DataSet data) {
            return plain.losses(data);
        }

        @Override
        public INDArray meanLossGradient(DataSet data) {
            return plain.meanLossGradient(data);
        }

        @Override
        public INDArray perExampleGradientDots(DataSet data, INDArray v) {
            return plain.perExampleGradientDots(data, v);
        }

        @Override
        public HessianVectorProduct hessian(DataSet data) {
            return plain.hessian(data);
        }

        @Override
        public Optional<DataSet> bregmanTargets(DataSet data) {
            return model.bregmanTargets(data);
        }

        @Override
        public String describe() {
            return "TargetsOnly";
        }
    }

    @Test
    void spiDefaults_reportUnsupported_withEmptyOptionals() {
        Plain plain = new Plain(model);
        assertThat(plain.withParameters(model.parameters())).isEmpty();
        assertThat(plain.bregmanTargets(train)).isEmpty();
    }

    @Test
    void modelWithoutCapabilities_isRejectedNamingTheModelAndTheRemedy() {
        assertThatThrownBy(() -> ProximalBregmanRetrainer.builder(new Plain(model), train).damping(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Plain[SoftmaxRegression")
                .hasMessageContaining("bregmanTargets is empty")
                .hasMessageContaining("canonical-link pair")
                .hasMessageContaining("a retraining ground truth");
        assertThatThrownBy(() -> ProximalBregmanRetrainer.builder(new TargetsOnly(), train).damping(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model TargetsOnly cannot be evaluated at other parameters")
                .hasMessageContaining("implement withParameters");
    }

    @Test
    void damping_isRequired_finite_andNonNegative() {
        assertThatThrownBy(() -> ProximalBregmanRetrainer.builder(model, train).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("damping was not set")
                .hasMessageContaining("InfluenceEstimator.withDamping");
        for (double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> ProximalBregmanRetrainer.builder(model, train).damping(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("damping (" + bad + ") must be finite and >= 0")
                    .hasMessageContaining("the damping λ of the influence estimate");
        }
    }

    @Test
    void badOptions_areRejectedNamingValueAndRemedy() {
        for (double bad : new double[] {0, -1e-6, 1, Double.NaN}) {
            assertThatThrownBy(() -> builder().relativeTolerance(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("relativeTolerance (" + bad + ") must be in (0, 1), e.g. 1.0E-6");
        }
        assertThatThrownBy(() -> builder().maxIterations(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxIterations (0) must be >= 1");
        assertThatThrownBy(() -> builder().threads(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads (0) must be >= 1");
        assertThatThrownBy(() -> builder().listener(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ProximalBregmanRetrainer.builder(null, train)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void trainThatDoesNotFitTheModel_isRejectedNamingIt() {
        DataSet wrong = new DataSet(Nd4j.rand(DataType.DOUBLE, 10, 3), train.getLabels().getRows(0, 1, 2, 3, 4, 5, 6,
                7, 8, 9));
        assertThatThrownBy(() -> ProximalBregmanRetrainer.builder(model, wrong).damping(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("train does not fit the model SoftmaxRegression")
                .hasMessageContaining("[10, 3]");
    }

    @Test
    void badRemovalSetsAndTestPoints_areRejectedBeforeAnySolve() {
        ProximalBregmanRetrainer pbrf = builder().build();
        int n = train.numExamples();
        assertThatThrownBy(() -> pbrf.testLossWithout(new int[] {n}, test))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("removed contains " + n + ", out of range for " + n + " training examples");
        assertThatThrownBy(() -> pbrf.testLossWithout(new int[] {-1}, test))
                .hasMessageContaining("removed contains -1, out of range");
        assertThatThrownBy(() -> pbrf.parameterDistance(new int[] {4, 2, 4}))
                .hasMessageContaining("removed contains 4 twice; give distinct indices");
        assertThatThrownBy(() -> pbrf.prefetch(List.of(new int[] {1}, new int[] {n + 5})))
                .hasMessageContaining("removed contains " + (n + 5));
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        assertThatThrownBy(() -> pbrf.parametersWithout(all)).hasMessageContaining("at least one must remain");
        DataSet narrow = new DataSet(Nd4j.zeros(DataType.DOUBLE, 1, 3), Nd4j.createFromArray(new double[][] {{1, 0, 0}}));
        assertThatThrownBy(() -> pbrf.testLossWithout(new int[] {1}, narrow))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("testPoint does not fit the model SoftmaxRegression")
                .hasMessageContaining("[1, 3]")
                .hasMessageContaining("pass test examples shaped like the training data");
        assertThatThrownBy(() -> pbrf.testLossWithout(null, test)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> pbrf.testLossWithout(new int[] {1}, null)).isInstanceOf(NullPointerException.class);
        assertThat(pbrf.solves()).as("nothing was solved").isEmpty();
    }

    @Test
    void solves_areCachedPerSet_parallelPrefetchEqualsSerialBitwise_andNothingPassedIsModified() {
        Snapshot before = Snapshot.of(train, test, model.parameters());
        INDArray theta = model.parameters();
        int[] removedA = {9, 3};
        int[] removedB = {17};
        List<int[]> removals = List.of(new int[0], removedA, removedB, new int[] {3, 9}, new int[] {40});
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        ProximalBregmanRetrainer parallel = builder().threads(2)
                .listener((s, done, total) -> events.add(java.util.Arrays.toString(s.removed()) + " " + done + "/"
                        + total)).build();
        ProximalBregmanRetrainer serial = builder().build();
        parallel.prefetch(removals);
        assertThat(events).containsExactly("[3, 9] 1/3", "[17] 2/3", "[40] 3/3");
        assertThat(parallel.solves()).hasSize(3);
        for (int[] r : removals) {
            assertThat(parallel.parametersWithout(r).toDoubleVector()).isEqualTo(serial.parametersWithout(r)
                    .toDoubleVector());
            assertThat(parallel.testLossWithout(r, test)).isEqualTo(serial.testLossWithout(r, test));
        }
        assertThat(parallel.solves()).as("no solve repeated").hasSize(3);
        parallel.prefetch(removals);
        assertThat(events).as("nothing left to prefetch").hasSize(3);
        assertThat(removedA).containsExactly(9, 3);
        assertThat(parallel.parameterDistance(new int[0])).isZero();
        assertThat(parallel.parameterDistance(removedB)).isEqualTo(parallel.parametersWithout(removedB).distance2(
                theta));
        assertThat(parallel.solve(removedB).converged()).isTrue();
        assertThat(parallel.solve(removedB).iterations()).isPositive();
        assertThat(parallel.unconvergedSolves()).isZero();
        assertThat(parallel.maxRelativeGradientNorm()).isLessThanOrEqualTo(parallel.relativeTolerance());
        assertThat(parallel.toString()).contains("damping=0.001", "threads=2");
        assertThat(parallel.solve(removedB).toString()).contains("converged", "‖θ_R − θ̂‖");
        before.assertUnchanged();
        assertThat(model.parameters().toDoubleVector()).isEqualTo(theta.toDoubleVector());
    }

    @Test
    void solveThatMissesTheTolerance_isFlaggedAndCounted_andItsLastIterateUsed() {
        ProximalBregmanRetrainer pbrf = builder().maxIterations(1).build();
        ProximalBregmanRetrainer.Solve s = pbrf.solve(new int[] {5});
        assertThat(s.converged()).isFalse();
        assertThat(s.iterations()).isEqualTo(1);
        assertThat(s.relativeGradientNorm()).isGreaterThan(pbrf.relativeTolerance());
        assertThat(pbrf.unconvergedSolves()).isEqualTo(1);
        assertThat(pbrf.parameterDistance(new int[] {5})).isPositive();
        assertThat(Double.isFinite(pbrf.testLossWithout(new int[] {5}, test))).isTrue();
    }

    @Test
    void floatTrainingData_isAccepted_andGivesTheDoubleResult() {
        DataSet floats = new DataSet(train.getFeatures().castTo(DataType.FLOAT), train.getLabels()
                .castTo(DataType.FLOAT));
        SoftmaxRegression m = SoftmaxRegression.fit(floats, 0.01).model();
        double viaFloat = ProximalBregmanRetrainer.builder(m, floats).damping(1e-3).build()
                .testLossWithout(new int[] {2}, test);
        double viaDouble = ProximalBregmanRetrainer.builder(m, new DataSet(floats.getFeatures()
                .castTo(DataType.DOUBLE), floats.getLabels().castTo(DataType.DOUBLE))).damping(1e-3).build()
                .testLossWithout(new int[] {2}, test);
        assertThat(viaFloat).isEqualTo(viaDouble);
    }
}
