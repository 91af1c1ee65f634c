package org.influence4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Vectors;
import org.influence4j.testdata.DenseOracle;
import org.influence4j.testdata.Iris;
import org.influence4j.testdata.Snapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class SoftmaxRegressionTest extends InfluenceModelContractTest {

    static final int N = 30;
    static final int D = 3;
    static final int K = 4;
    static final double L2 = 0.03;
    /** Newton in DOUBLE: the gradient tolerance of the trainer (the default). */
    static final double TRAIN_TOLERANCE = 1e-10;
    /** ‖H·1_bias‖ is exactly zero in exact arithmetic; round-off of the closed form is ~1e-16 per entry. */
    static final double NULL_DIRECTION = 1e-13;

    static DataSet iris;
    static TrainingResult<SoftmaxRegression> irisFit;

    @BeforeAll
    static void fitIris() {
        iris = Iris.load();
        irisFit = SoftmaxRegression.fit(iris, 0.01);
    }

    /** Gaussian features; one-hot labels (or soft labels of random mass) from a fixed seed. */
    static DataSet randomData(long seed, boolean soft) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] x = new double[N][D];
        double[][] y = new double[N][K];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                x[i][j] = rng.nextGaussian();
            }
            if (soft) {
                for (int c = 0; c < K; c++) {
                    y[i][c] = rng.nextDouble(); // mass sᵢ ≠ 1 on purpose
                }
            } else {
                y[i][rng.nextInt(K)] = 1.0;
            }
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    static SoftmaxRegression randomModel(long seed) {
        return SoftmaxRegression.at(Vectors.gaussian(new SplittableRandom(seed), (D + 1) * K).muli(0.7), K, L2);
    }

    @Override
    InfluenceModel model() {
        return randomModel(7);
    }

    @Override
    InfluenceModel at(INDArray theta) {
        return SoftmaxRegression.at(theta, K, L2);
    }

    @Override
    protected java.util.Optional<OutputOracle> outputOracle() {
        return java.util.Optional.of(ReferenceOutputOracles.softmax(K));
    }

    @Override
    DataSet data() {
        return randomData(3, false);
    }

    /** The whole contract again with soft labels of arbitrary mass. */
    @Nested
    class SoftLabels extends InfluenceModelContractTest {
        @Override
        InfluenceModel model() {
            return randomModel(8);
        }

        @Override
        InfluenceModel at(INDArray theta) {
            return SoftmaxRegression.at(theta, K, L2);
        }

        @Override
        protected java.util.Optional<OutputOracle> outputOracle() {
            return java.util.Optional.of(ReferenceOutputOracles.softmax(K));
        }

        @Override
        DataSet data() {
            return randomData(4, true);
        }
    }

    @Test
    void parameterLayout_isDl4jColumnMajorWeightsThenBiases() {
        INDArray theta = Nd4j.arange(0, (D + 1) * K).castTo(DataType.DOUBLE);
        SoftmaxRegression m = SoftmaxRegression.at(theta, K, L2);
        INDArray w = m.weights();
        assertThat(w.shape()).containsExactly(D, K);
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < K; j++) {
                assertThat(w.getDouble(i, j)).isEqualTo(j * D + i);
            }
        }
        assertThat(m.biases().toDoubleVector()).containsExactly(12, 13, 14, 15);
        // ND4J's own 'f' flattening of W agrees
        assertThat(w.dup('f').reshape('f', new long[] {D * K}).toDoubleVector())
                .containsExactly(theta.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, D * K)).toDoubleVector());
        assertThat(m.parameters().toDoubleVector()).containsExactly(theta.toDoubleVector());
    }

    @Test
    void losses_areNegativeLogProbabilitiesOfTheLabel() {
        SoftmaxRegression m = randomModel(7);
        DataSet data = data();
        INDArray p = m.probabilities(data.getFeatures());
        INDArray losses = m.losses(data);
        for (int i = 0; i < N; i++) {
            int label = data.getLabels().getRow(i).argMax().getInt(0);
            assertThat(losses.getDouble(i)).isCloseTo(-Math.log(p.getDouble(i, label)),
                    org.assertj.core.data.Offset.offset(1e-12));
        }
        double w2 = m.weights().norm2Number().doubleValue();
        assertThat(m.objective(data)).isCloseTo(losses.meanNumber().doubleValue() + 0.5 * L2 * w2 * w2,
                org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void newtonKernel_agreesWithTheNd4jClosedForms() {
        for (boolean soft : new boolean[] {false, true}) {
            DataSet data = randomData(soft ? 12 : 13, soft);
            SoftmaxRegression m = randomModel(14);
            Newton.Point pt = new SoftmaxObjective(data.getFeatures().toDoubleMatrix(),
                    data.getLabels().toDoubleMatrix(), L2).at(m.parameters().toDoubleVector());
            assertThat(pt.objective()).isCloseTo(m.objective(data), org.assertj.core.data.Offset.offset(1e-13));
            assertRelativelyClose(Nd4j.createFromArray(pt.gradient()), m.objectiveGradient(data), CLOSED_FORM_RELATIVE);
            // the dense Hessian column by column against the ND4J Hessian-vector product
            INDArray dense = Nd4j.createFromArray(pt.hessian());
            HessianVectorProduct h = m.hessian(data);
            for (int j = 0; j < m.numParameters(); j++) {
                INDArray e = Nd4j.zeros(DataType.DOUBLE, m.numParameters());
                e.putScalar(j, 1.0);
                assertRelativelyClose(dense.getColumn(j).dup(), h.apply(e), CLOSED_FORM_RELATIVE);
            }
        }
    }

    @Test
    void fit_reachesGradientTolerance_onIris() {
        assertThat(irisFit.converged()).isTrue();
        assertThat(irisFit.gradientNorm()).isLessThanOrEqualTo(TRAIN_TOLERANCE);
        assertThat(irisFit.iterations()).isBetween(1, 40);
        // recomputed independently of the trainer's bookkeeping
        SoftmaxRegression m = irisFit.model();
        assertThat(Vectors.norm2(m.objectiveGradient(iris))).isLessThanOrEqualTo(TRAIN_TOLERANCE);
        assertThat(irisFit.objective()).isEqualTo(m.objective(iris));
        assertThat(m.numFeatures()).isEqualTo(Iris.FEATURES);
        assertThat(m.numClasses()).isEqualTo(Iris.CLASSES);
        assertThat(irisFit.toString()).contains("converged", "‖∇R‖");
    }

    @Test
    void refit_fromTheOptimum_takesNoStep_andIsDeterministic() {
        TrainingResult<SoftmaxRegression> again = irisFit.model().refit(iris, NewtonOptions.defaults());
        assertThat(again.iterations()).isZero();
        TrainingResult<SoftmaxRegression> twice = SoftmaxRegression.fit(iris, 0.01);
        assertThat(twice.model().parameters().toDoubleVector())
                .containsExactly(irisFit.model().parameters().toDoubleVector());
    }

    @Test
    void hessian_isSingularExactlyInTheAllBiasesDirection() {
        SoftmaxRegression m = irisFit.model();
        HessianVectorProduct h = m.hessian(iris);
        int p = (int) m.numParameters();
        INDArray biasOnes = Nd4j.zeros(DataType.DOUBLE, p);
        for (int j = p - Iris.CLASSES; j < p; j++) {
            biasOnes.putScalar(j, 1.0);
        }
        assertThat(Vectors.norm2(h.apply(biasOnes))).isLessThan(NULL_DIRECTION);
        INDArray dense = h.denseMatrix().orElseThrow();
        double[] ev = DenseOracle.eigenvalues(dense);
        // one zero eigenvalue, the next clearly positive (l2 > 0 regularises every weight direction)
        assertThat(Math.abs(ev[0])).isLessThan(NULL_DIRECTION);
        assertThat(ev[1]).isGreaterThan(1e-4);
        INDArray u = DenseOracle.smallestEigenvector(dense);
        double cos = Math.abs(Vectors.dot(u, biasOnes)) / Vectors.norm2(biasOnes);
        assertThat(cos).isGreaterThan(1 - 1e-9);
        // every loss gradient is orthogonal to the null direction, so damped solves are well posed
        INDArray dots = m.perExampleGradientDots(iris, biasOnes);
        assertThat(dots.amaxNumber().doubleValue()).isLessThan(1e-14);
        System.out.printf("softmax Iris (l2=0.01) Hessian eigenvalues: min %.3e, next %.3e, max %.3e%n",
                ev[0], ev[1], ev[ev.length - 1]);
    }

    @Test
    void fitAndRetrainer_leaveTheirArgumentsUnchanged() {
        DataSet data = randomData(3, false);
        Snapshot snap = Snapshot.of(data);
        TrainingResult<SoftmaxRegression> fit = SoftmaxRegression.fit(data, L2);
        fit.model().refit(data, NewtonOptions.defaults());
        int[] removed = {3, 1};
        DataSet test = randomData(9, false);
        Snapshot testSnap = Snapshot.of(test);
        fit.model().retrainer(data).testLossWithout(removed, test);
        assertThat(removed).containsExactly(3, 1);
        snap.assertUnchanged();
        testSnap.assertUnchanged();
    }

    @Test
    void badArguments_areRejected() {
        DataSet data = data();
        assertThatThrownBy(() -> SoftmaxRegression.fit(data, -0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("l2 (-0.1)");
        assertThatThrownBy(() -> SoftmaxRegression.fit(data, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("l2 (NaN)");
        assertThatThrownBy(() -> SoftmaxRegression.at(Nd4j.zeros(DataType.DOUBLE, 16), 1, L2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numClasses (1)");
        assertThatThrownBy(() -> SoftmaxRegression.at(Nd4j.zeros(DataType.DOUBLE, 15), 4, L2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta has length 15");
        INDArray negative = data.getLabels().dup();
        negative.putScalar(0, 0, -1.0);
        assertThatThrownBy(() -> randomModel(1).losses(new DataSet(data.getFeatures(), negative)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        INDArray threeClasses = Nd4j.zeros(DataType.DOUBLE, N, 3);
        assertThatThrownBy(() -> randomModel(1).losses(new DataSet(data.getFeatures(), threeClasses)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data labels have shape [30, 3]");
        DataSet empty = new DataSet(Nd4j.zeros(DataType.DOUBLE, 0, D), Nd4j.zeros(DataType.DOUBLE, 0, K));
        assertThatThrownBy(() -> SoftmaxRegression.fit(empty, L2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> new NewtonOptions(0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance (0.0)");
    }

    @Test
    void separableDataWithoutRegularisation_returnsAFlaggedResult() {
        // two points, two classes, l2 = 0: no finite optimum; Newton must stop and say so
        DataSet sep = new DataSet(Nd4j.createFromArray(new double[][] {{-1}, {1}}),
                Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}}));
        TrainingResult<SoftmaxRegression> r = SoftmaxRegression.fit(sep, 0.0, NewtonOptions.defaults()
                .withMaxIterations(15));
        assertThat(r.converged()).isFalse();
        assertThat(r.gradientNorm()).isGreaterThan(TRAIN_TOLERANCE);
        assertThat(r.toString()).contains("NOT converged");
    }
}
