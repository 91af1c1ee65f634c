package org.influence4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.influence4j.internal.Vectors;
import org.influence4j.testdata.DenseOracle;
import org.influence4j.testdata.Snapshot;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class RidgeRegressionTest extends InfluenceModelContractTest {

    static final int N = 25;
    static final int D = 4;
    static final double L2 = 0.05;
    /** The exact fit solves a well-conditioned (d+1)×(d+1) system: ‖∇R‖ is at round-off level. */
    static final double EXACT_FIT_GRADIENT = 1e-13;

    /** Gaussian features, targets linear in them plus noise; targets of shape [n, 1] or [n]. */
    static DataSet randomData(long seed, boolean rank1Targets) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] x = new double[N][D];
        double[] y = new double[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                x[i][j] = rng.nextGaussian();
                y[i] += (j + 1) * 0.5 * x[i][j];
            }
            y[i] += 1.5 + 0.3 * rng.nextGaussian();
        }
        INDArray targets = Nd4j.createFromArray(y);
        return new DataSet(Nd4j.createFromArray(x), rank1Targets ? targets : targets.reshape(N, 1));
    }

    @Override
    InfluenceModel model() {
        return RidgeRegression.at(Vectors.gaussian(new SplittableRandom(2), D + 1), L2, true);
    }

    @Override
    InfluenceModel at(INDArray theta) {
        return RidgeRegression.at(theta, L2, true);
    }

    @Override
    protected java.util.Optional<OutputOracle> outputOracle() {
        return java.util.Optional.of(ReferenceOutputOracles.ridge(true));
    }

    @Override
    DataSet data() {
        return randomData(1, false);
    }

    /** The contract without intercept and with rank-1 targets. */
    @Nested
    class WithoutIntercept extends InfluenceModelContractTest {
        @Override
        InfluenceModel model() {
            return RidgeRegression.at(Vectors.gaussian(new SplittableRandom(3), D), L2, false);
        }

        @Override
        InfluenceModel at(INDArray theta) {
            return RidgeRegression.at(theta, L2, false);
        }

        @Override
        protected java.util.Optional<OutputOracle> outputOracle() {
            return java.util.Optional.of(ReferenceOutputOracles.ridge(false));
        }

        @Override
        DataSet data() {
            return randomData(2, true);
        }
    }

    @Test
    void fit_solvesTheNormalEquations() {
        DataSet data = randomData(1, false);
        RidgeRegression m = RidgeRegression.fit(data, L2, true);
        assertThat(Vectors.norm2(m.objectiveGradient(data))).isLessThan(EXACT_FIT_GRADIENT);
        // oracle: (X̃ᵀX̃/n + l2·diag(1,…,1,0)) θ = X̃ᵀy/n solved by Hipparchus LU
        INDArray xt = Nd4j.hstack(data.getFeatures(), Nd4j.ones(DataType.DOUBLE, N, 1));
        INDArray a = xt.transpose().mmul(xt).divi(N);
        for (int j = 0; j < D; j++) {
            a.putScalar(j, j, a.getDouble(j, j) + L2);
        }
        INDArray rhs = xt.transpose().mmul(data.getLabels()).divi(N).reshape(D + 1);
        assertRelativelyClose(m.parameters(), DenseOracle.solve(a, 0, rhs), 1e-12);
        assertRelativelyClose(m.hessian(data).denseMatrix().orElseThrow(), a, CLOSED_FORM_RELATIVE);
        assertThat(m.weights().length()).isEqualTo(D);
        assertThat(m.intercept()).isEqualTo(m.parameters().getDouble(D));
        assertRelativelyClose(m.predict(data.getFeatures()),
                xt.mmul(m.parameters().reshape(D + 1, 1)).reshape(N), 1e-14);
    }

    @Test
    void targetsOfShapeNAndNBy1_areEquivalent() {
        DataSet column = randomData(1, false);
        DataSet flat = randomData(1, true);
        assertThat(RidgeRegression.fit(flat, L2, true).parameters().toDoubleVector())
                .containsExactly(RidgeRegression.fit(column, L2, true).parameters().toDoubleVector());
    }

    @Test
    void retrainer_equalsAFitWithoutTheRemovedRows() {
        DataSet data = randomData(1, false);
        DataSet test = randomData(5, false);
        RidgeRegression m = RidgeRegression.fit(data, L2, true);
        Snapshot snap = Snapshot.of(data, test);
        double loss = m.retrainer(data).testLossWithout(new int[] {4, 0}, test);
        RidgeRegression direct = RidgeRegression.fit(DataSets.without(data, new int[] {0, 4}), L2, true);
        assertThat(loss).isEqualTo(direct.losses(test).meanNumber().doubleValue());
        snap.assertUnchanged();
    }

    @Test
    void badArguments_areRejected() {
        DataSet data = randomData(1, false);
        assertThatThrownBy(() -> RidgeRegression.fit(data, -1, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("l2 (-1.0)");
        assertThatThrownBy(() -> RidgeRegression.at(Nd4j.zeros(DataType.DOUBLE, 1), L2, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta has length 1");
        DataSet twoTargets = new DataSet(data.getFeatures(), Nd4j.zeros(DataType.DOUBLE, N, 2));
        assertThatThrownBy(() -> RidgeRegression.fit(twoTargets, L2, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("train labels have shape [25, 2]");
        // duplicated column and no regularisation: singular normal equations
        INDArray x = data.getFeatures();
        DataSet collinear = new DataSet(Nd4j.hstack(x, x.getColumn(0, true)), data.getLabels());
        assertThatThrownBy(() -> RidgeRegression.fit(collinear, 0.0, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use l2 > 0");
        assertThatThrownBy(() -> RidgeRegression.fit(null, L2, true))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("train");
    }
}
