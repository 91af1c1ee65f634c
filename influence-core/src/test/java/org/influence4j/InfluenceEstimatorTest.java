package org.influence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Vectors;
import org.influence4j.model.InfluenceModel;
import org.influence4j.model.RidgeRegression;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.NotConvergedException;
import org.influence4j.solver.NotPositiveDefiniteException;
import org.influence4j.solver.StopReason;
import org.influence4j.testdata.DenseOracle;
import org.influence4j.testdata.Iris;
import org.influence4j.testdata.Snapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.TestDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The estimator against closed forms: {@code I_up,loss(zᵢ, z_test) = −∇L_testᵀ(H+λI)⁻¹∇ℓ(zᵢ)} computed
 * with the reference models' explicit Hessians and an independent dense LU solve (Hipparchus).
 */
class InfluenceEstimatorTest {

    /** Scores from the exact solver and from CG at 1e-12 against the dense closed form. */
    static final double CLOSED_FORM = 1e-8;
    /**
     * LiSSA with the full (deterministic) operator: with λ = 0.05 and scale ≈ 1.25·λmax ≈ 0.5 the recursion
     * contracts by 1 − λ/scale ≈ 0.9 per step, so depth 1000 truncates the Neumann series far below 1e-3.
     */
    static final double LISSA = 1e-2;

    static DataSet irisTrain;
    static DataSet irisTest;
    static SoftmaxRegression softmax;
    static DataSet ridgeTrain;
    static DataSet ridgeTest;
    static RidgeRegression ridge;

    @BeforeAll
    static void fit() {
        DataSet[] split = Iris.split(Iris.load(), 30, 7);
        irisTrain = split[0];
        irisTest = split[1];
        softmax = SoftmaxRegression.fit(irisTrain, 0.05).model();

        SplittableRandom rng = new SplittableRandom(11);
        int n = 60;
        int d = 5;
        INDArray x = Vectors.gaussian(rng, (long) n * d).reshape(n, d);
        INDArray w = Nd4j.createFromArray(1.0, -2.0, 0.5, 0.0, 3.0).reshape(d, 1);
        INDArray y = x.mmul(w).addi(Vectors.gaussian(rng, n).reshape(n, 1).muli(0.3)).addi(0.7);
        ridgeTrain = new DataSet(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 50),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(),
                y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 50), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
        ridgeTest = new DataSet(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(50, 52),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(),
                y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(50, 52), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
        ridge = RidgeRegression.fit(ridgeTrain, 0.1, true);
    }

    /** −∇L_testᵀ(H+λI)⁻¹gᵢ from the explicit Hessian, explicit per-example gradients and an LU solve. */
    static double[] closedForm(InfluenceModel model, DataSet train, DataSet test, double lambda) {
        INDArray h = model.hessian(train).denseMatrix().orElseThrow();
        INDArray s = DenseOracle.solve(h, lambda, model.meanLossGradient(test));
        INDArray g = model.perExampleGradients(train);
        return g.mmul(s.reshape(s.length(), 1)).reshape(g.rows()).negi().toDoubleVector();
    }

    static void assertClose(double[] actual, double[] expected, double relative) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("score %d", i).isCloseTo(expected[i], within(relative * scale));
        }
    }

    static List<IHVPSolver> solvers() {
        List<IHVPSolver> list = new ArrayList<>();
        list.add(IHVPSolver.exact());
        list.add(IHVPSolver.conjugateGradient().withTolerance(1e-12));
        return list;
    }

    @Test
    void influenceOn_equalsClosedForm_forSoftmaxRegression_withExactAndCg() {
        DataSet test = testPoint(irisTest, 3);
        double[] expected = closedForm(softmax, irisTrain, test, 0.01);
        for (IHVPSolver solver : solvers()) {
            InfluenceScores s = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain)
                    .withDamping(0.01).withSolver(solver).influenceOn(test);
            assertClose(s.toDoubleArray(), expected, CLOSED_FORM);
            assertThat(s.solverResult().converged()).as(solver.toString()).isTrue();
            assertThat(s.kind()).isEqualTo(ScoreKind.TEST_INFLUENCE);
        }
    }

    @Test
    void influenceOn_equalsClosedForm_forRidgeRegression_withMultiExampleTestPoint() {
        double[] expected = closedForm(ridge, ridgeTrain, ridgeTest, 0.0);
        for (IHVPSolver solver : solvers()) {
            InfluenceScores s = InfluenceEstimator.forModel(ridge).withTrainingData(ridgeTrain)
                    .withDamping(0.0).withSolver(solver).influenceOn(ridgeTest);
            assertClose(s.toDoubleArray(), expected, CLOSED_FORM);
        }
    }

    @Test
    void lissa_agreesWithExact_onSoftmaxRegression() {
        DataSet test = testPoint(irisTest, 5);
        InfluenceEstimator base = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain).withDamping(0.05);
        double[] exact = base.withSolver(IHVPSolver.exact()).influenceOn(test).toDoubleArray();
        // a batch as large as the training set makes LiSSA deterministic (full Hessian every step)
        InfluenceScores lissa = base.withSolver(IHVPSolver.lissa().withDepth(1000).withTolerance(1e-10)
                .withBatchSize(irisTrain.numExamples())).influenceOn(test);
        assertClose(lissa.toDoubleArray(), exact, LISSA);
        // mini-batch LiSSA is noisy but must still track the exact scores
        InfluenceScores stochastic = base.withSolver(IHVPSolver.lissa().withDepth(300).withRepeats(2).withSeed(3)
                .withBatchSize(60)).influenceOn(test);
        assertThat(pearson(stochastic.toDoubleArray(), exact)).isGreaterThan(0.99);
    }

    @Test
    void prepare_reusesTheSolve_andScoresOtherExamples() {
        DataSet test = testPoint(irisTest, 1);
        InfluenceEstimator est = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain).withDamping(0.01);
        PreparedInfluence prepared = est.prepare(test);
        InfluenceScores a = prepared.scores();
        InfluenceScores b = prepared.scores();
        assertThat(a.solverResult()).isSameAs(b.solverResult());
        assertThat(a.toDoubleArray()).containsExactly(est.influenceOn(test).toDoubleArray());
        // scoring the test set itself as candidates: −s_testᵀ gⱼ
        InfluenceScores onTest = prepared.scoresFor(irisTest);
        INDArray g = softmax.perExampleGradients(irisTest);
        INDArray s = prepared.inverseHvp();
        double[] expected = g.mmul(s.reshape(s.length(), 1)).negi().reshape(g.rows()).toDoubleVector();
        assertClose(onTest.toDoubleArray(), expected, 1e-12);
        // s_test solves (H + λI)s = ∇L_test
        INDArray residual = est.dampedHessian().apply(s).subi(prepared.testGradient());
        assertThat(residual.norm2Number().doubleValue() / prepared.testGradient().norm2Number().doubleValue())
                .isLessThan(1e-10);
    }

    @Test
    void prepared_isNotCorrupted_whenTheCallerMutatesTheSolverResultsSolution() {
        DataSet test = testPoint(irisTest, 1);
        InfluenceEstimator est = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain).withDamping(0.01);
        PreparedInfluence prepared = est.prepare(test);
        double[] before = prepared.scores().toDoubleArray();
        INDArray sBefore = prepared.inverseHvp();
        prepared.solverResult().solution().assign(0.0);
        prepared.scores().solverResult().solution().muli(-3.0);
        assertThat(prepared.inverseHvp()).isEqualTo(sBefore);
        assertThat(prepared.scores().toDoubleArray()).containsExactly(before);
    }

    @Test
    void scores_followTheSignConvention() {
        DataSet test = testPoint(irisTest, 2);
        InfluenceScores s = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain).withDamping(0.01)
                .influenceOn(test);
        int n = s.size();
        assertThat(n).isEqualTo(irisTrain.numExamples());
        int[] helpful = s.mostHelpful(5);
        int[] harmful = s.mostHarmful(5);
        assertThat(s.value(helpful[0])).isLessThan(0).isLessThanOrEqualTo(s.value(helpful[1]));
        assertThat(s.value(harmful[0])).isGreaterThan(0).isGreaterThanOrEqualTo(s.value(harmful[1]));
        double min = java.util.Arrays.stream(s.toDoubleArray()).min().orElseThrow();
        assertThat(s.value(helpful[0])).isEqualTo(min);
        assertThat(s.predictedLossChangeOnRemoval(helpful[0])).isEqualTo(-s.value(helpful[0]) / n);
        assertThat(s.mostInfluential(n)).hasSize(n);
        assertThat(s.values().toDoubleVector()).containsExactly(s.toDoubleArray());
        assertThatThrownBy(() -> s.mostHelpful(n + 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k (" + (n + 1) + ")");
        assertThat(s.objectiveGradientNorm()).isLessThan(1e-8); // Newton-trained
        assertThat(s.toString()).contains("TEST_INFLUENCE").contains("damping=0.01");
    }

    @Test
    void influenceOnParameters_predictsTheRetrainedParameters_andGroupsAddUp() {
        // ridge regression: removing a point and refitting exactly vs θ̂ − I_up,params/n (first order)
        int n = ridgeTrain.numExamples();
        DataSet z = testPoint(ridgeTrain, 4);
        InfluenceEstimator est = InfluenceEstimator.forModel(ridge).withTrainingData(ridgeTrain).withDamping(0.0);
        INDArray predicted = ridge.parameters().subi(est.influenceOnParameters(z).divi(n));
        // refitting on the mean over n − 1 examples also reweights Ω: removal upweights ℓ(z) + Ω by −1/n
        INDArray gradOmega = ridge.objectiveGradient(ridgeTrain).subi(ridge.meanLossGradient(ridgeTrain));
        INDArray h = ridge.hessian(ridgeTrain).denseMatrix().orElseThrow();
        INDArray renormalized = predicted.add(DenseOracle.solve(h, 0.0, gradOmega).divi(n));
        INDArray actual = RidgeRegression.fit(org.influence4j.model.DataSets.without(ridgeTrain, new int[] {4}), 0.1, true)
                .parameters();
        INDArray moved = actual.sub(ridge.parameters());
        // the first-order prediction explains the move up to O(1/n²) terms
        System.out.printf("move %.4g, first-order error %.4g, renormalised error %.4g%n", moved.norm2Number().doubleValue(),
                predicted.sub(actual).norm2Number().doubleValue(), renormalized.sub(actual).norm2Number().doubleValue());
        // what remains is second order: ridge's exact leave-one-out move carries 1/(1 − leverage) ≈ 1 + p/n
        assertThat(renormalized.sub(actual).norm2Number().doubleValue())
                .isLessThan(0.2 * moved.norm2Number().doubleValue())
                .isLessThan(0.5 * predicted.sub(actual).norm2Number().doubleValue());

        InfluenceScores s = est.influenceOn(ridgeTest);
        // the renormalised loss-change prediction adds the regulariser's score rᵢ = −∇L_testᵀH⁻¹∇Ω to every point
        double r = -Vectors.dot(DenseOracle.solve(h, 0.0, ridge.meanLossGradient(ridgeTest)), gradOmega);
        assertThat(s.regularizerTerm(7)).isCloseTo(r, within(1e-10 * Math.abs(r)));
        assertThat(s.predictedLossChangeOnRenormalizedRemoval(7)).isCloseTo(-(s.value(7) + r) / n, within(1e-12));
        assertThat(s.predictedLossChanges(false)[7]).isEqualTo(s.predictedLossChangeOnRemoval(7));
        int[] group = {1, 5, 9};
        assertThat(s.predictedLossChangeOnRemoval(group)).isCloseTo(
                s.predictedLossChangeOnRemoval(1) + s.predictedLossChangeOnRemoval(5) + s.predictedLossChangeOnRemoval(9),
                within(1e-15));
        assertThatThrownBy(() -> s.predictedLossChangeOnRemoval(new int[] {1, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> s.predictedLossChangeOnRemoval(new int[] {n}))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void selfInfluence_equalsClosedForm_withExactSolver() {
        double lambda = 0.02;
        INDArray h = softmax.hessian(irisTrain).denseMatrix().orElseThrow();
        INDArray g = softmax.perExampleGradients(irisTrain);
        int n = irisTrain.numExamples();
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            INDArray gi = g.getRow(i).dup();
            expected[i] = -Vectors.dot(gi, DenseOracle.solve(h, lambda, gi));
        }
        InfluenceEstimator est = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain).withDamping(lambda);
        long[] lastProgress = {0, 0};
        InfluenceScores exact = est.withProgressListener((task, done, total) -> {
            lastProgress[0] = done;
            lastProgress[1] = total;
        }).selfInfluence();
        assertClose(exact.toDoubleArray(), expected, CLOSED_FORM);
        assertThat(exact.kind()).isEqualTo(ScoreKind.SELF_INFLUENCE);
        assertThat(lastProgress).containsExactly(n, n);
        assertThat(java.util.Arrays.stream(exact.toDoubleArray()).max().orElseThrow()).isLessThanOrEqualTo(0);
    }

    @Test
    void selfInfluence_withIterativeSolver_solvesOncePerExample() {
        double lambda = 0.01;
        INDArray h = ridge.hessian(ridgeTrain).denseMatrix().orElseThrow();
        INDArray g = ridge.perExampleGradients(ridgeTrain);
        int n = ridgeTrain.numExamples();
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            INDArray gi = g.getRow(i).dup();
            expected[i] = -Vectors.dot(gi, DenseOracle.solve(h, lambda, gi));
        }
        List<Long> progress = new ArrayList<>();
        InfluenceScores cg = InfluenceEstimator.forModel(ridge).withTrainingData(ridgeTrain).withDamping(lambda)
                .withSolver(IHVPSolver.conjugateGradient().withTolerance(1e-12))
                .withProgressListener((task, done, total) -> progress.add(done))
                .selfInfluence();
        assertClose(cg.toDoubleArray(), expected, CLOSED_FORM);
        assertThat(progress).hasSize((n + InfluenceEstimator.PROGRESS_ROWS - 1) / InfluenceEstimator.PROGRESS_ROWS)
                .isSorted().endsWith((long) n);
        assertThat(cg.solverResult().converged()).isTrue();
    }

    @Test
    void withDamping_sharesTheFactorization_andMatchesFreshEstimators() {
        DataSet test = testPoint(irisTest, 4);
        InfluenceEstimator base = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain)
                .withSolver(IHVPSolver.exact());
        for (double lambda : new double[] {1e-3, 1e-2, 1e-1}) {
            double[] swept = base.withDamping(lambda).influenceOn(test).toDoubleArray();
            assertClose(swept, closedForm(softmax, irisTrain, test, lambda), CLOSED_FORM);
        }
        // a factorisation reused from a copy reports no new HVPs
        assertThat(base.withDamping(0.5).influenceOn(test).solverResult().iterations()).isZero();
    }

    @Test
    void estimator_isImmutable_andDefaultsAreDocumented() {
        InfluenceEstimator a = InfluenceEstimator.forModel(softmax);
        InfluenceEstimator b = a.withDamping(0.3);
        assertThat(a.damping()).isEqualTo(InfluenceEstimator.DEFAULT_DAMPING);
        assertThat(b.damping()).isEqualTo(0.3);
        assertThat(a.solver().getClass().getSimpleName()).isEqualTo("ExactSolver"); // p = 15 ≤ 2000
        assertThatThrownBy(a::trainingData).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("withTrainingData");
        assertThat(b.toString()).contains("damping=0.3");
    }

    @Test
    void nothingIsModified_byAnyCall() {
        DataSet test = testPoint(irisTest, 0);
        INDArray params = softmax.parameters();
        Snapshot snap = Snapshot.of(irisTrain, test, params);
        InfluenceEstimator est = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain).withDamping(0.01);
        est.influenceOn(test);
        est.prepare(test).scoresFor(irisTest);
        est.selfInfluence();
        est.withSolver(IHVPSolver.conjugateGradient()).influenceOn(test);
        snap.assertUnchanged();
        assertThat(softmax.parameters()).isEqualTo(params);
    }

    @Test
    void badInputs_areRejected_withMessagesNamingTheArgument() {
        InfluenceEstimator est = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain);
        assertThatThrownBy(() -> est.withDamping(-0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("damping (-0.1) must be finite and >= 0");
        assertThatThrownBy(() -> est.withDamping(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("damping (NaN)");
        assertThatThrownBy(() -> est.influenceOn(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("testPoint");
        DataSet nan = testPoint(irisTest, 0).copy();
        nan.getFeatures().putScalar(0, 2, Double.NaN);
        assertThatThrownBy(() -> est.influenceOn(nan)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("testPoint features").hasMessageContaining("NaN");
        DataSet empty = new DataSet(Nd4j.create(DataType.DOUBLE, 0, 4), Nd4j.create(DataType.DOUBLE, 0, 3));
        assertThatThrownBy(() -> est.withTrainingData(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("training data is empty");
        DataSet wide = new DataSet(Nd4j.zeros(DataType.DOUBLE, 1, 5), Nd4j.zeros(DataType.DOUBLE, 1, 3));
        assertThatThrownBy(() -> est.influenceOn(wide)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IHVPSolver.lissa().withBatchSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSize (0)");
        assertThatThrownBy(() -> InfluenceEstimator.forModel((Object) "not a model"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no ModelAdapter supports models of type java.lang.String");
    }

    @Test
    void withTrainingData_fromAnIterator_equalsTheDataSet() {
        DataSet test = testPoint(irisTest, 6);
        DataSetIterator it = new TestDataSetIterator(irisTrain, 32);
        double[] fromIterator = InfluenceEstimator.forModel(softmax).withTrainingData(it).withDamping(0.01)
                .influenceOn(test).toDoubleArray();
        double[] fromDataSet = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain).withDamping(0.01)
                .influenceOn(test).toDoubleArray();
        assertClose(fromIterator, fromDataSet, 1e-12);
    }

    @Test
    void strictPolicy_turnsNonConvergenceAndNegativeCurvatureIntoExceptions() {
        DataSet test = testPoint(irisTest, 0);
        InfluenceEstimator est = InfluenceEstimator.forModel(softmax).withTrainingData(irisTrain).withDamping(0.01)
                .withSolver(IHVPSolver.conjugateGradient().withMaxIterations(2));
        // lenient: flagged result
        InfluenceScores flagged = est.influenceOn(test);
        assertThat(flagged.solverResult().converged()).isFalse();
        assertThat(flagged.solverResult().stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        assertThatThrownBy(() -> est.withStrict(true).influenceOn(test)).isInstanceOf(NotConvergedException.class)
                .hasMessageContaining("did not converge");

        InfluenceModel indefinite = new NegatedHessianModel(softmax);
        InfluenceEstimator bad = InfluenceEstimator.forModel(indefinite).withTrainingData(irisTrain)
                .withDamping(0.0).withSolver(IHVPSolver.conjugateGradient()).withStrict(true);
        assertThatThrownBy(() -> bad.influenceOn(test)).isInstanceOf(NotPositiveDefiniteException.class)
                .satisfies(e -> assertThat(((NotPositiveDefiniteException) e).suggestedDamping()).isPositive());
        InfluenceEstimator exact = InfluenceEstimator.forModel(indefinite).withTrainingData(irisTrain)
                .withDamping(0.0).withSolver(IHVPSolver.exact());
        assertThatThrownBy(() -> exact.withStrict(true).influenceOn(test))
                .isInstanceOf(NotPositiveDefiniteException.class).hasMessageContaining("withDamping(");
        // lenient (the default): flagged scores from the pseudo-inverse of the positive part
        InfluenceScores lenient = exact.influenceOn(test);
        assertThat(lenient.solverResult().stopReason()).isEqualTo(StopReason.NOT_POSITIVE_DEFINITE);
        assertThat(java.util.Arrays.stream(lenient.toDoubleArray()).allMatch(Double::isFinite)).isTrue();
    }

    static DataSet testPoint(DataSet test, int i) {
        return new DataSet(test.getFeatures().getRow(i, true).dup(), test.getLabels().getRow(i, true).dup());
    }

    static double pearson(double[] a, double[] b) {
        return new org.hipparchus.stat.correlation.PearsonsCorrelation().correlation(a, b);
    }

    /** A model whose Hessian is the negative of another's: negative definite, for the failure paths. */
    static class NegatedHessianModel implements InfluenceModel {
        private final InfluenceModel inner;

        NegatedHessianModel(InfluenceModel inner) {
            this.inner = inner;
        }

        @Override
        public long numParameters() {
            return inner.numParameters();
        }

        @Override
        public INDArray parameters() {
            return inner.parameters();
        }

        @Override
        public double objective(DataSet data) {
            return inner.objective(data);
        }

        @Override
        public INDArray objectiveGradient(DataSet data) {
            return inner.objectiveGradient(data);
        }

        @Override
        public INDArray losses(DataSet data) {
            return inner.losses(data);
        }

        @Override
        public INDArray meanLossGradient(DataSet data) {
            return inner.meanLossGradient(data);
        }

        @Override
        public INDArray perExampleGradientDots(DataSet data, INDArray v) {
            return inner.perExampleGradientDots(data, v);
        }

        @Override
        public HessianVectorProduct hessian(DataSet data) {
            INDArray h = inner.hessian(data).denseMatrix().orElseThrow().negi();
            return HessianVectorProduct.ofMatrix(h.subi(Nd4j.eye(h.rows()).castTo(DataType.DOUBLE)));
        }
    }
}
