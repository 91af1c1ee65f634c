package org.influence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Vectors;
import org.influence4j.model.InfluenceModel;
import org.influence4j.model.RidgeRegression;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.testdata.DenseOracle;
import org.influence4j.testdata.Iris;
import org.junit.jupiter.api.BeforeAll;
import org.influence4j.solver.NotPositiveDefiniteException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class InfluenceDiagnosticsTest {

    static DataSet train;
    static SoftmaxRegression softmax;

    @BeforeAll
    static void fit() {
        train = Iris.split(Iris.load(), 30, 7)[0];
        softmax = SoftmaxRegression.fit(train, 0.05).model();
    }

    @Test
    void convergedConvexModel_hasNoWarnings_andTheExactSpectrum() {
        InfluenceDiagnostics d = InfluenceEstimator.forModel(softmax).withTrainingData(train).withDamping(0.01)
                .diagnose();
        double[] oracle = DenseOracle.eigenvalues(softmax.hessian(train).denseMatrix().orElseThrow());
        assertThat(d.exactSpectrum()).isTrue();
        assertThat(d.minEigenvalue()).isCloseTo(oracle[0], within(1e-12)); // ≈ 0: the bias direction
        assertThat(d.maxEigenvalue()).isCloseTo(oracle[oracle.length - 1], within(1e-12));
        assertThat(d.negativeEigenvalues()).isLessThanOrEqualTo(1); // the exact zero may round to −1e-17
        assertThat(d.objectiveGradientNorm()).isLessThan(1e-8);
        assertThat(d.warnings()).isEmpty();
        assertThat(d.looksTrustworthy()).isTrue();
        assertThat(d.dampedConditionNumber()).isCloseTo((oracle[oracle.length - 1] + 0.01) / (oracle[0] + 0.01),
                within(1e-6));
        assertThat(d.toString()).contains("p=15").contains("n=120");
    }

    @Test
    void unconvergedModel_isReportedAsNotStationary() {
        INDArray theta = softmax.parameters().addi(0.05);
        SoftmaxRegression off = SoftmaxRegression.at(theta, 3, 0.05);
        InfluenceDiagnostics d = InfluenceEstimator.forModel(off).withTrainingData(train).withDamping(0.01).diagnose();
        assertThat(d.relativeGradientNorm()).isGreaterThan(InfluenceDiagnostics.STATIONARITY_THRESHOLD);
        assertThat(d.warnings()).anySatisfy(w -> assertThat(w).contains("not a stationary point"));
    }

    @Test
    void dampingLargerThanTheCurvature_isReported() {
        InfluenceDiagnostics d = InfluenceEstimator.forModel(softmax).withTrainingData(train).withDamping(10.0)
                .diagnose();
        assertThat(d.warnings()).singleElement().satisfies(w -> assertThat(w).contains("reduce the damping"));
    }

    @Test
    void indefiniteHessian_isReported_withTheDampingNeeded() {
        InfluenceDiagnostics d = InfluenceEstimator.forModel(new InfluenceEstimatorTest.NegatedHessianModel(softmax))
                .withTrainingData(train).withDamping(0.0).diagnose();
        assertThat(d.minEigenvalue()).isLessThan(-1.0);
        assertThat(d.negativeEigenvalues()).isEqualTo(15);
        double suggested = NotPositiveDefiniteException.suggestedDamping(0.0, d.minEigenvalue());
        assertThat(suggested).isGreaterThan(-2 * d.minEigenvalue());
        assertThat(d.warnings()).anySatisfy(w -> assertThat(w).contains("not positive definite")
                .contains(String.format(java.util.Locale.ROOT, "withDamping(%.3g)", suggested))
                .contains("TRUNCATE").doesNotContain("CLIP"));
        // the same rule as a flagged exact solve of the same estimator
        assertThat(InfluenceEstimator.forModel(new InfluenceEstimatorTest.NegatedHessianModel(softmax))
                .withTrainingData(train).withDamping(0.0).influenceOn(train.get(0)).solverResult().suggestedDamping(0.0))
                .isCloseTo(suggested, org.assertj.core.data.Offset.offset(1e-9 * suggested));
        assertThat(d.dampedConditionNumber()).isInfinite();
    }

    @Test
    void nonFiniteSpectrumEstimate_isReported_notSilentlyTrusted() {
        // p > AUTO_EXACT_MAX_PARAMETERS: the spectrum comes from power iteration over an operator that returns NaN
        int d = InfluenceEstimator.AUTO_EXACT_MAX_PARAMETERS + 1;
        SplittableRandom rng = new SplittableRandom(3);
        DataSet data = new DataSet(Vectors.gaussian(rng, 4L * d).reshape(4, d), Vectors.gaussian(rng, 4).reshape(4, 1));
        RidgeRegression ridge = RidgeRegression.at(Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, d), 1.0, false);
        InfluenceModel nanHessian = new InfluenceEstimatorTest.NegatedHessianModel(ridge) {
            @Override
            public HessianVectorProduct hessian(DataSet ignored) {
                return new HessianVectorProduct() {
                    @Override
                    public long dimension() {
                        return d;
                    }

                    @Override
                    public INDArray apply(INDArray v) {
                        return Nd4j.valueArrayOf(new long[] {d}, Double.NaN, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
                    }
                };
            }
        };
        InfluenceDiagnostics diag = InfluenceEstimator.forModel(nanHessian).withTrainingData(data).withDamping(0.01)
                .diagnose();
        assertThat(diag.exactSpectrum()).isFalse();
        assertThat(diag.looksTrustworthy()).isFalse();
        assertThat(diag.warnings()).anySatisfy(w -> assertThat(w).contains("not finite").contains("HvpSelfCheck"));
    }

    @Test
    void powerIteration_findsBothEndsOfAnIndefiniteSpectrum() {
        // Q diag(s) Qᵀ with s from −3 to 5: Q from the eigenvectors of a random symmetric matrix
        int p = 40;
        SplittableRandom rng = new SplittableRandom(5);
        INDArray b = Vectors.gaussian(rng, (long) p * p).reshape(p, p);
        INDArray sym = b.add(b.transpose());
        INDArray q = DenseOracle.eigenvectors(sym);
        double[] s = new double[p];
        for (int i = 0; i < p; i++) {
            s[i] = -3 + 8.0 * i / (p - 1) * (i / (double) (p - 1)); // denser near −3, gaps at the top
        }
        INDArray a = q.mmul(Nd4j.diag(Nd4j.createFromArray(s))).mmul(q.transpose());
        HessianVectorProduct h = HessianVectorProduct.ofMatrix(a.add(a.transpose()).muli(0.5));
        double[] ext = org.influence4j.internal.PowerIteration.extremes(h, 300, 1);
        assertThat(ext[1]).isCloseTo(5.0, within(1e-3));
        assertThat(ext[0]).isCloseTo(-3.0, within(5e-2));
    }
}
